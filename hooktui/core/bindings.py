"""Which actions run on each trigger, in which order: `triggers/triggers.json` in deploy-cli's
format, `{"post-login": [{"action_name": "...", "display_name": "..."}], ...}`.

deploy-cli replaces a tenant's bindings with the file's list, trigger by trigger, and leaves a
trigger the file does not name alone. So an unbind keeps the trigger with an empty list (which
unbinds on deploy) rather than dropping its key (which would leave the tenant's bindings as they
are). Every write re-reads the file, changes one trigger's list, keeps the other triggers, their
order and any extra keys, and lands atomically.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hooktui.core.action_triggers import ACTION_TRIGGERS, unknown_trigger_message
from hooktui.core.actions import Action
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.jsondoc import read_json_doc, top_position
from hooktui.core.problems import (
    Problem,
    WorkspaceError,
    json_type,
    reject_constant,
    repeated_keys,
)

TRIGGERS_DIRECTORY = "triggers"
TRIGGERS_FILE = "triggers.json"
MAX_BINDINGS = 20  # Auth0: at most 20 actions per trigger



class BindingsHost(Protocol):
    """What a bindings edit needs of the workspace (the Workspace is one), named here so that
    bindings.py never imports workspace.py."""

    root: Path
    actions: list[Action]
    bindings: Bindings

    def reload(self) -> None: ...


@dataclass(frozen=True)
class Binding:
    action_name: str
    display_name: str
    line: int | None = None
    column: int | None = None


@dataclass
class Bindings:
    """The file's bindings by trigger id, in the file's order."""

    path: Path
    exists: bool = False
    by_trigger: dict[str, list[Binding]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def for_trigger(self, trigger_id: str) -> list[Binding]:
        return list(self.by_trigger.get(trigger_id, []))

    def action_names(self, trigger_id: str) -> list[str]:
        return [b.action_name for b in self.by_trigger.get(trigger_id, [])]

    def triggers_of(self, action_name: str) -> list[str]:
        return [t for t, found in self.by_trigger.items() if any(b.action_name == action_name for b in found)]

    def position(self, trigger_id: str, action_name: str) -> int | None:
        """0-based place of the action in the trigger's flow, or None when it is not bound there."""
        names = self.action_names(trigger_id)
        return names.index(action_name) if action_name in names else None


