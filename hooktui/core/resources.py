"""Where the shipped data lives: inside the wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = _PACKAGE.parent


def data_path(name: str) -> Path:
    """Path of a shipped data folder: "sample_payloads", "themes" or "examples/workspace"."""
    packaged = _PACKAGE / "_data" / name
    if packaged.exists():
        return packaged
    return _CHECKOUT / name
