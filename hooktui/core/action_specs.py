"""What a local run of actions needs from the workspace: the spec the runtime takes for an action
(its code after keyword replacement, its secrets), what stops a run, and a trigger's flow in
binding order. The CLI and the console both build runs from here."""

from __future__ import annotations

from typing import Any

from hooktui.core.action_results import ActionSpec
from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.actions import Action, ActionNotFound, read_code
from hooktui.core.problems import Problem, WorkspaceError
from hooktui.core.redaction import Redactor
from hooktui.core.workspace import Workspace


def _rel(ws: Workspace, path: Any) -> str:
    try:
        return path.relative_to(ws.root).as_posix()
    except (ValueError, AttributeError):
        return str(path)


def run_blockers(action: Action) -> list[Problem]:
    """What stops a local run: errors in the action's files (a deploy problem is only a warning)."""
    def blocks(p: Problem) -> bool:
        root = (p.field or "").split("[")[0].split(".")[0]
        return p.severity == "error" and (p.field is None or root in ("code", "supported_triggers", "runtime"))

    return [p for p in action.problems if blocks(p)]


def action_spec(ws: Workspace, action: Action) -> ActionSpec:
    """The action as the runtime takes it: its code after keyword replacement, its secrets
    (those with a value in the workspace), its trigger and runtime."""
    if not action.trigger_id:
        raise WorkspaceError(f"{_rel(ws, action.meta_path)}: supported_triggers names no trigger: "
                             f"add one, e.g. [{{\"id\": \"post-login\", \"version\": \"v3\"}}]")
    try:
        return ActionSpec(
            action.name, action.trigger_id, read_code(action, ws.keywords),
            trigger_version=action.trigger_version or "",
            code_path=str(action.code_path) if action.code_path else None,
            secrets=action.secret_values(), dependencies=dict(action.dependencies),
            runtime=action.effective_runtime, meta_file=_rel(ws, action.meta_path),
        )
    except ValueError as exc:  # the spec refuses what the runtime cannot run (an old version...)
        raise WorkspaceError(f"{_rel(ws, action.meta_path)}: {exc}") from None


def flow_actions(ws: Workspace, trigger: str) -> list[Action]:
    """The actions bound to `trigger` in triggers/triggers.json, in binding order."""
    if trigger not in ACTION_TRIGGERS:
        raise WorkspaceError(f"unknown action trigger {trigger!r}; one of: "
                             + ", ".join(t for t, info in ACTION_TRIGGERS.items() if info.runnable))
    names = ws.bindings.action_names(trigger)
    if not names:
        raise WorkspaceError(f"no action is bound to {trigger} in triggers/triggers.json: bind one "
                             f"(`hooktui new --action NAME --trigger {trigger} --bind`, or edit the file)")
    found = []
    for name in names:
        try:
            found.append(ws.action(name))
        except ActionNotFound:
            raise WorkspaceError(f"triggers/triggers.json binds {name!r} to {trigger}, but there is no such "
                                 f"action in actions/: `hooktui validate` lists the bindings' problems") from None
    return found


def redactor_for(actions: list[Action]) -> Redactor:
    return Redactor(v for action in actions for v in action.secret_values().values())