def load_bindings(root: Path, actions: list[Action], keywords: Mapping[str, Any]) -> Bindings:
    """triggers/triggers.json, checked against the workspace's actions."""
    folder = root / TRIGGERS_DIRECTORY
    path = folder / TRIGGERS_FILE
    bindings = Bindings(path)
    rel = f"{TRIGGERS_DIRECTORY}/{TRIGGERS_FILE}"
    if folder.exists() and not folder.is_dir():
        bindings.problems.append(Problem(TRIGGERS_DIRECTORY, "is a file, but deploy-cli's format needs a triggers/ "
                                         "folder holding triggers.json (deploy-cli stops here); move the file away"))
        return bindings
    # Dotfiles are skipped as in actions/ (macOS "._triggers.json" forks, editor droppings).
    others = sorted(p.name for p in folder.glob("*.json")
                    if p.name != TRIGGERS_FILE and not p.name.startswith(".") and p.is_file()) if folder.is_dir() else []
    if others:
        bindings.problems.append(Problem(
            f"{TRIGGERS_DIRECTORY}/{others[0]}",
            f"deploy-cli reads only one .json file of triggers/, whichever the system lists first, and hooktui reads "
            f"{TRIGGERS_FILE}: merge {', '.join(others)} into {rel} and remove {'it' if len(others) == 1 else 'them'}",
            severity="warning"))
    if not path.is_file():
        return bindings
    bindings.exists = True
    doc = read_json_doc(path, rel, keywords)
    # One list from here on: the folder's warning first, then the file's problems as found.
    doc.problems[:0] = bindings.problems
    bindings.problems = doc.problems
    if doc.data is None:
        return bindings
    if not isinstance(doc.data, dict):
        line, column = top_position(doc)
        bindings.problems.append(Problem(rel, f'expected a JSON object like {{"post-login": [{{"action_name": "...", '
                                         f'"display_name": "..."}}]}}, got {json_type(doc.data)}', line=line, column=column))
        return bindings
    by_name = {a.name: a for a in actions}
    for trigger_id, raw in doc.data.items():
        trigger = ACTION_TRIGGERS.get(trigger_id)
        if trigger is None:
            doc.problem(unknown_trigger_message(trigger_id), trigger_id, trigger_id)
        if not isinstance(raw, list):
            doc.problem(f'must be an array of {{"action_name": "...", "display_name": "..."}}, got {json_type(raw)}',
                        trigger_id, trigger_id)
            continue
        found: list[Binding] = []
        if trigger is not None and trigger.binding_policy == "entity-bound" and raw:
            doc.problem(f"Auth0 binds {trigger_id} actions to the entity they serve, not through a trigger's "
                        "bindings, so the bindings update for it is refused; remove the list and attach the action "
                        "where Auth0 configures it", trigger_id, trigger_id, severity="warning")
        if len(raw) > MAX_BINDINGS:
            doc.problem(f"{len(raw)} actions are bound, but Auth0 runs at most {MAX_BINDINGS} per trigger; unbind some",
                        trigger_id, trigger_id)
        for index, item in enumerate(raw):
            fld = f"{trigger_id}[{index}]"
            if not isinstance(item, dict):
                doc.problem(f'must be an object like {{"action_name": "...", "display_name": "..."}}, got '
                            f"{json_type(item)}", fld, trigger_id, index)
                continue
            name = item.get("action_name")
            if not isinstance(name, str) or not name:
                doc.problem('needs an "action_name" string: the name of an action in actions/', f"{fld}.action_name",
                            trigger_id, index)
                continue
            display = item.get("display_name", "")
            if not isinstance(display, str):
                doc.problem(f"must be a string, got {json_type(display)}", f"{fld}.display_name",
                            trigger_id, index, "display_name")
                display = ""
            line, column = doc.where(trigger_id, index, "action_name")
            binding = Binding(name, display, line, column)
            at = (trigger_id, index, "action_name")
            if any(b.action_name == name for b in found):
                first = next(i for i, b in enumerate(found) if b.action_name == name)
                doc.problem(f"{name!r} is bound twice to {trigger_id} (also at {trigger_id}[{first}]); Auth0 binds an "
                            "action once per trigger: remove one", f"{fld}.action_name", *at, action=name)
                continue
            found.append(binding)
            action = by_name.get(name)
            if action is None:
                close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                doc.problem(f"no action named {name!r} in actions/{hint}: create it, or remove this binding",
                            f"{fld}.action_name", *at, action=name)
            elif trigger is not None and action.trigger_id and action.trigger_id != trigger_id:
                doc.problem(f"{name!r} supports {action.trigger_id}, not {trigger_id} (its supported_triggers); bind it "
                            f"to {action.trigger_id} instead", f"{fld}.action_name", *at, action=name)
            elif trigger is not None and not action.deployed:
                doc.problem(f"{name!r} is not marked \"deployed\": true, so deploy-cli does not deploy it, and Auth0 refuses "
                            "to bind an action that has never been deployed: set \"deployed\": true in "
                            f"actions/{action.meta_path.name}", f"{fld}.action_name", *at, severity="warning", action=name)
        bindings.by_trigger[trigger_id] = found
    doc.unresolved_warnings()
    return bindings


# ---------------------------------------------------------------------------- writes


def _raw(ws: BindingsHost) -> dict[str, Any]:
    """triggers.json as on disk, before keyword replacement (what a write edits), or {} when absent."""
    path = ws.bindings.path
    rel = f"{TRIGGERS_DIRECTORY}/{TRIGGERS_FILE}"
    if not path.exists():
        return {}
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"cannot read {rel}: {exc}") from exc
    try:
        data = json.loads(raw, parse_constant=reject_constant)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) else ""
        hint = (" It holds @@KEY@@ placeholders outside strings, which only parse after keyword replacement, so "
                "hooktui cannot rewrite it without losing them." if "@@" in raw else "")
        raise WorkspaceError(f"cannot edit {rel}: the file on disk is not valid JSON{where}.{hint} Fix it, "
                             "or edit it by hand") from None
    if not isinstance(data, dict):
        raise WorkspaceError(f"cannot edit {rel}: it holds {json_type(data)}, not a JSON object")
    repeated = repeated_keys(raw)
    if repeated:
        raise WorkspaceError(f"cannot edit {rel}: {'; '.join(m for *_, m in repeated)}. Then try again")
    return data


def check_editable(ws: BindingsHost) -> None:
    """WorkspaceError when triggers.json exists but hooktui cannot rewrite it without loss."""
    _raw(ws)


def _entries(data: dict[str, Any], trigger_id: str) -> list[Any]:
    entries = data.get(trigger_id, [])
    if not isinstance(entries, list):
        raise WorkspaceError(f"cannot edit {TRIGGERS_DIRECTORY}/{TRIGGERS_FILE}: {trigger_id} holds "
                             f"{json_type(entries)}, not an array; fix it by hand first")
    return list(entries)


