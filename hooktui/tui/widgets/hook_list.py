"""The list pane of both kinds: every hook of the workspace with its trigger, enabled flag, sync
status against the tenant, state and last run, and every action under its trigger in binding
order with its place in the flow; grouped by trigger or flat, filtered by typing. It only asks
(Messages); the App acts and calls `set_rows` / `update_row` with what is true now."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click, Key, Resize
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from hooktui.tui.messages import (
    ActionOpenRequested,
    FlowOpenRequested,
    HookOpenRequested,
    HookToggleRequested,
)
from hooktui.tui.widgets.action_rows import (
    ACTION_PROBLEM_STATES,
    action_prompt,
    binding_words,
    flat,
    flow_sizes,
    flow_words,
    grouped,
    state_words,
)
from hooktui.tui.widgets.action_keys import ActionKeys
from hooktui.tui.widgets.list_dialogs import ListDialogs
from hooktui.tui.widgets.list_rows import (  # HookRow, ActionRow are re-exported for the App
    EMPTY_TEXT,
    MARK_WIDTH,
    NAME_UNKNOWN,
    PANE_FRAME,
    TRIGGER_WIDTH,
    ActionRow,
    Columns,
    HookRow,
    ListRow,
    columns_for,
    group_prompt,
    header_prompt,
    hook_detail,
    last_run_label,
    mark_width,
    matches,
    pane_width_for,
    row_id,
    row_prompt,
)

# -------------------------------------------------------------------------------- widgets

HOOK_PREFIX = "hook:"
ACTION_PREFIX = "action:"
GROUP_PREFIX = "group:"


class HookOptions(OptionList, inherit_bindings=False):
    """The rows. Enter belongs to the pane (hooks.open, remappable), so only navigation is bound
    here; a single click highlights and a double click opens."""

    BINDINGS = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
    ]

    async def _on_click(self, event: Click) -> None:
        event.prevent_default()  # OptionList would select (open) on a single click
        index = event.style.meta.get("option")
        if index is None or self.get_option_at_index(index).disabled:
            return
        self.highlighted = index
        if event.chain >= 2:
            self.action_select()


class HookList(ActionKeys, ListDialogs, Vertical):
    """The workspace's hooks and actions. The App calls `set_rows`, `update_row` and `select`; the
    list posts HookOpenRequested, HookCreateRequested, HookRenameRequested, HookDeleteRequested
    (already confirmed) and HookToggleRequested for hooks; ActionOpenRequested, ActionBindRequested,
    ActionReorderRequested, ActionCreateRequested, ActionDeleteRequested (confirmed) for actions;
    FlowOpenRequested for a trigger's flow (enter on its header)."""

    class WidthWanted(Message):
        """The width that shows every name in full changed (a hook added or renamed, the sync
        column shown): the App's layout decides what it can give."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.width = width

    BORDER_TITLE = "Hooks"  # "Hooks and actions" once the workspace holds an action
    ALLOW_MAXIMIZE = True  # zoom (f8) takes the whole pane, not just its rows

    HELP = """\
