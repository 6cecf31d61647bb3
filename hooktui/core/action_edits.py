"""Writing actions: a new one laid out as deploy-cli's export lays it out, and saves of code.
Every write is atomic, never overwrites a file it did not mean to, and never lands outside the
workspace."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from hooktui.core.action_triggers import (
    ACTION_TRIGGERS,
    DEFAULT_RUNTIME,
    runtime_problem,
    unknown_trigger_message,
    version_problem,
)
from hooktui.core.actions import _CONTROL, _WHOLE_MARKER, ACTIONS_DIRECTORY, OBFUSCATED_VALUE, Action, _rel, raw_code
from hooktui.core.bindings import BindingsHost, unbind
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


# ---------------------------------------------------------------------------- the settings file

# What a secret's value shows as in an editor: the screen never holds one.
SECRET_MASK = "••••••••"


def _secret_values(data: Any) -> dict[str, Any]:
    secrets = data.get("secrets") if isinstance(data, dict) else None
    if not isinstance(secrets, list):
        return {}
    return {item["name"]: item["value"] for item in secrets
            if isinstance(item, dict) and isinstance(item.get("name"), str) and _hides(item.get("value"))}


def _hides(value: Any) -> bool:
    # A keyword marker (##KEY##) or deploy-cli's placeholder is not the secret: shown as written.
    return value is not None and not (isinstance(value, str) and (_WHOLE_MARKER.fullmatch(value)
                                                                  or value == OBFUSCATED_VALUE))


def masked_json(text: str) -> tuple[str, dict[str, Any]]:
    """actions/<name>.json's text with every secret value masked (the layout kept as deploy-cli
    writes it), and the values it hid, by secret name, for the save that puts them back. A file
    that is not valid JSON is returned as it is: it holds no secret hooktui could find, and the
    user must see the text to fix it."""
    try:
        data = json.loads(text)
    except ValueError:
        return text, {}
    values = _secret_values(data)
    if not values:
        return text, {}
    for item in data["secrets"]:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and _hides(item.get("value")):
            item["value"] = SECRET_MASK
    return dump_json(data), values


def unmasked_json(text: str, known: Mapping[str, Any]) -> str:
    """The edited JSON with the real value back in every secret the user left masked. A mask
    whose secret has no known value (a new secret, or a renamed one) is refused, naming it."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("an action's JSON must be an object")
    secrets = data.get("secrets")
    if isinstance(secrets, list):
        for index, item in enumerate(secrets):
            if isinstance(item, dict) and item.get("value") == SECRET_MASK:
                name = item.get("name")
                if name not in known:
                    raise ValueError(f"secrets[{index}] ({name!r}) has no value yet: type its value in place "
                                     "of the mask")
                item["value"] = known[name]
    return dump_json(data)


def write_json(ws: ActionsHost, action: Action, text: str) -> None:
    """Save actions/<name>.json atomically (through a symlink to its target); never outside the
    workspace."""
    real = Path(os.path.realpath(action.meta_path))
    if real == ws.root or not real.is_relative_to(ws.root):
        raise WorkspaceError(f"{action.meta_path} is outside the workspace {ws.root}; hooktui does not write "
                             "there: move it inside the workspace first")
    atomic_write(real, text)
    ws.reload()


def delete_action(ws: BindingsHost, name: str) -> list[Path]:
    """Unbind the action from every trigger (triggers.json first: a crash after it leaves an
    unbound action, never a binding to nothing), then remove its JSON and its code file (and the
    code's folder when nothing else is in it). The files removed, in order."""
    action = next((a for a in ws.actions if a.name == name), None)
    if action is None:
        raise WorkspaceError(f"no action named {name!r} in actions/; run `hooktui list` to see them")
    for trigger_id in ws.bindings.triggers_of(name):
        unbind(ws, trigger_id, name)
    removed = []
    code_path = action.code_path
    for path in (action.meta_path, code_path):
        if path is None or not path.exists():
            continue
        if not Path(os.path.realpath(path)).is_relative_to(ws.root):
            continue  # a link to a file outside: the link goes, not what it points at
        path.unlink()
        removed.append(path)
    if code_path is not None and code_path.parent != ws.root / ACTIONS_DIRECTORY:
        try:
            code_path.parent.rmdir()  # only when empty: other files the user keeps there stay
        except OSError:
            pass
    ws.reload()
    return removed
