"""The Messages the panes post to the App. The App owns the workspace, the executor and every
state change: a pane asks, the App does it, then tells the panes what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from hooktui.core.results import RunResult

# -- hook list -> app ----------------------------------------------------------------------------


@dataclass
class HookOpenRequested(Message):
    """The user opened a hook (enter in the list)."""

    hook: str  # deployed name


@dataclass
class HookCreateRequested(Message):
    name: str
    trigger: str


@dataclass
class HookRenameRequested(Message):
    hook: str
    new_name: str


@dataclass
class HookDeleteRequested(Message):
    """Already confirmed by the user: both files go."""

    hook: str


@dataclass
class HookToggleRequested(Message):
    hook: str


# -- editor -> app -------------------------------------------------------------------------------


@dataclass
class SaveRequested(Message):
    """Write the editor's buffer to disk. kind: "script" (the .js) or "meta" (the .json, already
    validated as JSON by the editor; secret values the user did not touch are still masked, and
    the App puts the real values back before writing)."""

    hook: str  # the hook's deployed name, or the action's name when target is "action"
    kind: str  # for an action: "script" is actions/<name>/code.js, "meta" is actions/<name>.json
    text: str
    target: str = "hook"  # "hook" | "action"


@dataclass
class ExternalEditRequested(Message):
    """Open the hook's (or action's) file in $VISUAL/$EDITOR (the App suspends itself)."""

    hook: str
    kind: str
    target: str = "hook"  # "hook" | "action"


# -- payload tester -> app -----------------------------------------------------------------------


@dataclass
class RunRequested(Message):
    """Run `hook` with `payload` (already parsed: invalid JSON never gets this far)."""

    hook: str
    payload: Any
    payload_name: str


@dataclass
class PayloadSaveRequested(Message):
    hook: str
    name: str
    payload: Any
    overwrite: bool = False


@dataclass
class RunOnSaveToggled(Message):
    enabled: bool


# -- app -> panes (posted by the App's workers, handled by the App, which updates the panes) ------


@dataclass
class RunFinished(Message):
    result: RunResult
    payload_name: str
    payload: Any


@dataclass
class WorkspaceChanged(Message):
    """The watcher saw hook files change on disk. paths: absolute paths that changed."""

    paths: list[str]


# -- the tenant's workers -> app (hooktui.tui.remote; the App hands them to its TenantController) --


@dataclass
class TenantMessage(Message):
    """News from a tenant worker. The App handles every subclass in one place."""


@dataclass
class TenantStatusFetched(TenantMessage):
    """Each hook's status as the tenant answered just now. entries: hooktui.sync.plan.Entry."""

    entries: list[Any]
    base_url: str
    quiet: bool = False  # no summary line in the log (a refresh after a push or pull says its own)


@dataclass
class TenantPushPlanned(TenantMessage):
    """A push plan waiting for the user's answer; `forced` is the same push with the hooks in
    conflict included, offered only as an explicit second choice."""

    names: list[str] | None
    plan: Any  # hooktui.sync.plan.PushPlan
    forced: Any  # PushPlan | None
    conflicts: list[str]
    syncer: Any  # the hooktui.sync.apply.Syncer that planned it, which applies it


@dataclass
class TenantPushed(TenantMessage):
    report: Any  # hooktui.sync.apply.PushReport


@dataclass
class TenantPulled(TenantMessage):
    report: Any  # hooktui.sync.apply.PullReport
    changed: list[str]  # absolute paths of the files the pull wrote


@dataclass
class TenantDiffReady(TenantMessage):
    hook: str
    status: str
    note: str
    text: str  # the unified diff, "" when the two sides are the same


@dataclass
class TenantEnabledSet(TenantMessage):
    hook: str
    enabled: bool
    lines: list[str]  # what was done, on the tenant and in the workspace
    changed: list[str]  # absolute paths of the files it wrote


@dataclass
class TenantFailed(TenantMessage):
    """A tenant operation failed; `message` is for people and holds no secret."""

    action: str  # "refresh", "push", "pull", "diff", "enable", "tenant log"
    message: str
    state: str  # the connection state it leaves: "unreachable", "refused", "online", "offline"


@dataclass
class TenantLogStopped(TenantMessage):
    """Following the tenant's log ended (stopped by the user, or an error it cannot outlive)."""

    reason: str


# -- hook list, action rows -> app (the App edits triggers/triggers.json through core.bindings,
#    then gives the list its new rows) ---------------------------------------------------------


@dataclass
class ActionOpenRequested(Message):
    """The user opened an action (enter on its row)."""

    action: str  # the action's name


@dataclass
class ActionBindRequested(Message):
    """Bind `action` to `trigger` (last in its flow) when `bound`, else unbind it there."""

    trigger: str
    action: str
    bound: bool


@dataclass
class ActionReorderRequested(Message):
    """Move the bound `action` by `offset` places in `trigger`'s flow (-1 earlier, +1 later).
    The list sends it only when the move stays inside the flow."""

    trigger: str
    action: str
    offset: int


@dataclass
class FlowOpenRequested(Message):
    """The user opened a trigger's flow (enter on an action trigger's group header): the tester
    runs the trigger's bound actions in binding order."""

    trigger: str


@dataclass
class ActionCreateRequested(Message):
    """Create an action from its trigger's template (core.action_edits.create_action); `bind`
    puts it last in the trigger's flow."""

    name: str
    trigger: str
    bind: bool = True


@dataclass
class ActionDeleteRequested(Message):
    """Already confirmed by the user: actions/<name>.json and actions/<name>/ go, and the action
    is unbound from every trigger first."""

    action: str


# -- payload tester -> app, for actions and a trigger's flow (hooks keep RunRequested above) -------


@dataclass
class ActionRunRequested(Message):
    """Run the action `name` (kind "action") or the bound actions of `trigger` in binding order
    (kind "flow", and then `name` is the trigger) on `event`, already parsed."""

    kind: str  # "action" | "flow"
    name: str
    trigger: str
    event: Any
    payload_name: str


@dataclass
class EventSaveRequested(Message):
    """Save `event` as `event_name`.json: an action's own go to payloads/<action>/, a flow's to
    payloads/actions/<trigger>/, the folders hooktui.core.payloads.action_events reads."""

    kind: str  # "action" | "flow"
    name: str  # the action, or the trigger for a flow
    trigger: str
    event_name: str
    event: Any
    overwrite: bool = False


@dataclass
class ActionRunFinished(Message):
    """An action's or a flow's run ended. result: hooktui.core.action_results.ActionResult | FlowResult."""

    result: Any
    payload_name: str
    payload: Any