**Hooks** — every hook of the workspace: enabled (● on, ○ off), its state (ok, syntax error,
invalid, running, or the last run's result) and when it last ran. The line under the list
explains the highlighted hook's state.

Type to filter by name or trigger (backspace edits, escape clears). `enter` opens the hook,
`ctrl+n` creates one from its trigger's template, `ctrl+e` renames, `delete` removes both of its
files after asking, `space` enables or disables it (enabling one disables the others of its
trigger, as Auth0 allows one), `ctrl+t` switches between grouped by trigger and flat by name.

With a tenant connected, the column after ● says how each hook compares with the tenant:
`✓` in sync, `↑` changed here (push it), `↓` changed on the tenant (pull it), `!` conflict
(changed on both sides: diff it first), `+` not on the tenant yet, `?` not known yet (the tenant
has not answered, or cannot be reached). The line under the list says it in words for the
highlighted hook. The tenant keys (diff, push, pull, refresh...) are listed under Everywhere.

**Actions** are listed under their trigger (`act`), the trigger's flow first in binding order
(`1.`, `2.`...: the order Auth0 runs them), then the actions not bound to it (`○`). `space` binds
an action (last in the flow) or unbinds it, `shift+up` / `shift+down` (or `alt+up` / `alt+down`)
move it earlier or later in the flow, all written to triggers/triggers.json. `enter` on a
trigger's header opens its flow in the payload tester. `ctrl+n` on an action or an action
trigger creates an action from the trigger's template, bound last; `delete` removes its files
after asking (it is unbound first). An action's state: `·` not run yet, `▶` running, `✔` success,
`⊘` denied, `✗` error or invalid files, `↯` the runtime crashed, `◷` timed out.
"""

    BINDINGS = [
        Binding("enter", "open", "Open", id="hooks.open"),
        Binding("ctrl+n", "new_hook", "New", id="hooks.new"),
        Binding("ctrl+e", "rename", "Rename", id="hooks.rename"),
        # ctrl+d as in k9s, for keyboards without a forward delete key (macOS laptops).
        Binding("delete,ctrl+d", "delete", "Delete", id="hooks.delete"),
        Binding("space", "toggle", "On/off", id="hooks.toggle"),
        # The same key on an action's row (check_action lets one of the two through).
        Binding("space", "bind", "Bind/unbind", id="actions.bind"),
        # alt+arrows for terminals that keep shift+arrows for themselves (selection, scrolling).
        Binding("shift+up,alt+up", "move(-1)", "Earlier", id="actions.earlier", key_display="⇧↑"),
        Binding("shift+down,alt+down", "move(1)", "Later", id="actions.later", key_display="⇧↓"),
        Binding("ctrl+t", "toggle_grouping", "Group/flat", id="hooks.group"),
        Binding("escape", "clear_filter", "Clear filter", id="hooks.clear_filter"),
        Binding("backspace", "filter_backspace", "Filter ⌫", show=False,
                id="hooks.filter_backspace"),
    ]

    DEFAULT_CSS = """
    HookList {
        border: round $panel;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        height: 1fr;
        &:focus-within {
            border: round $accent;
            border-title-color: $text-accent;
        }
        &.-filtering {
            border-subtitle-color: $text-accent;
            border-subtitle-style: bold;
        }
        & > #columns {
            height: 1;
            color: $text-muted;
            text-style: bold;
        }
        & > HookOptions {
            height: 1fr;
            max-height: 100%;
            background: transparent;
            scrollbar-gutter: stable;
            scrollbar-size-vertical: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        & > #detail {
            height: auto;
            max-height: 8;  /* a conflict's hint names three keys: it must not be cut */
            color: $text-muted;
            display: none;
            &.-visible {
                display: block;
            }
            &.-problem {
                color: $text-error;
            }
        }
    }
    """

    def __init__(
        self,
        *,
        grouped: bool = True,
        clock: Callable[[], float] = time.time,
        name: str | None = None,
        id: str | None = "hooks",
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._hooks: dict[str, HookRow] = {}  # by deployed name
        self._actions: dict[str, ActionRow] = {}  # by the action's name
        self._flows: dict[str, int] = {}  # trigger -> how many actions its flow holds
        self._grouped = grouped
        self._filter = ""
        self._clock = clock
        self._columns = columns_for(40)
        self._time_labels: dict[str, str] = {}  # option id -> last-run text on screen
        self._sync_shown = False
        self._announced_width = 0

    def compose(self) -> ComposeResult:
        yield Static(id="columns")
        yield HookOptions(id="hook-options", compact=True)
        yield Static(id="detail")

    def on_mount(self) -> None:
        self._update_subtitle()
        self._rebuild()
        # Relative times ("12s ago") age; only the labels that changed are redrawn.
        self.set_interval(1.0, self._refresh_times)

    # ------------------------------------------------------------------ public API (the App's)

    @property
    def rows(self) -> list[HookRow]:
        """The hooks' rows (the tenant's side compares hooks only)."""
        return list(self._hooks.values())

    @property
    def action_rows(self) -> list[ActionRow]:
        return list(self._actions.values())

    @property
    def grouped(self) -> bool:
        return self._grouped

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def highlighted_row(self) -> ListRow | None:
        """The highlighted hook's or action's row; None on a header, or when nothing is shown."""
        option_id = self._highlighted_id()
        return self._row_of(option_id) if option_id else None

    @property
    def selected(self) -> str | None:
        """The deployed name of the highlighted hook, or None (an action, a header, nothing)."""
        row = self.highlighted_row
        return row.name if isinstance(row, HookRow) else None

    @property
    def selected_action(self) -> str | None:
        """The name of the highlighted action, or None."""
        row = self.highlighted_row
        return row.name if isinstance(row, ActionRow) else None

    @property
    def highlighted_trigger(self) -> str | None:
        """The trigger of the highlighted row, or of the highlighted group header."""
        if (row := self.highlighted_row) is not None:
            return row.trigger
        option_id = self._highlighted_id()
        if option_id and option_id.startswith(GROUP_PREFIX):
            return option_id.removeprefix(GROUP_PREFIX)
        return None

    @property
    def wanted_width(self) -> int:
        """The pane's width that shows every hook's and action's name in full."""
        longest = max((len(row.name) for row in self._all_rows()), default=NAME_UNKNOWN)
        wanted = pane_width_for(longest, sync=self._sync_shown, kind=bool(self._actions),
                                mark=self._mark_width())
        if self._grouped:  # a group's header: its trigger and count ("post-user-registration 1")
            triggers = max((len(row.trigger) for row in self._all_rows()), default=0)
            wanted = max(wanted, min(triggers, TRIGGER_WIDTH) + 4 + PANE_FRAME)
        return wanted

    def _announce_width(self) -> None:
        wanted = self.wanted_width
        if wanted != self._announced_width:
            self._announced_width = wanted
            self.post_message(self.WidthWanted(wanted))

    @property
    def sync_shown(self) -> bool:
        return self._sync_shown

    def show_sync(self, shown: bool) -> None:
        """Show the sync column (a tenant is configured) or leave it out (offline)."""
        if shown != self._sync_shown:
            self._sync_shown = shown
            self.set_class(shown, "-sync")  # the App's stylesheet gives the column its room
            if self.is_mounted:
                self._rebuild()
            self._announce_width()

    def set_rows(self, rows: Iterable[ListRow]) -> None:
        """Show exactly these hooks and actions. The highlight stays on the same row (kind and
        name) when it still exists, else on the row that took its place."""
        rows = list(rows)
        self._hooks = {row.name: row for row in rows if isinstance(row, HookRow)}
        self._actions = {row.name: row for row in rows if isinstance(row, ActionRow)}
        self._flows = flow_sizes(self._actions.values())
        self._time_labels.clear()
        if self.is_mounted:
            self._rebuild()
        self._announce_width()

    def update_row(self, row: ListRow) -> None:
        """Change one hook or action (e.g. running -> success) without rebuilding the list."""
        option_id = row_id(row)
        old = self._row_of(option_id)
        if isinstance(row, ActionRow):
            self._actions[row.name] = row
            self._flows = flow_sizes(self._actions.values())
        else:
            self._hooks[row.name] = row
        if not self.is_mounted:
            return
        moved = old is None or old.trigger != row.trigger or (
            isinstance(row, ActionRow) and isinstance(old, ActionRow) and old.position != row.position)
        if moved or not self._has_option(option_id):
            self._rebuild()
            self._announce_width()
            return
        now = self._clock()
        self._time_labels[option_id] = last_run_label(row.last_run, now)
        self._options.replace_option_prompt(option_id, self._prompt(row, now))
        if self._highlighted_id() == option_id:
            self._show_detail()

    def select(self, name: str, kind: str = "hook") -> bool:
        """Highlight the hook (kind "hook") or the action (kind "action") `name`, clearing a filter
        that hides it. False if it is unknown."""
        row = (self._actions if kind == "action" else self._hooks).get(name)
        if row is None:
            return False
        if self._filter and not matches(row, self._filter):
            self._set_filter("")
        if self.is_mounted:
            self._options.highlighted = self._options.get_option_index(row_id(row))
        return True

    def focus(self, scroll_visible: bool = True) -> HookList:
        """Focusing the pane focuses its rows (the App's f2)."""
        if self.is_mounted:
            self._options.focus(scroll_visible)
        return self

    # ------------------------------------------------------------------ building the rows

    @property
    def _options(self) -> HookOptions:
        return self.query_one(HookOptions)

    def _all_rows(self) -> list[ListRow]:
        return [*self._hooks.values(), *self._actions.values()]

    def _row_of(self, option_id: str) -> ListRow | None:
        if option_id.startswith(HOOK_PREFIX):
            return self._hooks.get(option_id.removeprefix(HOOK_PREFIX))
        if option_id.startswith(ACTION_PREFIX):
            return self._actions.get(option_id.removeprefix(ACTION_PREFIX))
        return None

    def _highlighted_id(self) -> str | None:
        if not self.is_mounted:
            return None
        option = self._options.highlighted_option
        return option.id if option is not None else None

    def _flow_header(self) -> str | None:
        """The trigger whose header is highlighted, when it has a flow to open."""
        option_id = self._highlighted_id()
        if option_id and option_id.startswith(GROUP_PREFIX):
            trigger = option_id.removeprefix(GROUP_PREFIX)
            return trigger if self._flows.get(trigger) else None
        return None

    def _has_option(self, option_id: str) -> bool:
        try:
            self._options.get_option_index(option_id)
        except OptionDoesNotExist:
            return False
        return True

    def _mark_width(self) -> int:
        return mark_width(max(self._flows.values(), default=0)) if self._actions else MARK_WIDTH

    def _build_options(self) -> list[Option]:
        if not self._hooks and not self._actions:
            return [Option(Content.styled(EMPTY_TEXT, "$text-muted"), id="empty", disabled=True)]
        visible = [row for row in self._all_rows() if not self._filter or matches(row, self._filter)]
        if not visible:
            what = "hook or action" if self._actions else "hook"
            message = f"no {what} matches “{self._filter}” — escape clears the filter"
            return [Option(Content.styled(message, "$text-muted"), id="empty", disabled=True)]
        now = self._clock()
        if not self._grouped:
            return [self._row_option(row, now) for row in flat(visible)]
        options: list[Option] = []
        width = self._content_width()
        for trigger, rows in grouped(visible):
            # A trigger's header can be highlighted only when it has a flow to open (enter).
            options.append(Option(group_prompt(trigger, len(rows), width), id=GROUP_PREFIX + trigger,
                                  disabled=not self._flows.get(trigger)))
            options += [self._row_option(row, now) for row in rows]
        return options

    def _prompt(self, row: ListRow, now: float) -> Content:
        if isinstance(row, ActionRow):
            return action_prompt(row, self._columns, now)
        return row_prompt(row, self._columns, now)

    def _row_option(self, row: ListRow, now: float) -> Option:
        option_id = row_id(row)
        self._time_labels[option_id] = last_run_label(row.last_run, now)
        return Option(self._prompt(row, now), id=option_id)

    def _rebuild(self) -> None:
        options_widget = self._options
        previous_index = options_widget.highlighted
        keep = self._highlighted_id()
        self.border_title = "Hooks and actions" if self._actions else "Hooks"
        self._columns = self._fit_columns()
        self.query_one("#columns", Static).update(header_prompt(self._columns))
        options = self._build_options()
        options_widget.set_options(options)
        target = None
        if keep is not None:
            target = next((i for i, option in enumerate(options)
                           if option.id == keep and not option.disabled), None)
        if target is None:
            target = self._nearest_row(options, previous_index or 0)
        options_widget.highlighted = target
        self._show_detail()
        self.refresh_bindings()

    @staticmethod
    def _nearest_row(options: list[Option], index: int) -> int | None:
        """The row at `index` or the closest one after it, else before it; a header only when
        no row is left (the highlight lands on what a key acts on)."""
        index = min(index, len(options) - 1)
        order = (*range(index, len(options)), *range(index - 1, -1, -1))
        for rows_only in (True, False):
            for candidate in order:
                option = options[candidate] if candidate >= 0 else None
                if option is None or option.disabled:
                    continue
                if rows_only and option.id and option.id.startswith(GROUP_PREFIX):
                    continue
                return candidate
        return None

    def _content_width(self) -> int:
        # The rows' width: the pane's content width less the scrollbar's reserved column.
        width = self.content_region.width if self.is_mounted else 0
        return max(1, width - 1) if width else 40

    def _fit_columns(self) -> Columns:
        longest = max((len(row.name) for row in self._all_rows()), default=0)
        return columns_for(self._content_width(), longest, sync=self._sync_shown,
                           kind=bool(self._actions), mark=self._mark_width())

    def on_resize(self, event: Resize) -> None:
        if self._fit_columns() != self._columns:
            self._rebuild()

    def _refresh_times(self) -> None:
        now = self._clock()
        for option_id, shown in list(self._time_labels.items()):
            row = self._row_of(option_id)
            if row is None or row.last_run is None:
                continue
            label = last_run_label(row.last_run, now)
            if label != shown and self._has_option(option_id):
                self._time_labels[option_id] = label
                self._options.replace_option_prompt(option_id, self._prompt(row, now))

    def _show_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        row = self.highlighted_row
        parts: list[Content] = []
        problem = False
        if isinstance(row, HookRow):
            parts, problem = hook_detail(row, self._sync_shown)
        elif isinstance(row, ActionRow):
            # The binding in muted words; the state takes the line's colour (red for a problem).
            parts = [Content.styled(binding_words(row, self._flows.get(row.trigger, 0)), "$text-muted"),
                     Content(state_words(row))]
            problem = bool(row.problem) or row.state in ACTION_PROBLEM_STATES
        elif (trigger := self._flow_header()) is not None:
            parts = [Content(flow_words(trigger, self._flows[trigger]))]
        detail.update(Content("\n").join(parts))
        detail.set_class(bool(parts), "-visible")
        detail.set_class(problem, "-problem")

    @on(OptionList.OptionHighlighted, "#hook-options")
    def _highlight_moved(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_detail()
        self.refresh_bindings()

    @on(OptionList.OptionSelected, "#hook-options")
    def _double_clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    # ------------------------------------------------------------------ filter

    def _set_filter(self, text: str) -> None:
        self._filter = text
        self._update_subtitle()
        if self.is_mounted:
            self._rebuild()

    def _update_subtitle(self) -> None:
        if self._filter:
            rows = self._all_rows()
            shown = sum(1 for row in rows if matches(row, self._filter))
            self.border_subtitle = f"filter: {self._filter}▏ {shown}/{len(rows)}"
        else:
            self.border_subtitle = "" if self._grouped else "flat, by name"
        self.set_class(bool(self._filter), "-filtering")

    def on_key(self, event: Key) -> None:
        # Printable keys build the filter, which is why no action is bound to a printable key.
        # Space is left to hooks.toggle / actions.bind: deployed names and triggers never contain
        # whitespace (an action's name may, and the filter then matches the rest of it).
        character = event.character
        if event.key.startswith("alt+"):
            return  # ESC + a letter nothing bound: a chord, not part of a name
        if event.is_printable and character and not character.isspace():
            event.stop()
            event.prevent_default()
            self._set_filter(self._filter + character)

    def action_clear_filter(self) -> None:
        self._set_filter("")

    def action_filter_backspace(self) -> None:
        self._set_filter(self._filter[:-1])

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("clear_filter", "filter_backspace"):
            return bool(self._filter)  # else escape/backspace go on to the App
        row = self.highlighted_row
        if action in ("bind", "move"):
            return isinstance(row, ActionRow)  # False: hidden, and space goes on to hooks.toggle
        if action == "toggle":
            return False if isinstance(row, ActionRow) else (True if row else None)
        if action == "open":
            return True if row is not None or self._flow_header() else None
        if action in ("rename", "delete"):
            return True if row is not None else None  # None: shown, greyed out
        return True

    def _only_on_the_tenant(self, name: str) -> bool:
        """A greyed row has no files to open, rename, delete or enable: say how to get them."""
        row = self._hooks.get(name)
        if row is None or not row.remote_only:
            return False
        self.notify(f"{name}: {row.sync_note}", title="only on the tenant", severity="warning")
        return True

    def action_open(self) -> None:
        row = self.highlighted_row
        if isinstance(row, ActionRow):
            self.post_message(ActionOpenRequested(row.name))
        elif isinstance(row, HookRow):
            if not self._only_on_the_tenant(row.name):
                self.post_message(HookOpenRequested(row.name))
        elif (trigger := self._flow_header()) is not None:
            self.post_message(FlowOpenRequested(trigger))

    def action_toggle(self) -> None:
        if (name := self.selected) and not self._only_on_the_tenant(name):
            self.post_message(HookToggleRequested(name))

    def action_toggle_grouping(self) -> None:
        self._grouped = not self._grouped
        self._update_subtitle()
        self._rebuild()
        self._announce_width()
