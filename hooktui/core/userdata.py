"""The user's data folder: what hooktui keeps for this user outside every workspace (the key of the
state files' secret fingerprints, what the rate limit of each tenant taught). Never in a workspace,
so never in a repository; the folder is 0700 and its files 0600.
"""

from __future__ import annotations

import os
import secrets as _random
from collections.abc import Mapping
from pathlib import Path

from hooktui.core.files import atomic_write

STATE_KEY_FILE = "state-key"


def user_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """$HOOKTUI_DATA_DIR; else $HOOKTUI_CONFIG_DIR when set (one folder for a whole profile, as a
    portable setup or a test wants); else $XDG_DATA_HOME/hooktui; else ~/.local/share/hooktui."""
    env = os.environ if env is None else env
    for name in ("HOOKTUI_DATA_DIR", "HOOKTUI_CONFIG_DIR"):
        if env.get(name):  # an empty value counts as unset, as in XDG
            return Path(env[name]).expanduser()
    if env.get("XDG_DATA_HOME"):
        return Path(env["XDG_DATA_HOME"]).expanduser() / "hooktui"
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".local" / "share" / "hooktui"


def private_dir(env: Mapping[str, str] | None = None) -> Path:
    """The data folder, created 0700 if missing (an existing one is tightened to 0700 too: it
    holds a key)."""
    folder = user_data_dir(env)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder


def state_key(env: Mapping[str, str] | None = None) -> bytes:
    """The per-user key of the state files' fingerprints, created on first need (32 random bytes,
    0600). Two processes creating it at once agree: the first link wins, the other reads it."""
    path = private_dir(env) / STATE_KEY_FILE
    key, damaged = _read_key(path)
    if key is not None:
        return key
    fresh = path.with_name(f".{STATE_KEY_FILE}.{os.getpid()}.new")
    atomic_write(fresh, _random.token_hex(32) + "\n", mode=0o600)
    try:
        if damaged:
            # The fingerprints made with it can no longer be checked: their secret values become
            # "unknown, value kept" until the next push, nothing worse.
            os.replace(fresh, path)
        else:
            try:
                os.link(fresh, path)
            except FileExistsError:
                pass  # another process made one first: use that
    finally:
        fresh.unlink(missing_ok=True)
    key, _ = _read_key(path)
    if key is None:
        raise OSError(f"cannot create the key file {path}")
    return key


def _read_key(path: Path) -> tuple[bytes | None, bool]:
    """The key, and whether a file is there that does not hold one."""
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) != 64:
            return None, True
        return bytes.fromhex(text), False
    except FileNotFoundError:
        return None, False
    except (ValueError, UnicodeDecodeError):
        return None, True
