"""What each tenant's rate limit taught, kept between commands: `ratelimit.json` in the user's data
folder (hooktui.core.userdata; never in a workspace), 0600, written atomically.

Without it every command starts blind and sends its first requests into a bucket the command
before may just have emptied: three `hooktui status` in a row met 429s on the free tier. The file
holds per tenant address a few numbers per bucket (limit, level, when, rate bounds) and nothing
secret. A damaged or foreign file is ignored and replaced: it only costs what starting blind costs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooktui.core.files import atomic_write, dump_json

log = logging.getLogger("hooktui.remote")

FILE = "ratelimit.json"
FORMAT = "hooktui-ratelimit/1"
MAX_TENANTS = 32  # most recently used first; the others are forgotten
MAX_AGE = 24 * 3600.0  # older knowledge describes a bucket that is full again anyway


def memory_path() -> Path:
    from hooktui.core.userdata import user_data_dir

    return user_data_dir() / FILE


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tenants"), dict):
        return {}
    return {str(k): v for k, v in data["tenants"].items() if isinstance(v, dict)}


def recall(tenant: str, *, path: Path | None = None) -> dict[str, Mapping[str, Any]]:
    """The buckets remembered for `tenant` ("api", "auth"), {} when nothing usable is."""
    entry = _read(path or memory_path()).get(tenant) or {}
    saved = entry.get("saved")
    if not isinstance(saved, int | float) or time.time() - saved > MAX_AGE:
        return {}
    buckets = entry.get("buckets")
    return {str(k): v for k, v in buckets.items() if isinstance(v, dict)} if isinstance(buckets, dict) else {}


def remember(tenant: str, buckets: Mapping[str, Mapping[str, Any] | None], *, path: Path | None = None) -> None:
    """Keep `buckets` for `tenant`. Never raises: a command that worked does not fail because
    its pacing knowledge could not be kept."""
    kept = {name: dict(memory) for name, memory in buckets.items() if memory}
    if not kept:
        return
    try:
        if path is None:
            from hooktui.core.userdata import private_dir

            path = private_dir() / FILE
        now = time.time()
        tenants = _read(path)
        tenants.pop(tenant, None)
        fresh = {k: v for k, v in tenants.items()
                 if isinstance(v.get("saved"), int | float) and now - v["saved"] <= MAX_AGE}
        recent = sorted(fresh.items(), key=lambda kv: kv[1]["saved"], reverse=True)[: MAX_TENANTS - 1]
        data = {"format": FORMAT, "tenants": {tenant: {"saved": round(now, 3), "buckets": kept}, **dict(recent)}}
        atomic_write(path, dump_json(data), mode=0o600)
    except (OSError, TypeError, ValueError) as exc:
        log.warning("could not keep the rate-limit knowledge in %s: %s", path, exc)
