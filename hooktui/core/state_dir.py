"""The workspace's `.hooktui/` folder: hooktui's own files (sync state, node_modules), kept out of git."""

from __future__ import annotations

from pathlib import Path

from hooktui.core.files import atomic_write

STATE_DIRECTORY = ".hooktui"
# Inside .hooktui/ itself, so it holds whatever the workspace's own .gitignore says: sync state,
# node_modules and the rest of hooktui's files never show in `git status`.
STATE_GITIGNORE = "*"


def ensure_state_dir(state_dir: Path) -> Path:
    """Create the workspace's `.hooktui/` if needed, with a .gitignore that keeps all of it out
    of git. Every writer into the folder calls this first; lines a user added are kept."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    gitignore = state_dir / ".gitignore"
    try:
        existing = gitignore.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = ""
    if STATE_GITIGNORE not in (line.strip() for line in existing.splitlines()):
        separator = "\n" if existing and not existing.endswith("\n") else ""
        atomic_write(gitignore, f"{existing}{separator}{STATE_GITIGNORE}\n")
    return state_dir
