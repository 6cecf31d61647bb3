"""The payload tester pane: pick and edit the JSON payload of the open hook (or the event of an
action or of a trigger's flow), ask the App to run it, and read the result (a hook's envelope, an
action's outcome and `api` calls, a flow's steps; warnings, error, console), the history and diffs.

It never runs anything itself: it posts RunRequested (hooks) or ActionRunRequested (actions, flows)
and the App answers with show_result() or show_action_result()."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Select, Static, Tab, Tabs, TextArea

from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.payloads import PayloadError, SamplePayload, parse_payload
from hooktui.core.results import RunResult
from hooktui.core.runhistory import RunHistory, RunRecord
from hooktui.tui.keys import KeySafeTextArea
from hooktui.tui.messages import RunOnSaveToggled
from hooktui.tui.widgets.run_history_view import COLUMNS, RunHistoryTable
from hooktui.tui.widgets.run_result_view import (
    AnyResult,
    ResultView,
    result_status_line,
)
from hooktui.tui.widgets.tester_editing import PayloadEditing
from hooktui.tui.widgets.tester_history import TesterHistory
from hooktui.tui.widgets.tester_payloads import (  # check_payload_name: re-exported for importers
    check_payload_name,
    default_key,
    payload_key,
    payload_label,
)
from hooktui.tui.widgets.tester_save import PayloadSaving
from hooktui.tui.widgets.tester_target import Target

__all__ = ["VIEWS", "WIDE", "PayloadTester", "check_payload_name"]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
# From this width on, the payload and the result sit side by side instead of behind tabs.
WIDE = 100
VIEWS = ("payload", "result", "history")


# -- the pane --------------------------------------------------------------------------------------


class PayloadTester(PayloadEditing, TesterHistory, PayloadSaving, Vertical):
    """Edit a hook's payload or an action's (or flow's) event, run it through the App, read the
    result and the history."""

    BORDER_TITLE = "Payload"
    HELP = (
        "**Payload tester.** A hook opens with its trigger's first sample, as `hooktui run` does; "
        "`ctrl+o` picks another (the workspace's own first, then the shipped samples). Edit its JSON "
        "and run it with `ctrl+r` or `F5`: invalid JSON is refused with its line:column and nothing "
        "runs. The result shows the status and duration, the `{status, data}` envelope Auth0 would "
        "answer, contract warnings, the error with its stack, and the run's console output; `ctrl+g` "
        "switches between the payload and the result. `ctrl+l` lists this hook's runs (enter re-runs "
        "one, `c` compares it with the run before); `ctrl+d` compares the last two results. `ctrl+s` "
        "saves the payload into the workspace. `ctrl+t` switches **run on save**: every reload of the "
        "hook re-runs the current payload. Edits are kept per hook and payload for the whole session. "
        "An **action** or a trigger's **flow** opens with its events instead (the action's own, the "
        "workspace's for the trigger, then the samples): the result says what the application gets "
        "(claims, metadata, a denial, a redirect), the `api` calls in order and, for a flow, each "
        "action's step and the ones a deny or a failure kept from running."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "request_run", "Run", id="tester.run"),
        Binding("ctrl+o", "pick", "Payloads", id="tester.pick"),
        Binding("ctrl+g", "toggle_result", "Result", id="tester.result"),
        Binding("ctrl+l", "toggle_history", "History", id="tester.history"),
        # ctrl+s first: the footer shows it, and TextArea keeps ctrl+w (delete word) while editing.
        Binding("ctrl+s,ctrl+w", "save_payload", "Save payload", id="tester.save_payload"),
        Binding("ctrl+t", "toggle_run_on_save", "Run on save", id="tester.run_on_save"),
        Binding("ctrl+d", "compare_latest", "Compare", show=False, id="tester.compare"),
    ]

    DEFAULT_CSS = """
    PayloadTester {
        border: round $panel;
        height: 1fr;
        &:focus-within { border: round $accent; }
        #tester-status { height: 1; padding: 0 1; }
        #tester-problem { height: auto; padding: 0 1; color: $error; display: none; }
        #tester-problem.-shown { display: block; }
        #tester-body { height: 1fr; }
        #tester-payload, #tester-result, #tester-history { width: 1fr; height: 1fr; }
        #tester-picker { width: 1fr; dock: top; }
        #tester-editor { height: 1fr; border: none; padding: 0; }
        #tester-result { padding: 0 1; }
        #tester-result > Static { height: auto; margin-bottom: 1; }
        #result-empty { color: $text-muted; }
        &.-wide #tester-result, &.-wide #tester-history { border-left: vkey $panel; }
    }
    """

    def __init__(self, *, history_limit: int = 50, id: str = "tester", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.history = RunHistory(history_limit)
        self._target: Target | None = None
        self._payloads: list[SamplePayload] = []
        self._by_key: dict[str, SamplePayload] = {}
        self._key: str | None = None  # the payload in the editor
        self._original = ""  # its text on disk when loaded: the editor differs -> edited
        self._edited = False
        # Kept per target key, (kind, name): a hook and an action of one name are two items.
        self._texts: dict[tuple[tuple[str, str], str], str] = {}  # (target, payload key) -> edited text
        self._selected: dict[tuple[str, str], str] = {}  # target -> payload key last in the editor
        self._last: dict[tuple[str, str], AnyResult] = {}  # target -> its latest result
        self._history_rows: list[RunRecord] = []
        self._run_on_save = False
        self._busy = False
        self._busy_target: Target | None = None
        self._spin = 0
        self._view = "payload"
        self._result_wanted = False  # the user ran from here: show the result when it comes
        self._ready = False
        self._pending: tuple[Target, list[SamplePayload]] | None = None  # set before mount
        self._problem = ""
        self._blocked = ""  # the problem line Run last wrote (an empty flow): cleared once it can run
        # (target, name) asked to be saved: selected once the App lists it.
        self._saved_name: tuple[tuple[str, str], str] | None = None

    # -- composition ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="tester-status")
        yield Static(id="tester-problem")
        tabs = Tabs(
            Tab("payload", id="tab-payload"),
            Tab("result", id="tab-result"),
            Tab("history", id="tab-history"),
            id="tester-tabs",
        )
        # Keys switch views (ctrl+g, ctrl+l, ctrl+o); the tab bar shows where you are and takes clicks.
        tabs.can_focus = False
        yield tabs
        with Horizontal(id="tester-body"):
            with Vertical(id="tester-payload"):
                # The editor comes first in the focus order (the pane's first focusable thing); the
                # picker is docked above it. No language yet: tree-sitter is switched on after the
                # first frame (start-up speed).
                yield KeySafeTextArea.code_editor("", language=None, theme="css", id="tester-editor")
                # Never blank (a blank entry in the list reads as a payload); hidden when there is nothing to pick.
                yield Select[str]([("no payload", "")], allow_blank=False, compact=True, id="tester-picker")
            yield ResultView(id="tester-result")
            yield RunHistoryTable(id="tester-history", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(RunHistoryTable)
        table.add_columns(*COLUMNS)
        self._spinner = self.set_interval(0.1, self._tick, pause=True)
        self._ready = True
        self._apply_layout()
        self._update_status()
        self._update_subtitle()
        self.call_after_refresh(self._enable_highlighting)
        if self._pending is not None:
            target, payloads = self._pending
            self._pending = None
            self._open(target, payloads)

    def _enable_highlighting(self) -> None:
        self.query_one("#tester-editor", TextArea).language = "json"

    def on_resize(self) -> None:
        wide = self.size.width >= WIDE
        if wide != self.has_class("-wide"):
            self.set_class(wide, "-wide")
            self._apply_layout()

    # -- public API (called by the App) -----------------------------------------------------------

    def focus(self, scroll_visible: bool = True) -> PayloadTester:
        """Focusing the pane (F4) focuses what its current view is for: the editor, result or history."""
        if self._ready:
            target = {"payload": "#tester-editor", "result": "#tester-result", "history": "#tester-history"}[self._view]
            self.query_one(target).focus(scroll_visible)
        return self

    @property
    def hook(self) -> str | None:
        """The open hook's name; None when the pane holds an action, a flow or nothing."""
        return self._target.name if self._target is not None and self._target.kind == "hook" else None

    @property
    def target(self) -> tuple[str, str] | None:
        """What the pane holds: ("hook" | "action" | "flow", name; a flow's name is its trigger)."""
        return self._target.key if self._target is not None else None

    @property
    def view(self) -> str:
        """The view in front: "payload", "result" or "history"."""
        return self._view

    def show_view(self, view: str) -> None:
        """Bring `view` ("payload", "result", "history") to the front and focus it."""
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
        if view == "history":
            self._refresh_history()
        self._show(view)

    @property
    def run_on_save(self) -> bool:
        return self._run_on_save

    def set_run_on_save(self, on: bool) -> None:
        """Set by the App (config, start-up): no message is posted."""
        self._run_on_save = bool(on)
        self._update_subtitle()

    def set_hook(self, hook: str, trigger: str, payloads: list[SamplePayload]) -> None:
        """Show `hook`, whose payloads are `payloads`. Called again for the same hook, it only
        refreshes the list (after a save): what is in the editor stays."""
        self._open(Target("hook", hook, trigger), payloads)

    def set_action(self, name: str, trigger: str, events: list[SamplePayload]) -> None:
        """Show the action `name` of `trigger`, whose events are `events` (the action's own, the
        workspace's for the trigger, then the samples: hooktui.core.payloads.action_events)."""
        self._open(Target("action", name, trigger), events)

    def set_flow(self, trigger: str, actions: list[str], events: list[SamplePayload]) -> None:
        """Show the flow of `trigger`: `actions` are its bound actions in binding order. Called
        again for the same trigger (a bind, a reorder, a save), it keeps what is in the editor."""
        self._open(Target("flow", trigger, trigger, tuple(actions)), events)

    def set_payloads(self, payloads: list[SamplePayload]) -> None:
        """The open item's payloads changed (one was saved): refresh the list, keep the editor, and
        select a payload this pane just asked to save."""
        if self._target is not None:
            self._open(self._target, payloads)
        elif self._pending is not None:
            self._pending = (self._pending[0], list(payloads))

    set_events = set_payloads  # an action's or a flow's payloads are its events

    def _open(self, target: Target, payloads: list[SamplePayload]) -> None:
        if not self._ready:
            self._pending = (target, list(payloads))
            return
        same = self._target is not None and target.key == self._target.key
        if not same:
            self._stash()
        # Workspace payloads first, each group in the order given.
        ordered = [p for p in payloads if p.origin == "workspace"] + [p for p in payloads if p.origin != "workspace"]
        if same and self._key is not None and self._key not in {payload_key(p) for p in ordered}:
            current = self._by_key.get(self._key)
            if current is not None and self._edited:
                ordered.append(current)  # its file went away: keep the edited text reachable
        self._target = target
        self.border_title = target.title
        self._payloads = ordered
        self._by_key = {payload_key(p): p for p in ordered}

        picker = self.query_one("#tester-picker", Select)
        picker.display = bool(ordered)
        if ordered:
            with picker.prevent(Select.Changed):
                picker.set_options([(payload_label(p), payload_key(p)) for p in ordered])
        saved = self._just_saved(target, ordered) if same else None
        if saved is not None:
            self._stash()  # the text stays with the payload it was edited from, as always
            self._load(saved)
        elif same and (self._key in self._by_key or (self._key is None and self._edited)):
            self._select(self._key)
        else:
            wanted = self._selected.get(target.key)
            self._load(wanted if wanted in self._by_key else default_key(ordered))
        if same:
            if self._problem == self._blocked and target.unrunnable() is None:
                self._set_problem(None)  # an action was bound since: the flow can run
        else:
            self._show_last_result()
            self._refresh_history()
        self._update_subtitle()
        self._update_status()

    def _just_saved(self, target: Target, payloads: list[SamplePayload]) -> str | None:
        if self._saved_name is None or self._saved_name[0] != target.key:
            return None
        name = self._saved_name[1]
        for payload in payloads:
            if target.saved_here(payload, name):
                self._saved_name = None
                key = payload_key(payload)
                return key if key != self._key else None
        return None

    def set_running(self, running: bool) -> None:
        self._busy = running
        if running:
            self._busy_target = self._target
        if not self._ready:
            return
        if running:
            self._spinner.resume()
        else:
            self._spinner.pause()
        self._update_status()

    def show_result(self, result: RunResult, payload_name: str, payload: Any) -> None:
        """A hook's run finished: add it to the history and show it if it belongs to the open hook."""
        self._finished(("hook", result.hook), result, RunRecord.from_result(result, payload_name, payload))

    def show_action_result(self, result: ActionResult | FlowResult, payload_name: str, payload: Any) -> None:
        """An action's or a trigger's flow's run finished: add it to the history (kind "action" or
        "flow") and show it if it belongs to the open action or flow."""
        if isinstance(result, FlowResult):
            key, record = ("flow", result.trigger), RunRecord.from_flow_result(result, payload_name, payload)
        else:
            key, record = ("action", result.name), RunRecord.from_action_result(result, payload_name, payload)
        self._finished(key, result, record)

    def _finished(self, key: tuple[str, str], result: AnyResult, record: RunRecord) -> None:
        self.history.add(record)
        self._last[key] = result
        if self._target is None or key != self._target.key or not self._ready:
            return
        self.set_running(False)
        self._render_result(result)
        self._refresh_history()
        wanted, self._result_wanted = self._result_wanted, False
        if self._view == "result" or (self.has_class("-wide") and self._view == "payload"):
            return  # already in sight
        editor = self.query_one("#tester-editor", TextArea)
        # The user asked for this result: show it. A run on save must not pull the editor from under
        # their fingers, nor the history they are reading.
        if wanted or (self._view == "payload" and not editor.has_focus):
            self._show("result", focus=self._focus_within())

    def current_payload(self) -> tuple[str, Any] | None:
        """The payload (or event) in the editor, parsed: (name, value). None, with the error shown, when invalid."""
        editor = self.query_one("#tester-editor", TextArea)
        name = self.payload_name
        noun = self._target.noun if self._target is not None else "payload"
        try:
            payload = parse_payload(editor.text, name)
        except PayloadError as exc:
            self._show_problem(exc, name, noun)
            return None
        self._set_problem(None)
        return name, payload

    def request_run(self) -> bool:
        """Validate the payload and ask the App to run it; False (nothing posted) when it cannot."""
        target = self._target
        if target is None:
            self.notify("Open a hook or an action first (list, enter).", severity="warning")
            return False
        why = target.unrunnable()
        if why is not None:
            self._set_problem(f"✘ {why}")
            self._blocked = self._problem
            return False
        parsed = self.current_payload()
        if parsed is None:
            return False
        name, payload = parsed
        self._result_wanted = True
        self.post_message(target.run_message(payload, name))
        return True

    @property
    def payload_name(self) -> str:
        payload = self._by_key.get(self._key) if self._key else None
        return payload.name if payload is not None else "custom"

    def rename_hook(self, old: str, new: str) -> None:
        """The App renamed a hook: its history, edits and last result follow it."""
        self.history.rename(old, new)
        before, after = ("hook", old), ("hook", new)
        for (item, key) in [k for k in self._texts if k[0] == before]:
            self._texts[(after, key)] = self._texts.pop((item, key))
        if before in self._selected:
            self._selected[after] = self._selected.pop(before)
        if before in self._last:
            self._last[after] = self._last.pop(before)
        if self._target is not None and self._target.key == before:
            self._target = Target("hook", new, self._target.trigger)
            self._update_subtitle()

    def forget_hook(self, hook: str) -> None:
        """The hook was deleted: drop what was kept for it."""
        self._forget(("hook", hook))

    def forget_action(self, name: str) -> None:
        """The action was deleted: drop its runs, edits and last result, and close it if open."""
        self._forget(("action", name))

    def _forget(self, item: tuple[str, str]) -> None:
        self.history.forget(item[1], item[0])
        for key in [k for k in self._texts if k[0] == item]:
            del self._texts[key]
        self._selected.pop(item, None)
        self._last.pop(item, None)
        if self._target is not None and item == self._target.key:
            self._close()
        elif self._pending is not None and self._pending[0].key == item:
            self._pending = None

    def _close(self) -> None:
        """Nothing open any more: nothing of the deleted item stays on screen."""
        self._target = None
        self._payloads, self._by_key, self._key = [], {}, None
        self._original, self._edited, self._result_wanted = "", False, False
        if not self._ready:
            self._pending = None
            return
        self.border_title = self.BORDER_TITLE
        self.query_one("#tester-picker", Select).display = False
        editor = self.query_one("#tester-editor", TextArea)
        with editor.prevent(TextArea.Changed):
            editor.load_text("")
        self._set_problem(None)
        self.set_running(False)
        self._clear_result()
        self._refresh_history()
        self._update_subtitle()
        self._update_status()

    # -- payload editing --------------------------------------------------------------------------

    @on(Select.Changed, "#tester-picker")
    def _picked(self, event: Select.Changed) -> None:
        event.stop()
        if event.value not in self._by_key or event.value == self._key or self._target is None:
            return
        self._stash()
        self._load(str(event.value))
        self.query_one("#tester-editor", TextArea).focus()

    @on(TextArea.Changed, "#tester-editor")
    def _edited_text(self, event: TextArea.Changed) -> None:
        event.stop()
        edited = event.text_area.text != self._original
        if edited != self._edited:
            self._edited = edited
            self._update_subtitle()
        self._set_problem(None)  # the message was about text that is gone

    # -- views ------------------------------------------------------------------------------------

    def _focus_within(self) -> bool:
        focused = self.screen.focused if self.is_attached else None
        return focused is not None and self in focused.ancestors_with_self

    def _show(self, view: str, *, focus: bool = True) -> None:
        self._view = view
        tabs = self.query_one("#tester-tabs", Tabs)
        if tabs.active != f"tab-{view}":
            tabs.active = f"tab-{view}"
        self._apply_layout()
        if focus:
            self.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Focus arrived from outside (F4, tab, a click) in a view that is not shown: show it.
        for view in VIEWS:
            if self.query_one(f"#tester-{view}") in event.widget.ancestors_with_self:
                if not self.query_one(f"#tester-{view}").display:
                    self._show(view, focus=False)
                return

    @on(Tabs.TabActivated, "#tester-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        view = (event.tab.id or "tab-payload").removeprefix("tab-")
        if view != self._view:
            self._view = view
            self._apply_layout()

    def _apply_layout(self) -> None:
        wide = self.has_class("-wide")
        view = self._view
        self.query_one("#tester-payload").display = wide or view == "payload"
        self.query_one("#tester-result").display = view == "result" or (wide and view == "payload")
        self.query_one("#tester-history").display = view == "history"

    # -- actions ------------------------------------------------------------------------------------

    def action_request_run(self) -> None:
        self.request_run()

    def action_pick(self) -> None:
        self._show("payload", focus=False)
        if not self._payloads:
            noun = self._target.noun if self._target is not None else "payload"
            where = self._target.trigger if self._target is not None else "this hook"
            self.notify(f"No {noun}s for {where}: write one here and save it (ctrl+s).")
            self.query_one("#tester-editor", TextArea).focus()
            return
        picker = self.query_one("#tester-picker", Select)
        picker.focus()
        picker.action_show_overlay()

    def action_toggle_result(self) -> None:
        editor = self.query_one("#tester-editor", TextArea)
        if self._view == "payload" and (editor.has_focus or not self.has_class("-wide")):
            self._show("result")
        else:
            self._show("payload")

    def action_toggle_run_on_save(self) -> None:
        self._run_on_save = not self._run_on_save
        self._update_subtitle()
        self.post_message(RunOnSaveToggled(self._run_on_save))
        self.notify(f"Run on save: {'on' if self._run_on_save else 'off'}")

    # -- rendering ----------------------------------------------------------------------------------

    def _tick(self) -> None:
        self._spin = (self._spin + 1) % len(_SPINNER)
        self._update_status()

    def _update_status(self) -> None:
        if not self._ready:
            return
        status = self.query_one("#tester-status", Static)
        target = self._target
        if target is None:
            status.update(Content.styled("no hook or action open: pick one (or a trigger) in the list", "$text-muted"))
            return
        if self._busy:
            running = (self._busy_target or target).running
            status.update(Content.styled(f"{_SPINNER[self._spin]} running {running}…", "$accent"))
            return
        last = self._last.get(target.key)
        if last is None:
            status.update(Content.styled(f"ready: ctrl+r runs the {target.noun}", "$text-muted"))
            return
        record = self.history.latest(target.name, target.kind)
        detail = f" · {record.payload_name} · {record.run_id}" if record is not None else ""
        status.update(Content.assemble(result_status_line(last), (detail, "$text-muted")))

    def _update_subtitle(self) -> None:
        switch = f"run on save: {'on' if self._run_on_save else 'off'}"
        if self._target is None:
            self.border_subtitle = switch
            return
        mark = "*" if self._edited else ""
        self.border_subtitle = f"{self._target.label} · {self.payload_name}{mark} · {switch}"

    def _show_last_result(self) -> None:
        last = self._last.get(self._target.key) if self._target is not None else None
        if last is None:
            self._clear_result()
        else:
            self._render_result(last)

    def _clear_result(self) -> None:
        self.query_one(ResultView).clear()

    def _render_result(self, result: AnyResult) -> None:
        self.query_one(ResultView).show(result)
        self._update_status()
