"""Crash-safe file writes: a save either lands whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` through a temp file in the same folder and a rename.

    The temp file is created with the final permissions before any byte is written, so a
    secret file is never readable by others, not even for a moment. Without `mode`, an
    existing file keeps its permissions; a new one gets 0644.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def dump_json(value: Any) -> str:
    """JSON as hooktui writes it: 2-space indent, UTF-8 kept readable, newline at the end."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"

