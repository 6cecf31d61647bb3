"""What the list shows of each row: the row models of both kinds, the columns that fit a width and
the prompts drawn from them. Pure text (Textual's Content), no widget: the pane in hook_list.py lays
them out; an action's own prompt and words are in action_rows.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from textual.content import Content

from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.triggers import Trigger

STATES = ("ok", "syntax error", "invalid", "running", "success", "error", "timeout", "crash")
STATE_STYLES = {
    "ok": "$text-success",
    "success": "$text-success",
    "running": "bold $text-accent",
    "syntax error": "$text-error",
    "invalid": "$text-error",
    "error": "$text-error",
    "timeout": "$text-warning",
    "crash": "$text-warning",
    "tenant only": "$text-muted",
}
TRIGGER_ORDER = {trigger.value: position for position, trigger in enumerate(Trigger)}
# The groups' order: Auth0's action triggers (post-login first), which list the five hook triggers
# in the hooks' own order, so a hooks-only list is ordered as it always was.
GROUP_ORDER = {trigger: position for position, trigger in enumerate(ACTION_TRIGGERS)}

# The sync column: one character per hook against the tenant (hooktui.sync.plan.Status values,
# and "?" while the tenant's side is not known). Arrows say which way the change has to travel.
SYNC_MARKS = {
    "in sync": ("✓", "$text-success"),
    "changed locally": ("↑", "$text-warning"),
    "changed remotely": ("↓", "bold $text-accent"),
    "conflict": ("!", "bold $text-error"),
    "only local": ("+", "$text-primary"),
    "only remote": ("-", "$text-muted"),
    "?": ("?", "$text-muted"),
}

EMPTY_TEXT = "no hooks yet — ctrl+n creates one"


@dataclass
class HookRow:
    """What the list shows of one hook. `name` is the deployed name (the list's identity)."""

    kind: ClassVar[str] = "hook"

    name: str
    trigger: str
    enabled: bool
    state: str = "ok"  # one of STATES
    detail: str = ""  # the problem or the error behind the state
    last_run: float | None = None  # epoch seconds
    duration_ms: float | None = None
    # The files a delete removes, relative to the workspace; empty means hooks/<name>.js + .json.
    files: tuple[str, ...] = ()
    sync: str = ""  # a SYNC_MARKS key; "" when no tenant is configured (the column is hidden)
    sync_note: str = ""  # what the sync status means for this hook and the key that acts on it
    remote_only: bool = False  # only on the tenant: a greyed row, for pull (nothing to open here)

    @property
    def delete_files(self) -> tuple[str, ...]:
        return self.files or (f"hooks/{self.name}.js", f"hooks/{self.name}.json")


# The states the App gives an action: "idle" (not run yet), "running", the last run's outcome,
# "crash" (the runtime died under it) or "invalid" (its files have errors, `problem` says the first).
ACTION_STATES = ("idle", "running", "success", "denied", "error", "crash", "invalid", "timeout")


@dataclass
class ActionRow:
    """What the list shows of one action, under the trigger it supports. `name` is the action's
    name (its identity beside hooks: a hook and an action may share a name)."""

    kind: ClassVar[str] = "action"

    name: str
    trigger: str
    position: int | None = None  # 0-based place in the trigger's flow; None: not bound to it
    state: str = "idle"  # one of ACTION_STATES
    last_run: float | None = None  # epoch seconds
    duration_ms: float | None = None
    detail: str | None = None  # what the last run said (a deny's reason, an error's message)
    problem: str | None = None  # the first problem of its files, with file:line, when "invalid"


ListRow = HookRow | ActionRow


def row_id(row: ListRow) -> str:
    """The row's option id: the kind and the name ("hook:token-claims", "action:token-claims")."""
    return f"{row.kind}:{row.name}"


# -------------------------------------------------------------------------------- layout

MARK_WIDTH = 2  # "● "
KIND_WIDTH = 4  # "hook", "act", shown only when the list holds actions
SYNC_WIDTH = 2  # "↓ "
STATE_WIDTH = 12  # "syntax error"
LAST_RUN_WIDTH = 8  # "HH:MM:SS", "59m ago"
TRIGGER_WIDTH = 22  # "post-user-registration"
NAME_MIN = 10
NAME_UNKNOWN = 16  # what the name column asks for before any hook is listed
# The state in one cell when the words do not fit beside the full name: the line under the
# list says it in words for the highlighted hook.
STATE_SYMBOLS = {
    "ok": "·",
    "success": "✔",
    "running": "▶",
    "syntax error": "✗",
    "invalid": "✗",
    "error": "✗",
    "timeout": "◷",
    "crash": "↯",
    "tenant only": "-",
}
# What the pane adds around its rows: the border (2) and the scrollbar's reserved column (1).
PANE_FRAME = 3


@dataclass(frozen=True)
class Columns:
    """Widths of the columns that fit; 0 means the column is left out. A state of 1 is the
    symbol (STATE_SYMBOLS), of STATE_WIDTH the words."""

    name: int
    trigger: int
    state: int
    last_run: int
    sync: int = 0
    kind: int = 0  # KIND_WIDTH when the list holds both kinds
    mark: int = MARK_WIDTH  # wider when a flow's place ("12.") takes the mark's column


def mark_width(longest_flow: int) -> int:
    """The mark column: "● " for hooks, an action's place in its flow ("3. ", "12. ") beside them."""
    return max(MARK_WIDTH, len(f"{longest_flow}.") + 1) if longest_flow else MARK_WIDTH


def columns_for(width: int, longest_name: int | None = None, *, sync: bool = False,
                kind: bool = False, mark: int = MARK_WIDTH) -> Columns:
    """The name in full first (up to the pane's width), then the state in words instead of its
    symbol, then the last run, then the trigger, as the width allows. The name column is no
    wider than the longest name, so on a wide pane the columns stay together. The kind, when
    both kinds are listed, is never given away: "act" and "hook" rows must be told apart."""
    sync_width = SYNC_WIDTH if sync else 0
    kind_width = KIND_WIDTH if kind else 0
    # the name, then " " and the state's symbol
    room = width - mark - sync_width - (kind_width + 1 if kind else 0) - 2
    want = NAME_UNKNOWN if longest_name is None else max(NAME_MIN, longest_name)
    if room <= want:
        return Columns(max(1, room), 0, 1, 0, sync_width, kind_width, mark)
    spare = room - want
    state = 1
    if spare >= STATE_WIDTH - 1:
        state = STATE_WIDTH
        spare -= STATE_WIDTH - 1
    last_run = 0
    if spare >= LAST_RUN_WIDTH + 1:
        last_run = LAST_RUN_WIDTH
        spare -= LAST_RUN_WIDTH + 1
    trigger = 0
    if spare >= TRIGGER_WIDTH + 1:
        trigger = TRIGGER_WIDTH
        spare -= TRIGGER_WIDTH + 1
    name = want + (spare if longest_name is None else min(spare, 1))
    return Columns(name, trigger, state, last_run, sync_width, kind_width, mark)


def pane_width_for(longest_name: int, *, sync: bool = False, kind: bool = False,
                   mark: int = MARK_WIDTH) -> int:
    """The pane's width that shows a name of `longest_name` characters in full, with the marks
    and the state's symbol: what the App's layout gives the hook list when it can."""
    kind_width = KIND_WIDTH + 1 if kind else 0
    return PANE_FRAME + mark + (SYNC_WIDTH if sync else 0) + kind_width + max(NAME_MIN, longest_name) + 2


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis, padded with spaces to exactly `width`."""
    if width <= 0:
        return ""
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width)


def last_run_label(when: float | None, now: float) -> str:
    """"12s ago", "5m ago" within the hour, then the time of day, then the date."""
    if when is None:
        return ""
    age = now - when
    if age < 1:
        return "now"
    if age < 60:
        return f"{int(age)}s ago"
    if age < 3600:
        return f"{int(age // 60)}m ago"
    if age < 86400:
        return time.strftime("%H:%M:%S", time.localtime(when))
    return time.strftime("%d %b", time.localtime(when))


def row_prompt(row: HookRow, columns: Columns, now: float) -> Content:
    symbol = "●" if row.enabled else "○"
    style = "$text-success" if row.enabled and not row.remote_only else "$text-muted"
    parts: list[tuple[str, str] | str] = [(fit(symbol, columns.mark), style)]
    if columns.sync:
        symbol, style = SYNC_MARKS.get(row.sync, SYNC_MARKS["?"])
        parts += [(symbol, style), " "]
    if columns.kind:
        parts += [(fit("hook", columns.kind), "$text-muted"), " "]
    parts.append((fit(row.name, columns.name), "$text-muted") if row.remote_only else fit(row.name, columns.name))
    if columns.trigger:
        parts += [" ", (fit(row.trigger, columns.trigger), "$text-muted")]
    state = STATE_SYMBOLS.get(row.state, "?") if columns.state == 1 else fit(row.state, columns.state)
    parts += [" ", (state, STATE_STYLES.get(row.state, ""))]
    if columns.last_run:
        parts += [" ", (last_run_label(row.last_run, now).rjust(columns.last_run), "$text-muted")]
    return Content.assemble(*parts)


def hook_detail(row: HookRow, sync_shown: bool) -> tuple[list[Content], bool]:
    """The lines under the list for a hook (its problem or last run, its sync status), and
    whether they tell of a problem."""
    text = ""
    problem = False
    sync = Content("")
    if row.detail:
        text, problem = row.detail, row.state not in ("ok", "success", "running")
    elif row.last_run is not None:
        when = time.strftime("%H:%M:%S", time.localtime(row.last_run))
        took = f" in {row.duration_ms:.1f} ms" if row.duration_ms is not None else ""
        text = f"last run {when}: {row.state}{took}"
    if sync_shown and row.sync_note:
        symbol, style = SYNC_MARKS.get(row.sync, SYNC_MARKS["?"])
        sync = Content.assemble((symbol, style), " ", (row.sync_note, "$text-muted"))
    return [part for part in (Content(text), sync) if part.plain], problem


def header_prompt(columns: Columns) -> Content:
    kind = fit("kind", columns.kind) + " " if columns.kind else ""
    parts = [" " * columns.mark, "⇅ " if columns.sync else "", kind, fit("name", columns.name)]
    if columns.trigger:
        parts += [" ", fit("trigger", columns.trigger)]
    if columns.state > 1:
        parts += [" ", fit("state", columns.state)]
    if columns.last_run:
        gap = " " if columns.state > 1 else "   "  # the symbol's column has no title
        parts += [gap, "last run".rjust(columns.last_run)]
    return Content("".join(parts).rstrip())


def group_prompt(trigger: str, count: int, width: int) -> Content:
    label = trigger if trigger in GROUP_ORDER else f"{trigger} (unknown trigger)"
    return Content.assemble(
        (fit(label, max(1, width - 4)).rstrip(), "bold $text-primary"), (f" {count}", "$text-muted")
    )


def matches(row: ListRow, text: str) -> bool:
    needle = text.lower()
    return needle in row.name.lower() or needle in row.trigger.lower()


def group_key(trigger: str) -> tuple[int, str]:
    # The triggers in Auth0's order, then any unknown triggerId the workspace holds.
    return (GROUP_ORDER.get(trigger, len(GROUP_ORDER)), trigger)
