"""What the list shows of actions beside hooks: the order of a trigger's group (its flow in binding
order, then its unbound actions, then its hooks), an action's row and the words under the list,
and why a bind or a move is refused. Pure text, no widget: hook_list.py lays them out."""

from __future__ import annotations

import time
from collections.abc import Iterable

from textual.content import Content

from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.action_edits import file_stem
from hooktui.core.bindings import MAX_BINDINGS, TRIGGERS_DIRECTORY, TRIGGERS_FILE
from hooktui.tui.widgets.list_rows import (
    ActionRow,
    Columns,
    HookRow,
    ListRow,
    fit,
    group_key,
    last_run_label,
)

TRIGGERS_JSON = f"{TRIGGERS_DIRECTORY}/{TRIGGERS_FILE}"

# Each state in words (the state column) and as one cell (a narrow pane), with its colour.
ACTION_STATE_WORDS = {"idle": "not run"}
ACTION_STATE_SYMBOLS = {
    "idle": "·",
    "running": "▶",
    "success": "✔",
    "denied": "⊘",
    "error": "✗",
    "invalid": "✗",
    "crash": "↯",
    "timeout": "◷",
}
ACTION_STATE_STYLES = {
    "idle": "$text-muted",
    "running": "bold $text-accent",
    "success": "$text-success",
    "denied": "$text-warning",  # the action worked: it refused the transaction, as it may
    "error": "$text-error",
    "invalid": "$text-error",
    "crash": "$text-warning",
    "timeout": "$text-warning",
}
# States whose words under the list are a problem to fix (the line turns red).
ACTION_PROBLEM_STATES = ("error", "invalid", "crash", "timeout")


def action_path(name: str) -> str:
    return f"actions/{file_stem(name)}.json"


def action_folder(name: str) -> str:
    return f"actions/{file_stem(name)}/"


# -------------------------------------------------------------------------------- order


def flow_sizes(rows: Iterable[ListRow]) -> dict[str, int]:
    """How many actions each trigger's flow holds, from every row (a filter hides rows, not places)."""
    sizes: dict[str, int] = {}
    for row in rows:
        if isinstance(row, ActionRow) and row.position is not None:
            sizes[row.trigger] = sizes.get(row.trigger, 0) + 1
    return sizes


def _in_group(row: ListRow) -> tuple[int, int, str]:
    if isinstance(row, HookRow):
        return (2, 0, row.name)
    if row.position is None:
        return (1, 0, row.name)
    return (0, row.position, row.name)


def grouped(rows: Iterable[ListRow]) -> list[tuple[str, list[ListRow]]]:
    """The rows by trigger in Auth0's order: in each, the flow in binding order, then the actions
    not bound there by name, then the hooks by name."""
    groups: dict[str, list[ListRow]] = {}
    for row in rows:
        groups.setdefault(row.trigger, []).append(row)
    return [(trigger, sorted(groups[trigger], key=_in_group)) for trigger in sorted(groups, key=group_key)]


def flat(rows: Iterable[ListRow]) -> list[ListRow]:
    """By name; an action before a hook of the same name."""
    return sorted(rows, key=lambda row: (row.name, row.kind != "action"))


# -------------------------------------------------------------------------------- one row


def action_state_label(state: str) -> str:
    return ACTION_STATE_WORDS.get(state, state)


def action_prompt(row: ActionRow, columns: Columns, now: float) -> Content:
    if row.position is None:
        parts: list[tuple[str, str] | str] = [(fit("○", columns.mark), "$text-muted")]
    else:
        parts = [(fit(f"{row.position + 1}.", columns.mark), "bold $text-primary")]
    if columns.sync:
        parts.append(" " * columns.sync)  # actions are not compared with the tenant yet
    if columns.kind:
        parts += [(fit("act", columns.kind), "$text-accent"), " "]
    parts.append(fit(row.name, columns.name))
    if columns.trigger:
        parts += [" ", (fit(row.trigger, columns.trigger), "$text-muted")]
    if columns.state == 1:
        state = ACTION_STATE_SYMBOLS.get(row.state, "?")
    else:
        state = fit(action_state_label(row.state), columns.state)
    parts += [" ", (state, ACTION_STATE_STYLES.get(row.state, ""))]
    if columns.last_run:
        parts += [" ", (last_run_label(row.last_run, now).rjust(columns.last_run), "$text-muted")]
    return Content.assemble(*parts)


# -------------------------------------------------------------------------------- words


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def binding_words(row: ActionRow, flow_size: int) -> str:
    """Where the action stands in its trigger's flow, and the key that changes it."""
    trigger = ACTION_TRIGGERS.get(row.trigger)
    if trigger is None:
        return f"{row.trigger} is not an Auth0 action trigger: fix supported_triggers in {action_path(row.name)}"
    if trigger.binding_policy != "trigger-bound":
        return f"{row.trigger}: Auth0 binds it to the entity it serves, not through {TRIGGERS_JSON}"
    if row.position is None:
        return f"not bound to {row.trigger}: space binds it"
    return f"bound {ordinal(row.position + 1)} of {flow_size} in {row.trigger}"


def state_words(row: ActionRow) -> str:
    """The state in words: the problem of its files, else the last run, else what it is doing."""
    if row.problem:
        return row.problem
    if row.last_run is not None:
        when = time.strftime("%H:%M:%S", time.localtime(row.last_run))
        took = f" in {row.duration_ms:.1f} ms" if row.duration_ms is not None else ""
        said = f" — {row.detail}" if row.detail else ""
        return f"last run {when}: {action_state_label(row.state)}{took}{said}"
    if row.detail:
        return row.detail
    if row.state == "running":
        return "running…"
    return "not run yet" if row.state == "idle" else action_state_label(row.state)


def flow_words(trigger: str, flow_size: int) -> str:
    actions = "action" if flow_size == 1 else "actions"
    return f"{trigger}: {flow_size} {actions} bound — enter runs the flow in the tester, in binding order"


# -------------------------------------------------------------------------------- refusals


def bind_refusal(row: ActionRow, flow_size: int) -> str | None:
    """Why space cannot bind the action to its trigger (None if it can, or when it unbinds)."""
    if row.position is not None:
        return None
    trigger = ACTION_TRIGGERS.get(row.trigger)
    if trigger is None:
        return (f"{row.name}: {row.trigger} is not an Auth0 action trigger, so it has no flow to join; "
                f"fix supported_triggers in {action_path(row.name)}")
    if trigger.binding_policy != "trigger-bound":
        return (f"{row.name}: Auth0 binds {row.trigger} actions to the entity they serve, not through "
                f"{TRIGGERS_JSON}; there is no flow to bind it to")
    if flow_size >= MAX_BINDINGS:
        return (f"{row.trigger}'s flow holds {flow_size} actions, Auth0's limit is {MAX_BINDINGS}: "
                f"unbind one (space on it) before binding {row.name}")
    return None


def move_refusal(row: ActionRow, offset: int, flow_size: int) -> str | None:
    """Why the action cannot move by `offset` in its flow (None if it can)."""
    if row.position is None:
        return f"{row.name} is not bound to {row.trigger}, so it has no place to move: space binds it"
    if row.position + offset < 0:
        return f"{row.name} is already first in {row.trigger}'s flow"
    if row.position + offset >= flow_size:
        return f"{row.name} is already last in {row.trigger}'s flow"
    return None