def _entry_name(entry: Any) -> Any:
    return entry.get("action_name") if isinstance(entry, dict) else None


def _write(ws: BindingsHost, data: dict[str, Any]) -> None:
    path = ws.bindings.path
    path.parent.mkdir(parents=True, exist_ok=True)
    # Through a symlink to its target, as scripts are written: replacing the link itself would
    # fork the file the user keeps elsewhere in the repository.
    real = Path(os.path.realpath(path))
    if real == ws.root or not real.is_relative_to(ws.root):
        raise WorkspaceError(f"{TRIGGERS_DIRECTORY}/{TRIGGERS_FILE} resolves to {real}, outside the workspace; "
                             "hooktui does not write there: edit it by hand")
    atomic_write(real, dump_json(data))
    ws.reload()


def _bindable(ws: BindingsHost, trigger_id: str, action_name: str) -> None:
    trigger = ACTION_TRIGGERS.get(trigger_id)
    if trigger is None:
        raise WorkspaceError(unknown_trigger_message(trigger_id))
    if trigger.binding_policy == "entity-bound":
        raise WorkspaceError(f"Auth0 binds {trigger_id} actions to the entity they serve, not through "
                             f"{TRIGGERS_FILE}; attach the action where Auth0 configures it")
    action = next((a for a in ws.actions if a.name == action_name), None)
    if action is None:
        raise WorkspaceError(f"no action named {action_name!r} in actions/; run `hooktui list` to see them")
    if action.trigger_id != trigger_id:
        raise WorkspaceError(f"{action_name!r} supports {action.trigger_id or 'no trigger'}, not {trigger_id}; "
                             f"only an action's own trigger can run it")


def bind(ws: BindingsHost, trigger_id: str, action_name: str, *, display_name: str | None = None,
         position: int | None = None) -> Bindings:
    """Add the action to the trigger's flow, at `position` (0-based; default last)."""
    _bindable(ws, trigger_id, action_name)
    data = _raw(ws)
    entries = _entries(data, trigger_id)
    if any(_entry_name(e) == action_name for e in entries):
        raise WorkspaceError(f"{action_name!r} is already bound to {trigger_id}")
    if len(entries) >= MAX_BINDINGS:
        raise WorkspaceError(f"{trigger_id} already runs {len(entries)} actions, Auth0's limit; unbind one first")
    entry = {"action_name": action_name, "display_name": display_name if display_name is not None else action_name}
    entries.insert(len(entries) if position is None else max(0, min(position, len(entries))), entry)
    data[trigger_id] = entries
    _write(ws, data)
    return ws.bindings


def unbind(ws: BindingsHost, trigger_id: str, action_name: str) -> Bindings:
    """Take the action out of the trigger's flow; the trigger stays in the file, with an empty
    list if it was the last, so that deploying unbinds it on the tenant too."""
    data = _raw(ws)
    entries = _entries(data, trigger_id)
    kept = [e for e in entries if _entry_name(e) != action_name]
    if len(kept) == len(entries):
        raise WorkspaceError(f"{action_name!r} is not bound to {trigger_id}")
    data[trigger_id] = kept
    _write(ws, data)
    return ws.bindings


def reorder(ws: BindingsHost, trigger_id: str, action_names: list[str]) -> Bindings:
    """Run the trigger's bound actions in the order `action_names` gives (all of them, each once)."""
    data = _raw(ws)
    entries = _entries(data, trigger_id)
    current = [_entry_name(e) for e in entries]
    if sorted(map(str, current)) != sorted(map(str, action_names)) or len(set(action_names)) != len(action_names):
        raise WorkspaceError(f"a new order for {trigger_id} must name each bound action once: "
                             f"{', '.join(map(str, current)) or 'none is bound'}")
    by_name = {_entry_name(e): e for e in entries}
    data[trigger_id] = [by_name[name] for name in action_names]
    _write(ws, data)
    return ws.bindings


def move(ws: BindingsHost, trigger_id: str, action_name: str, offset: int) -> Bindings:
    """Move the action `offset` places later (negative: earlier) in the trigger's flow, clamped."""
    names = [_entry_name(e) for e in _entries(_raw(ws), trigger_id)]
    if action_name not in names:
        raise WorkspaceError(f"{action_name!r} is not bound to {trigger_id}")
    start = names.index(action_name)
    names.pop(start)
    names.insert(max(0, min(len(names), start + offset)), action_name)
    return reorder(ws, trigger_id, names)
