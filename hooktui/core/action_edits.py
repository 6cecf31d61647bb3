"""Writing actions: a new one laid out as deploy-cli's export lays it out, and saves of code.
Every write is atomic, never overwrites a file it did not mean to, and never lands outside the
workspace."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from hooktui.core.action_triggers import (
    ACTION_TRIGGERS,
    DEFAULT_RUNTIME,
    runtime_problem,
    unknown_trigger_message,
    version_problem,
)
from hooktui.core.actions import _CONTROL, ACTIONS_DIRECTORY, Action, _rel, raw_code
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.problems import WorkspaceError


class ActionsHost(Protocol):
    """What an action edit needs of the workspace (the Workspace is one), named here so that
    action_edits.py never imports workspace.py."""

    root: Path
    actions: list[Action]

    def reload(self) -> None: ...


def write_code(ws: ActionsHost, action: Action, text: str) -> None:
    """Save the code atomically (through a symlink to its target); never outside the workspace."""
    if action.code_path is None:
        raw_code(action)  # raises, naming why
    assert action.code_path is not None
    real = Path(os.path.realpath(action.code_path))
    if real == ws.root or not real.is_relative_to(ws.root):
        raise WorkspaceError(f"{action.code_path} is outside the workspace {ws.root}; hooktui does not write "
                             "there: move the code inside the workspace first")
    atomic_write(real, text)
    ws.reload()



# sanitize-filename, which deploy-cli names export files with (replacement "-").
_ILLEGAL = re.compile(r'[/?<>\\:*|"]')
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x80-\x9f]")
_RESERVED = re.compile(r"^\.+$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_WINDOWS_TRAILING = re.compile(r"[. ]+$")


def file_stem(name: str) -> str:
    """The file name deploy-cli's export gives an action named `name` (its `sanitize`)."""
    if not name:
        return "undefined"
    stem = _ILLEGAL.sub("-", name)
    stem = _CONTROL_ALL.sub("-", stem)
    stem = _RESERVED.sub("-", stem)
    stem = _WINDOWS_RESERVED.sub("-", stem)
    stem = _WINDOWS_TRAILING.sub("-", stem)
    return stem.encode("utf-8")[:255].decode("utf-8", "ignore")


def create_action(ws: ActionsHost, name: str, trigger_id: str, code: str, *, version: str | None = None,
                  runtime: str = DEFAULT_RUNTIME, deployed: bool = False) -> Action:
    """Write actions/<name>/code.js and actions/<name>.json as deploy-cli's export lays them out;
    never overwrites a file, and refuses what validation would call an error."""
    if not name.strip() or _CONTROL.search(name) or name != name.strip():
        raise WorkspaceError(f"{name!r} cannot name an action: use a non-empty name without leading or "
                             "trailing spaces or control characters")
    trigger = ACTION_TRIGGERS.get(trigger_id)
    if trigger is None:
        raise WorkspaceError(unknown_trigger_message(trigger_id))
    if version is None:
        current = trigger.current
        if current is None:
            raise WorkspaceError(f"hooktui knows no version of {trigger_id}: pass one")
        version = current.version
    refused = version_problem(trigger, version) or runtime_problem(runtime, trigger, version)
    if refused is not None and refused[0] == "error":
        raise WorkspaceError(refused[1])
    for other in ws.actions:
        if other.name == name:
            raise WorkspaceError(f"an action named {name!r} already exists ({_rel(ws.root, other.meta_path)})")
    stem = file_stem(name)
    actions_dir = ws.root / ACTIONS_DIRECTORY
    meta_path = actions_dir / f"{stem}.json"
    code_path = actions_dir / stem / "code.js"
    for path in (meta_path, code_path):
        if path.exists() or path.is_symlink():
            raise WorkspaceError(f"{_rel(ws.root, path)} already exists; not overwriting it")
    code_path.parent.mkdir(parents=True, exist_ok=True)
    # The code first: a crash in between leaves a stray code.js, which defines no action.
    atomic_write(code_path, code)
    atomic_write(meta_path, dump_json({
        "name": name,
        "code": f"./{ACTIONS_DIRECTORY}/{stem}/code.js",
        "runtime": runtime,
        "dependencies": [],
        "secrets": [],
        "supported_triggers": [{"id": trigger_id, "version": version}],
        "deployed": deployed,
    }))
    ws.reload()
    return next(a for a in ws.actions if a.meta_path == meta_path)
