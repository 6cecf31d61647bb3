"""What `hooktui list` and `hooktui new --action` say about actions: rows, the table and the
creation steps, as plain data and lines that cli/check.py and cli/scaffold.py print (this module never prints)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hooktui.core import bindings
from hooktui.core.action_edits import create_action
from hooktui.core.action_templates import action_template_for
from hooktui.core.action_triggers import ACTION_TRIGGERS, unknown_trigger_message
from hooktui.core.actions import Action
from hooktui.core.problems import WorkspaceError
from hooktui.core.workspace import Workspace

ACTION_HEADER = ("ACTION", "TRIGGER", "RUNTIME", "BOUND", "CODE", "DEPENDENCIES", "SECRETS", "STATE")


def _rel(ws: Workspace, path: Any) -> str | None:
    if path is None:
        return None
    try:
        return path.relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def action_row(ws: Workspace, action: Action) -> dict[str, Any]:
    """One action for `list --json`; secrets by name, each value shown as "***" or as not in the
    workspace, never as itself."""
    return {
        "kind": "action",
        "name": action.name,
        "trigger": action.trigger_id or None,
        "version": action.trigger_version,
        "runtime": action.effective_runtime,
        "deployed": action.deployed,
        "bound": {t: ws.bindings.position(t, action.name) + 1 for t in ws.bindings.triggers_of(action.name)},
        "code": _rel(ws, action.code_path),
        "json": _rel(ws, action.meta_path),
        "dependencies": dict(action.dependencies),
        "secrets": [{"name": s.name, "value": s.shown} for s in action.secrets],
        "problems": [str(p) for p in action.problems],
    }


def action_table(ws: Workspace, paint: Callable[[str, str], str]) -> list[str]:
    """The actions as a table, STATE coloured as the hooks' is."""
    table = []
    for action in ws.actions:
        row = action_row(ws, action)
        count = len(row["problems"])
        state = "ok" if not count else f"{count} problem{'' if count == 1 else 's'}"
        style = "red" if not action.valid else ("yellow" if count else "green")
        trigger = action.trigger_id
        place = ws.bindings.position(trigger, action.name) if trigger else None
        bound = f"{place + 1}/{len(ws.bindings.for_trigger(trigger))}" if place is not None else "-"
        secrets = ", ".join(s.name if s.value is not None else f"{s.name} ({s.shown})" for s in action.secrets)
        cells = (action.name, trigger or "?", row["runtime"], bound, row["code"] or "?",
                 ", ".join(f"{k}@{v}" for k, v in row["dependencies"].items()) or "-", secrets or "-", state)
        table.append((cells, style))
    widths = [max(len(ACTION_HEADER[i]), *(len(c[i]) for c, _ in table)) for i in range(len(ACTION_HEADER))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [paint(line(ACTION_HEADER), "bold")]
    for cells, style in table:
        text = line(cells)  # padded before painting: escape codes have no width
        lines.append(text[: len(text) - len(cells[-1])] + paint(cells[-1], style))
    return lines


def new_action(ws: Workspace, name: str, trigger_id: str, *, bind: bool) -> list[str]:
    """Create the action from its trigger's starter (and bind it last in the trigger's flow);
    the lines to print. WorkspaceError says why nothing was created."""
    trigger = ACTION_TRIGGERS.get(trigger_id)
    if trigger is None:
        raise WorkspaceError(unknown_trigger_message(trigger_id))
    if bind and trigger.binding_policy == "entity-bound":
        raise WorkspaceError(f"Auth0 binds {trigger_id} actions to the entity they serve, not through "
                             "triggers/triggers.json: create it without --bind")
    try:
        code = action_template_for(trigger_id)
    except ValueError as exc:
        raise WorkspaceError(str(exc)) from None
    if bind:
        bindings.check_editable(ws)  # a triggers.json hooktui cannot rewrite refuses before anything is written
    # Bound means meant to run: deploy-cli deploys only actions marked deployed, and Auth0 refuses
    # to bind one that never was.
    action = create_action(ws, name, trigger_id, code, deployed=bind)
    lines = [f"created {_rel(ws, action.code_path)}", f"created {_rel(ws, action.meta_path)}"]
    if bind:
        bindings.bind(ws, trigger_id, action.name)
        count = len(ws.bindings.for_trigger(trigger_id))
        lines.append(f"bound to {trigger_id} as {count} of {count} in triggers/triggers.json")
    return lines
