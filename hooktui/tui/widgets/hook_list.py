"""The hook list pane: every hook of the workspace with its trigger, enabled flag, sync status
against the tenant, state and last run, grouped by trigger or flat, filtered by typing. It only
asks (Messages); the App acts and calls `set_rows` / `update_row` with what is true now."""

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

from hooktui.tui.messages import HookOpenRequested, HookToggleRequested
from hooktui.tui.widgets.list_dialogs import ListDialogs
from hooktui.tui.widgets.list_rows import (  # HookRow is re-exported for app.py and remote.py, see report
    EMPTY_TEXT,
    NAME_UNKNOWN,
    PANE_FRAME,
    SYNC_MARKS,
    TRIGGER_WIDTH,
    Columns,
    HookRow,
    columns_for,
    group_key,
    group_prompt,
    header_prompt,
    last_run_label,
    matches,
    pane_width_for,
    row_prompt,
)

# -------------------------------------------------------------------------------- widgets

HOOK_PREFIX = "hook:"
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


class HookList(ListDialogs, Vertical):
    """The workspace's hooks. The App calls `set_rows`, `update_row` and `select`; the list posts
    HookOpenRequested, HookCreateRequested, HookRenameRequested, HookDeleteRequested (already
    confirmed) and HookToggleRequested."""

    class WidthWanted(Message):
        """The width that shows every name in full changed (a hook added or renamed, the sync
        column shown): the App's layout decides what it can give."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.width = width

    BORDER_TITLE = "Hooks"
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
"""

    BINDINGS = [
        Binding("enter", "open", "Open", id="hooks.open"),
        Binding("ctrl+n", "new_hook", "New", id="hooks.new"),
        Binding("ctrl+e", "rename", "Rename", id="hooks.rename"),
        # ctrl+d as in k9s, for keyboards without a forward delete key (macOS laptops).
        Binding("delete,ctrl+d", "delete", "Delete", id="hooks.delete"),
        Binding("space", "toggle", "On/off", id="hooks.toggle"),
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
        self._rows: dict[str, HookRow] = {}
        self._grouped = grouped
        self._filter = ""
        self._clock = clock
        self._columns = columns_for(40)
        self._time_labels: dict[str, str] = {}  # name -> last-run text on screen
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
        return list(self._rows.values())

    @property
    def grouped(self) -> bool:
        return self._grouped

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def selected(self) -> str | None:
        """The deployed name of the highlighted hook, or None (a header, or nothing shown)."""
        if not self.is_mounted:
            return None
        option = self._options.highlighted_option
        if option is None or option.id is None or not option.id.startswith(HOOK_PREFIX):
            return None
        return option.id.removeprefix(HOOK_PREFIX)

    @property
    def wanted_width(self) -> int:
        """The pane's width that shows every hook's name in full."""
        longest = max((len(name) for name in self._rows), default=NAME_UNKNOWN)
        wanted = pane_width_for(longest, sync=self._sync_shown)
        if self._grouped:  # a group's header: its trigger and count ("post-user-registration 1")
            triggers = max((len(row.trigger) for row in self._rows.values()), default=0)
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

    def set_rows(self, rows: Iterable[HookRow]) -> None:
        """Show exactly these hooks. The highlight stays on the same hook when it still exists,
        else on the row that took its place."""
        self._rows = {row.name: row for row in rows}
        self._time_labels.clear()
        if self.is_mounted:
            self._rebuild()
        self._announce_width()

    def update_row(self, row: HookRow) -> None:
        """Change one hook (e.g. running -> success) without rebuilding the list."""
        old = self._rows.get(row.name)
        self._rows[row.name] = row
        if not self.is_mounted:
            return
        option_id = HOOK_PREFIX + row.name
        if old is None or old.trigger != row.trigger or not self._has_option(option_id):
            self._rebuild()
            return
        now = self._clock()
        self._time_labels[row.name] = last_run_label(row.last_run, now)
        self._options.replace_option_prompt(option_id, row_prompt(row, self._columns, now))
        if self.selected == row.name:
            self._show_detail()

    def select(self, name: str) -> bool:
        """Highlight the hook `name` (clearing a filter that hides it). False if it is unknown."""
        if name not in self._rows:
            return False
        if self._filter and not matches(self._rows[name], self._filter):
            self._set_filter("")
        if self.is_mounted:
            self._options.highlighted = self._options.get_option_index(HOOK_PREFIX + name)
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

    def _has_option(self, option_id: str) -> bool:
        try:
            self._options.get_option_index(option_id)
        except OptionDoesNotExist:
            return False
        return True

    def _visible_rows(self) -> list[HookRow]:
        rows = self._rows.values()
        if self._filter:
            rows = [row for row in rows if matches(row, self._filter)]
        return sorted(rows, key=lambda row: row.name)

    def _build_options(self) -> list[Option]:
        if not self._rows:
            return [Option(Content.styled(EMPTY_TEXT, "$text-muted"), id="empty", disabled=True)]
        visible = self._visible_rows()
        if not visible:
            message = f"no hook matches “{self._filter}” — escape clears the filter"
            return [Option(Content.styled(message, "$text-muted"), id="empty", disabled=True)]
        now = self._clock()
        options: list[Option] = []
        if self._grouped:
            groups: dict[str, list[HookRow]] = {}
            for row in visible:
                groups.setdefault(row.trigger, []).append(row)
            width = self._content_width()
            for trigger in sorted(groups, key=group_key):
                options.append(Option(
                    group_prompt(trigger, len(groups[trigger]), width),
                    id=GROUP_PREFIX + trigger,
                    disabled=True,
                ))
                options += [self._row_option(row, now) for row in groups[trigger]]
        else:
            options = [self._row_option(row, now) for row in visible]
        return options

    def _row_option(self, row: HookRow, now: float) -> Option:
        self._time_labels[row.name] = last_run_label(row.last_run, now)
        return Option(row_prompt(row, self._columns, now), id=HOOK_PREFIX + row.name)

    def _rebuild(self) -> None:
        options_widget = self._options
        previous_index = options_widget.highlighted
        keep = self.selected
        self._columns = self._fit_columns()
        self.query_one("#columns", Static).update(header_prompt(self._columns))
        options = self._build_options()
        options_widget.set_options(options)
        target = None
        if keep is not None:
            target = next(
                (i for i, option in enumerate(options) if option.id == HOOK_PREFIX + keep), None
            )
        if target is None:
            target = self._nearest_row(options, previous_index or 0)
        options_widget.highlighted = target
        self._show_detail()
        self.refresh_bindings()

    @staticmethod
    def _nearest_row(options: list[Option], index: int) -> int | None:
        """The selectable option at `index` or the closest one after it, else before it."""
        index = min(index, len(options) - 1)
        for candidate in (*range(index, len(options)), *range(index - 1, -1, -1)):
            if candidate >= 0 and not options[candidate].disabled:
                return candidate
        return None

    def _content_width(self) -> int:
        # The rows' width: the pane's content width less the scrollbar's reserved column.
        width = self.content_region.width if self.is_mounted else 0
        return max(1, width - 1) if width else 40

    def _fit_columns(self) -> Columns:
        longest = max((len(name) for name in self._rows), default=0)
        return columns_for(self._content_width(), longest, sync=self._sync_shown)

    def on_resize(self, event: Resize) -> None:
        if self._fit_columns() != self._columns:
            self._rebuild()

    def _refresh_times(self) -> None:
        now = self._clock()
        for name, shown in list(self._time_labels.items()):
            row = self._rows.get(name)
            if row is None or row.last_run is None:
                continue
            label = last_run_label(row.last_run, now)
            if label != shown and self._has_option(HOOK_PREFIX + name):
                self._time_labels[name] = label
                self._options.replace_option_prompt(
                    HOOK_PREFIX + name, row_prompt(row, self._columns, now)
                )

    def _show_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        name = self.selected
        row = self._rows.get(name) if name else None
        text = ""
        problem = False
        sync = Content("")
        if row is not None:
            if row.detail:
                text, problem = row.detail, row.state not in ("ok", "success", "running")
            elif row.last_run is not None:
                when = time.strftime("%H:%M:%S", time.localtime(row.last_run))
                took = f" in {row.duration_ms:.1f} ms" if row.duration_ms is not None else ""
                text = f"last run {when}: {row.state}{took}"
            if self._sync_shown and row.sync_note:
                symbol, style = SYNC_MARKS.get(row.sync, SYNC_MARKS["?"])
                sync = Content.assemble((symbol, style), " ", (row.sync_note, "$text-muted"))
        parts = [part for part in (Content(text), sync) if part.plain]
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
            shown = sum(1 for row in self._rows.values() if matches(row, self._filter))
            self.border_subtitle = f"filter: {self._filter}▏ {shown}/{len(self._rows)}"
        else:
            self.border_subtitle = "" if self._grouped else "flat, by name"
        self.set_class(bool(self._filter), "-filtering")

    def on_key(self, event: Key) -> None:
        # Printable keys build the filter, which is why no action is bound to a printable key.
        # Space is left to hooks.toggle: deployed names and triggers never contain whitespace.
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
        if action in ("open", "rename", "delete", "toggle"):
            return True if self.selected else None  # None: shown, greyed out
        return True

    def _only_on_the_tenant(self, name: str) -> bool:
        """A greyed row has no files to open, rename, delete or enable: say how to get them."""
        row = self._rows.get(name)
        if row is None or not row.remote_only:
            return False
        self.notify(f"{name}: {row.sync_note}", title="only on the tenant", severity="warning")
        return True

    def action_open(self) -> None:
        if (name := self.selected) and not self._only_on_the_tenant(name):
            self.post_message(HookOpenRequested(name))

    def action_toggle(self) -> None:
        if (name := self.selected) and not self._only_on_the_tenant(name):
            self.post_message(HookToggleRequested(name))

    def action_toggle_grouping(self) -> None:
        self._grouped = not self._grouped
        self._update_subtitle()
        self._rebuild()
        self._announce_width()

    def _highlighted_trigger(self) -> str | None:
        if name := self.selected:
            return self._rows[name].trigger
        option = self._options.highlighted_option if self.is_mounted else None
        if option is not None and option.id and option.id.startswith(GROUP_PREFIX):
            return option.id.removeprefix(GROUP_PREFIX)
        return None
