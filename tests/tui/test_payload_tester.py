"""The payload tester pane on its own: a host app plays the App's part (set_hook, show_result)
and records the Messages the pane posts; Pilot presses the keys a person would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Input, Select, Static, TextArea

from hooktui.core.payloads import SamplePayload
from hooktui.core.results import LogEvent, RunResult, SourceLocation
from hooktui.tui.dialogs import TextViewDialog
from hooktui.tui.messages import PayloadSaveRequested, RunOnSaveToggled, RunRequested
from hooktui.tui.widgets.payload_tester import PayloadTester

TRIGGER = "credentials-exchange"
DEFAULT = {"audience": "https://api.example.com/", "client": {"id": "abc"}, "scope": ["read"]}
SECOND = {"audience": "https://other.example.com/", "client": {"id": "zzz"}, "scope": []}
MINE = {"audience": "mine", "client": {"id": "mine"}, "scope": ["mine"]}


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield PayloadTester()

    @on(RunRequested)
    @on(PayloadSaveRequested)
    @on(RunOnSaveToggled)
    def record(self, message: object) -> None:
        self.messages.append(message)


def write(path: Path, value: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def samples(tmp_path: Path) -> list[SamplePayload]:
    base = tmp_path / "samples" / TRIGGER
    return [
        SamplePayload(TRIGGER, "default", write(base / "01-default.json", DEFAULT), "sample"),
        SamplePayload(TRIGGER, "second", write(base / "02-second.json", SECOND), "sample"),
    ]


@pytest.fixture
def mine(tmp_path: Path) -> SamplePayload:
    return SamplePayload(TRIGGER, "mine", write(tmp_path / "ws" / "payloads" / "token-claims" / "mine.json", MINE),
                         "workspace")


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Content) else str(content)


def pane_of(app: Host) -> PayloadTester:
    return app.query_one(PayloadTester)


def editor(app: Host) -> TextArea:
    return app.query_one("#tester-editor", TextArea)


def result(run_id: str = "r1", *, hook: str = "token-claims", envelope=None, logs=(), warnings=(),
           duration_ms: float = 1.23, location=None, crash=None) -> RunResult:
    return RunResult(
        hook=hook,
        trigger=TRIGGER,
        run_id=run_id,
        envelope=envelope if envelope is not None else {"status": "success", "data": {"scope": ["read"]}},
        logs=list(logs),
        duration_ms=duration_ms,
        warnings=list(warnings),
        location=location,
        crash=crash,
    )


def dialog_text(app: Host) -> str:
    assert isinstance(app.screen, TextViewDialog)
    return text_of(app.screen.query_one("#text", Static))


def runs(app: Host) -> list[RunRequested]:
    return [m for m in app.messages if isinstance(m, RunRequested)]


async def test_set_hook_loads_the_default_payload(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane_of(app).set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        assert editor(app).text == samples[0].path.read_text()
        assert pane_of(app).border_subtitle == "token-claims · default · run on save: off"
        assert "ctrl+r" in text_of(app.query_one("#tester-status", Static))
        # Highlighting is switched on after the first frame, not at construction.
        assert editor(app).language == "json"


async def test_workspace_payloads_are_listed_first(samples, mine):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane_of(app).set_hook("token-claims", TRIGGER, [*samples, mine])
        await pilot.pause()
        picker = app.query_one("#tester-picker", Select)
        labels = [str(prompt) for prompt, value in picker._options if value is not Select.NULL]
        assert labels == ["mine (workspace)", "default (sample)", "second (sample)"]
        # It opens with the first sample, as `hooktui run` does.
        assert json.loads(editor(app).text) == DEFAULT


async def test_picking_a_payload_with_the_keyboard_loads_it(samples):
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        pane_of(app).set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+o")
        picker = app.query_one("#tester-picker", Select)
        assert picker.expanded
        await pilot.press("down", "enter")
        await pilot.pause()
        assert json.loads(editor(app).text) == SECOND
        assert editor(app).has_focus  # picked: ready to edit
        assert pane_of(app).border_subtitle.startswith("token-claims · second ·")
        await pilot.press("ctrl+r")
        assert runs(app)[-1].payload_name == "second"
        assert runs(app)[-1].payload == SECOND


async def test_edits_survive_switching_hooks_and_payloads(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+home", *'{"edited": 1, ', "ctrl+k", "ctrl+k")
        edited = editor(app).text
        assert edited != samples[0].path.read_text()
        await pilot.pause()
        assert "default*" in pane.border_subtitle

        pane.set_hook("other-hook", TRIGGER, samples)
        await pilot.pause()
        assert editor(app).text == samples[0].path.read_text()  # the other hook: untouched sample
        assert "default*" not in pane.border_subtitle

        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        assert editor(app).text == edited

        # Another payload and back: the edit of the first is still there.
        await pilot.press("ctrl+o", "down", "enter")
        await pilot.pause()
        assert json.loads(editor(app).text) == SECOND
        await pilot.press("ctrl+o", "up", "enter")
        await pilot.pause()
        assert editor(app).text == edited


async def test_refreshing_the_same_hook_keeps_the_editor(samples, mine):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press(*"xyz")
        typed = editor(app).text
        pane.set_hook("token-claims", TRIGGER, [*samples, mine])  # e.g. after a save
        await pilot.pause()
        assert editor(app).text == typed
        assert app.query_one("#tester-picker", Select).value == f"sample:{samples[0].path}"


async def test_invalid_json_is_refused_with_line_and_column(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).load_text('{\n  "a": 1,\n  "b": \n}')
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        problem = app.query_one("#tester-problem", Static)
        assert problem.display
        assert "4:1" in text_of(problem)
        assert "Expecting value" in text_of(problem)
        assert runs(app) == []
        assert editor(app).cursor_location == (3, 0)  # the cursor is put on the error
        assert pane.request_run() is False
        assert runs(app) == []
        # Fixing the text clears the complaint.
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert not problem.display


async def test_empty_payload_is_refused(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane_of(app).set_hook("token-claims", TRIGGER, samples)
        editor(app).load_text("   ")
        await pilot.pause()
        assert pane_of(app).current_payload() is None
        assert "1:1" in text_of(app.query_one("#tester-problem", Static))


async def test_valid_payload_posts_run_requested(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        [message] = runs(app)
        assert (message.hook, message.payload, message.payload_name) == ("token-claims", DEFAULT, "default")
        assert pane.current_payload() == ("default", DEFAULT)


async def test_no_hook_no_run():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        assert pane_of(app).request_run() is False
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert runs(app) == []
        assert "no hook" in text_of(app.query_one("#tester-status", Static))


async def test_running_shows_a_spinner_until_the_result(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.set_running(True)
        await pilot.pause()
        assert "running token-claims" in text_of(app.query_one("#tester-status", Static))
        pane.show_result(result(), "default", DEFAULT)
        await pilot.pause()
        status = text_of(app.query_one("#tester-status", Static))
        assert "running" not in status
        assert status.startswith("✔ success 1.2 ms")


async def test_success_result_shows_status_envelope_and_console(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        logs = [LogEvent(1.0, "token-claims", "r1", "info", "hello from the hook"),
                LogEvent(1.0, "token-claims", "r1", "error", "something odd")]
        pane.show_result(result(logs=logs), "default", DEFAULT)
        await pilot.pause()
        assert text_of(app.query_one("#tester-status", Static)) == "✔ success 1.2 ms · default · r1"
        envelope = app.query_one("#result-envelope", Static)
        assert envelope.display
        shown = text_of(envelope)
        assert json.loads(shown.removeprefix("envelope\n")) == {"status": "success", "data": {"scope": ["read"]}}
        # Highlighted: the JSON carries styles, the string "read" among them.
        content = envelope.content
        styled = {content.plain[span.start:span.end] for span in content.spans if span.style}
        assert '"read"' in styled
        console = text_of(app.query_one("#result-console", Static))
        assert "console · 2 lines" in console
        assert "info  hello from the hook" in console
        assert "error something odd" in console
        assert not app.query_one("#result-error", Static).display
        assert not app.query_one("#result-warnings", Static).display


async def test_error_result_shows_name_message_location_and_stack(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        data = {
            "name": "InvalidScopeError",
            "message": "scope not allowed",
            "error_description": "the client may not ask for admin",
            "friendlyMessage": "Ask your admin",
            "stack": "InvalidScopeError: scope not allowed\n    at module.exports (hooks/token-claims.js:17:15)",
        }
        pane.show_result(result(envelope={"status": "error", "data": data}, duration_ms=0.8,
                                location=SourceLocation(17, 15), crash=None), "default", DEFAULT)
        await pilot.pause()
        error = text_of(app.query_one("#result-error", Static))
        assert error.startswith("InvalidScopeError: scope not allowed")
        assert "error_description: the client may not ask for admin" in error
        assert "friendlyMessage: Ask your admin" in error
        assert "at line 17, column 15" in error
        assert "hooks/token-claims.js:17:15" in error
        assert text_of(app.query_one("#tester-status", Static)).startswith("✘ error 0.8 ms")


async def test_crash_is_named_in_the_status_line(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        timeout = {"status": "error", "data": {"message": "Script execution did not complete within 20 seconds"}}
        pane.show_result(result(envelope=timeout, duration_ms=20000.0, crash="timeout"), "default", DEFAULT)
        await pilot.pause()
        assert text_of(app.query_one("#tester-status", Static)).startswith("✘ error 20.00 s (timeout)")


async def test_warnings_are_shown(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        r = result(warnings=["data.scope must be an array of strings"])
        r.logs_dropped = 3
        pane.show_result(r, "default", DEFAULT)
        await pilot.pause()
        warnings = app.query_one("#result-warnings", Static)
        assert warnings.display
        assert "⚠ data.scope must be an array of strings" in text_of(warnings)
        assert "3 console line(s) were dropped" in text_of(warnings)


async def test_a_result_of_another_hook_goes_to_its_history_only(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result("r5", hook="other-hook"), "default", DEFAULT)
        await pilot.pause()
        assert "ctrl+r" in text_of(app.query_one("#tester-status", Static))  # still no run of token-claims
        assert [r.run_id for r in pane.history.for_hook("other-hook")] == ["r5"]
        pane.set_hook("other-hook", TRIGGER, samples)  # coming to it shows its last result
        await pilot.pause()
        assert "r5" in text_of(app.query_one("#tester-status", Static))


async def test_history_lists_runs_newest_first_and_enter_reruns(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result("r1"), "default", DEFAULT)
        failed = {"status": "error", "data": {"message": "denied"}}
        pane.show_result(result("r2", envelope=failed), "second", SECOND)
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        table = app.query_one("#tester-history", DataTable)
        assert table.display and table.has_focus
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[1] for row in rows] == ["second", "default"]
        assert [row[4] for row in rows] == ["r2", "r1"]
        assert rows[0][2] == "✘ error" and rows[1][2] == "✔ success"
        assert rows[0][3] == "1.2 ms"

        await pilot.press("down", "enter")
        await pilot.pause()
        assert runs(app)[-1].payload == DEFAULT
        assert runs(app)[-1].payload_name == "default"
        assert runs(app)[-1].hook == "token-claims"

        # A new result lands on top while the history is open; the cursor stays on its record.
        pane.show_result(result("r3"), "default", DEFAULT)
        await pilot.pause()
        assert str(table.get_row_at(0)[4]) == "r3"
        assert str(table.get_row_at(table.cursor_row)[4]) == "r1"


async def test_compare_in_history_shows_a_diff_with_both_run_ids(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result("r1"), "default", DEFAULT)
        pane.show_result(result("r2", envelope={"status": "success", "data": {"scope": ["write"]}}), "second", SECOND)
        await pilot.pause()
        await pilot.press("ctrl+l", "c")
        await pilot.pause()
        body = dialog_text(app)
        assert "--- r1 (default)" in body
        assert "+++ r2 (second)" in body
        assert '+      "write"' in body
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TextViewDialog)

        # The oldest run has nothing before it: a notice, no dialog.
        await pilot.press("down", "c")
        await pilot.pause()
        assert not isinstance(app.screen, TextViewDialog)


async def test_ctrl_d_compares_the_last_two_results(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result("r1"), "default", DEFAULT)
        await pilot.pause()
        app.query_one("#tester-result").focus()
        await pilot.press("ctrl+d")  # only one run: nothing to compare
        await pilot.pause()
        assert not isinstance(app.screen, TextViewDialog)
        pane.show_result(result("r2"), "default", DEFAULT)
        await pilot.press("ctrl+d")
        await pilot.pause()
        body = dialog_text(app)
        assert body == "identical results: r1 (default) and r2 (default)"


async def test_save_payload_asks_for_a_safe_name(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        prompt = app.screen.query_one(Input)
        await pilot.press(*"../x", "enter")
        await pilot.pause()
        assert app.screen.query_one(Input) is prompt  # refused, still asking
        assert "letters, digits" in text_of(app.screen.query_one("#error", Static))
        assert not [m for m in app.messages if isinstance(m, PayloadSaveRequested)]
        prompt.value = ""
        await pilot.press(*"my-case", "enter")
        await pilot.pause()
        [saved] = [m for m in app.messages if isinstance(m, PayloadSaveRequested)]
        assert (saved.hook, saved.name, saved.payload, saved.overwrite) == ("token-claims", "my-case", DEFAULT, False)


async def test_ctrl_w_saves_outside_the_editor_and_escape_cancels(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        app.query_one("#tester-picker").focus()
        await pilot.press("ctrl+w")
        await pilot.pause()
        assert app.screen.query(Input)
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query(Input)
        assert not [m for m in app.messages if isinstance(m, PayloadSaveRequested)]


async def test_saving_over_an_existing_workspace_payload_asks_first(samples, mine):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, [mine, *samples])
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+o", "up", "enter")
        await pilot.pause()
        assert pane.payload_name == "mine"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.query_one(Input).value == "mine"  # a workspace payload: its own name proposed
        await pilot.press("enter")
        await pilot.pause()
        assert not [m for m in app.messages if isinstance(m, PayloadSaveRequested)]
        await pilot.press("y")
        await pilot.pause()
        [saved] = [m for m in app.messages if isinstance(m, PayloadSaveRequested)]
        assert (saved.name, saved.payload, saved.overwrite) == ("mine", MINE, True)


async def test_save_refuses_invalid_json_before_asking(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane_of(app).set_hook("token-claims", TRIGGER, samples)
        editor(app).load_text("{nope")
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.screen.query(Input)
        assert "1:2" in text_of(app.query_one("#tester-problem", Static))


async def test_ctrl_t_toggles_run_on_save(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert pane.run_on_save
        assert pane.border_subtitle.endswith("run on save: on")
        await pilot.press("ctrl+t")
        await pilot.pause()
        toggles = [m.enabled for m in app.messages if isinstance(m, RunOnSaveToggled)]
        assert toggles == [True, False]
        assert pane.border_subtitle.endswith("run on save: off")
        pane.set_run_on_save(True)  # the App restoring the setting: no message
        await pilot.pause()
        assert pane.run_on_save and len([m for m in app.messages if isinstance(m, RunOnSaveToggled)]) == 2


async def test_narrow_pane_shows_one_view_and_switches_to_the_result(samples):
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        payload, result_view = app.query_one("#tester-payload"), app.query_one("#tester-result")
        assert payload.display and not result_view.display
        editor(app).focus()
        await pilot.press("ctrl+r")
        pane.show_result(result(), "default", DEFAULT)
        await pilot.pause()
        assert result_view.display and not payload.display  # asked from here: the result comes up
        assert result_view.has_focus
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert payload.display and editor(app).has_focus
        # A result nobody asked for here (run on save) while typing: the editor stays.
        pane.show_result(result("r2"), "default", DEFAULT)
        await pilot.pause()
        assert payload.display and editor(app).has_focus
        assert "r2" in text_of(app.query_one("#tester-status", Static))


async def test_wide_pane_shows_payload_and_result_side_by_side(samples):
    app = Host()
    async with app.run_test(size=(160, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result(), "default", DEFAULT)
        await pilot.pause()
        assert pane.has_class("-wide")
        assert app.query_one("#tester-payload").display and app.query_one("#tester-result").display
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.query_one("#tester-history").display and app.query_one("#tester-payload").display
        assert not app.query_one("#tester-result").display
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.query_one("#tester-result").display


async def test_renaming_and_forgetting_a_hook(samples):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result(), "default", DEFAULT)
        editor(app).focus()
        await pilot.press(*"abc")
        typed = editor(app).text
        pane.rename_hook("token-claims", "claims")
        assert pane.hook == "claims"
        assert [r.run_id for r in pane.history.for_hook("claims")] == ["r1"]
        pane.set_hook("elsewhere", TRIGGER, samples)
        pane.set_hook("claims", TRIGGER, samples)
        await pilot.pause()
        assert editor(app).text == typed
        pane.forget_hook("claims")
        assert pane.history.for_hook("claims") == []


def test_pane_declares_help_title_and_binding_ids():
    assert PayloadTester.BORDER_TITLE == "Payload"
    assert "payload" in PayloadTester.HELP.lower()
    ids = {b.id for b in PayloadTester.BINDINGS}
    assert {"tester.run", "tester.pick", "tester.history", "tester.compare", "tester.save_payload",
            "tester.run_on_save"} <= ids
    keys = {b.id: b.key for b in PayloadTester.BINDINGS}
    assert keys["tester.run"] == "ctrl+r" and keys["tester.pick"] == "ctrl+o"
    assert "ctrl+w" in keys["tester.save_payload"] and keys["tester.run_on_save"] == "ctrl+t"


async def test_a_trigger_without_payloads_starts_from_an_empty_object():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, [])
        await pilot.pause()
        assert editor(app).text == "{}\n"
        assert not app.query_one("#tester-picker", Select).display
        editor(app).focus()
        await pilot.press("ctrl+o")  # nothing to pick: a notice, the editor keeps the focus
        await pilot.pause()
        assert editor(app).has_focus
        await pilot.press("ctrl+end", *' ')
        pane.set_hook("other", TRIGGER, [])
        pane.set_hook("token-claims", TRIGGER, [])
        await pilot.pause()
        assert editor(app).text != "{}\n"  # the typing is still there
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert (runs(app)[-1].payload, runs(app)[-1].payload_name) == ({}, "custom")


async def test_rerun_from_history_shows_its_result_but_run_on_save_leaves_the_history(samples):
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result("r1"), "default", DEFAULT)
        await pilot.pause()
        await pilot.press("ctrl+l")
        pane.show_result(result("r2"), "default", DEFAULT)  # not asked from here
        await pilot.pause()
        assert app.query_one("#tester-history").display
        await pilot.press("enter")
        await pilot.pause()
        assert runs(app)
        pane.show_result(result("r3"), "default", DEFAULT)  # the answer to that enter
        await pilot.pause()
        assert app.query_one("#tester-result").display and app.query_one("#tester-result").has_focus


async def test_a_saved_payload_is_selected_once_the_app_lists_it(samples, tmp_path):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        await pilot.pause()
        editor(app).focus()
        await pilot.press(*" ")
        edited = editor(app).text
        await pilot.press("ctrl+s", *"my-case", "enter")
        await pilot.pause()
        [saved] = [m for m in app.messages if isinstance(m, PayloadSaveRequested)]
        # The App writes the file, then lists the hook's payloads again.
        path = write(tmp_path / "ws" / "payloads" / "token-claims" / "my-case.json", saved.payload)
        pane.set_payloads([SamplePayload(TRIGGER, "my-case", path, "workspace"), *samples])
        await pilot.pause()
        assert pane.payload_name == "my-case"
        assert json.loads(editor(app).text) == DEFAULT
        assert pane.border_subtitle.startswith("token-claims · my-case ·")
        # The edited sample still holds the typing.
        await pilot.press("ctrl+o", "down", "enter")
        await pilot.pause()
        assert editor(app).text == edited


async def test_focus_lands_on_the_editor_and_shows_its_view(samples):
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = pane_of(app)
        pane.set_hook("token-claims", TRIGGER, samples)
        pane.show_result(result(), "default", DEFAULT)
        await pilot.pause()
        await pilot.press("ctrl+g")
        assert app.query_one("#tester-result").display and app.query_one("#tester-result").has_focus
        # Like the App's F4: the first focusable thing of the pane is the payload editor.
        first = next(w for w in pane.query("*") if w.can_focus and w.display)
        assert first is editor(app)
        first.focus()
        await pilot.pause()
        assert app.query_one("#tester-payload").display and not app.query_one("#tester-result").display
        pane.focus()  # the pane's own focus(): what its current view is for
        await pilot.pause()
        assert editor(app).has_focus
