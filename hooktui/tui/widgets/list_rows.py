"""What the list shows of each row: the row model, the columns that fit a width and the prompts
drawn from them. Pure text (Textual's Content), no widget: the pane in hook_list.py lays them out."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.content import Content

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


# -------------------------------------------------------------------------------- layout

MARK_WIDTH = 2  # "● "
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


def columns_for(width: int, longest_name: int | None = None, *, sync: bool = False) -> Columns:
    """The name in full first (up to the pane's width), then the state in words instead of its
    symbol, then the last run, then the trigger, as the width allows. The name column is no
    wider than the longest name, so on a wide pane the columns stay together."""
    sync_width = SYNC_WIDTH if sync else 0
    room = width - MARK_WIDTH - sync_width - 2  # the name, then " " and the state's symbol
    want = NAME_UNKNOWN if longest_name is None else max(NAME_MIN, longest_name)
    if room <= want:
        return Columns(max(1, room), 0, 1, 0, sync_width)
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
    return Columns(name, trigger, state, last_run, sync_width)


def pane_width_for(longest_name: int, *, sync: bool = False) -> int:
    """The pane's width that shows a name of `longest_name` characters in full, with the marks
    and the state's symbol: what the App's layout gives the hook list when it can."""
    return PANE_FRAME + MARK_WIDTH + (SYNC_WIDTH if sync else 0) + max(NAME_MIN, longest_name) + 2


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
    mark = ("●", "$text-success") if row.enabled and not row.remote_only else ("●" if row.enabled else "○", "$text-muted")
    parts: list[tuple[str, str] | str] = [mark, " "]
    if columns.sync:
        symbol, style = SYNC_MARKS.get(row.sync, SYNC_MARKS["?"])
        parts += [(symbol, style), " "]
    parts.append((fit(row.name, columns.name), "$text-muted") if row.remote_only else fit(row.name, columns.name))
    if columns.trigger:
        parts += [" ", (fit(row.trigger, columns.trigger), "$text-muted")]
    state = STATE_SYMBOLS.get(row.state, "?") if columns.state == 1 else fit(row.state, columns.state)
    parts += [" ", (state, STATE_STYLES.get(row.state, ""))]
    if columns.last_run:
        parts += [" ", (last_run_label(row.last_run, now).rjust(columns.last_run), "$text-muted")]
    return Content.assemble(*parts)


def header_prompt(columns: Columns) -> Content:
    parts = ["  ", "⇅ " if columns.sync else "", fit("name", columns.name)]
    if columns.trigger:
        parts += [" ", fit("trigger", columns.trigger)]
    if columns.state > 1:
        parts += [" ", fit("state", columns.state)]
    if columns.last_run:
        gap = " " if columns.state > 1 else "   "  # the symbol's column has no title
        parts += [gap, "last run".rjust(columns.last_run)]
    return Content("".join(parts).rstrip())


def group_prompt(trigger: str, count: int, width: int) -> Content:
    label = trigger if trigger in TRIGGER_ORDER else f"{trigger} (unknown trigger)"
    return Content.assemble(
        (fit(label, max(1, width - 4)).rstrip(), "bold $text-primary"), (f" {count}", "$text-muted")
    )


def matches(row: HookRow, text: str) -> bool:
    needle = text.lower()
    return needle in row.name.lower() or needle in row.trigger.lower()


def group_key(trigger: str) -> tuple[int, str]:
    # The five triggers in Auth0's order, then any unknown triggerId the workspace holds.
    return (TRIGGER_ORDER.get(trigger, len(TRIGGER_ORDER)), trigger)
