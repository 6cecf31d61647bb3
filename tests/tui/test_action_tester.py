"""The payload tester holding an action or a trigger's flow: a host app plays the App's part
(set_action, set_flow, show_action_result) and records the Messages the pane posts; the results
come from real runs through the Executor with real `node`, and Pilot reads what the screen shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Input, Select, Static, TextArea
from waiting import until

from hooktui.core.action_results import ActionResult, ActionSpec, FlowResult
from hooktui.core.payloads import SamplePayload, sample_events
from hooktui.core.results import LogEvent
from hooktui.runtime.executor import Executor
from hooktui.tui.dialogs import TextViewDialog
from hooktui.tui.messages import ActionRunRequested, EventSaveRequested, RunRequested
from hooktui.tui.widgets.payload_tester import PayloadTester

TRIGGER = "post-login"
CLAIMS = """
exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('https://example.com/plan', 'gold');
  api.idToken.setCustomClaim('https://example.com/email', event.user.email);
  console.log('claims set for', event.user.email);
};
"""
GATE = """
exports.onExecutePostLogin = async (event, api) => {
  api.access.deny('blocked by policy');
};
"""
AFTER = """
exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('https://example.com/after', true);
};
"""


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield PayloadTester()

    @on(RunRequested)
    @on(ActionRunRequested)
    @on(EventSaveRequested)
    def record(self, message: object) -> None:
        self.messages.append(message)


def spec(name: str, code: str) -> ActionSpec:
    return ActionSpec(name, TRIGGER, code, code_path=f"/ws/actions/{name}/code.js")


@pytest.fixture
def events() -> list[SamplePayload]:
    found = sample_events(TRIGGER)
    assert len(found) >= 2, "the shipped post-login sample events"
    return found


async def run_action(code: str, event: dict, name: str = "add-claims") -> ActionResult:
    async with Executor(timeout=20.0) as ex:
        return await ex.run_action(spec(name, code), event)


async def run_flow(event: dict, *actions: tuple[str, str]) -> FlowResult:
    async with Executor(timeout=20.0) as ex:
        return await ex.run_flow(TRIGGER, [spec(n, c) for n, c in actions], event)


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Content) else str(content)


def screen_text(app: App) -> str:
    """The screen as a person reads it, one row per line."""
    return "\n".join("".join(s.text for s in strip) for strip in app.screen._compositor.render_strips())


def pane_of(app: Host) -> PayloadTester:
    return app.query_one(PayloadTester)


def editor(app: Host) -> TextArea:
    return app.query_one("#tester-editor", TextArea)


def asked(app: Host) -> list[ActionRunRequested]:
    return [m for m in app.messages if isinstance(m, ActionRunRequested)]


def saves(app: Host) -> list[EventSaveRequested]:
    return [m for m in app.messages if isinstance(m, EventSaveRequested)]


def made(name: str, run_id: str, *, claims: dict | None = None, error: dict | None = None) -> ActionResult:
    """A hand-made result, for the cases where the shape is the point."""
    outcome = {"denied": None, "access_token_claims": claims or {}, "id_token_claims": {}, "user_metadata": {},
               "app_metadata": {}}
    commands = [{"method": "accessToken.setCustomClaim", "args": [k, v]} for k, v in (claims or {}).items()]
    return ActionResult(name, TRIGGER, run_id, "error" if error else "success", commands, outcome, error, [], 1.5, [])


# -- an action ---------------------------------------------------------------------------------


async def test_set_action_shows_the_event_and_run_asks_for_the_action(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        await pilot.pause()
        assert pane.target == ("action", "add-claims")
        assert pane.hook is None
        assert json.loads(editor(app).text) == json.loads(events[0].path.read_text())
        picker = app.query_one("#tester-picker", Select)
        labels = [str(prompt) for prompt, value in picker._options if value is not Select.NULL]
        assert labels == [f"{e.name} (sample)" for e in events]
        assert "add-claims" in pane.border_subtitle and TRIGGER in pane.border_subtitle
        assert pane.border_title == "Event"
        editor(app).focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        [run] = asked(app)
        assert (run.kind, run.name, run.trigger, run.payload_name) == ("action", "add-claims", TRIGGER, events[0].name)
        assert run.event == json.loads(events[0].path.read_text())
        assert not [m for m in app.messages if isinstance(m, RunRequested)]


async def test_an_invalid_event_is_refused_with_its_line_and_column(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        await pilot.pause()
        editor(app).load_text('{\n  "user": nope\n}')
        await pilot.pause()
        assert pane.request_run() is False
        assert not asked(app)
        problem = text_of(app.query_one("#tester-problem", Static))
        assert "2:11" in problem and events[0].name in problem, problem


async def test_a_real_action_result_reads_at_120x40(events):
    event = json.loads(events[0].path.read_text())
    result = await run_action(CLAIMS, event)
    assert result.ok, result.error
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        pane.show_action_result(result, events[0].name, event)
        await pilot.pause()
        screen = screen_text(app)
        for words in ("✔ success", "https://example.com/plan", '"gold"', "https://example.com/email",
                      event["user"]["email"], "api.accessToken.setCustomClaim", "api.idToken.setCustomClaim",
                      "claims set for"):
            assert words in screen, f"{words!r} is not on screen:\n{screen}"
        status = text_of(app.query_one("#tester-status", Static))
        assert "success" in status and result.run_id in status and events[0].name in status, status
        # The run is in the history, as an action's.
        [record] = pane.history.for_hook("add-claims", "action")
        assert record.kind == "action" and record.run_id == result.run_id


async def test_a_real_action_result_reads_at_80x24(events):
    event = json.loads(events[0].path.read_text())
    result = await run_action(CLAIMS, event)
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        pane.show_action_result(result, events[0].name, event)
        pane.show_view("result")
        await pilot.pause()
        screen = screen_text(app)
        for words in ("✔ success", "what the application gets", "https://example.com/plan = \"gold\""):
            assert words in screen, f"{words!r} is not on screen at 80x24:\n{screen}"


async def test_a_failing_action_shows_its_error_and_stack(events):
    event = json.loads(events[0].path.read_text())
    result = await run_action("exports.onExecutePostLogin = async (event, api) => {\n"
                              "  throw new TypeError('no plan for ' + event.user.user_id);\n};\n", event, "broken")
    assert not result.ok
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("broken", TRIGGER, events)
        pane.show_action_result(result, events[0].name, event)
        await pilot.pause()
        error = text_of(app.query_one("#result-error", Static))
        assert f"TypeError: no plan for {event['user']['user_id']}" in error
        assert "line 2" in error and "stack:" in error
        assert "✘ error" in text_of(app.query_one("#tester-status", Static))


async def test_auth0s_console_truncation_is_said():
    logs = [LogEvent(0.0, "chatty", "a1", "info", "x" * 300)]
    result = ActionResult("chatty", TRIGGER, "a1", "success", [], {"denied": None}, None, logs, 1.0, [],
                          persisted_log="x" * 256, log_chars=300)
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("chatty", TRIGGER, [])
        pane.show_action_result(result, "custom", {})
        await pilot.pause()
        console = text_of(app.query_one("#result-console", Static))
        assert "keeps the first 256 of 300 characters" in console and "44 truncated" in console


async def test_a_result_for_another_item_is_kept_not_shown(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        pane.show_action_result(made("other", "o1", claims={"https://x/other": 1}), "default", {})
        await pilot.pause()
        assert app.query_one("#result-empty", Static).display
        assert "https://x/other" not in screen_text(app)
        pane.set_action("other", TRIGGER, events)
        await pilot.pause()
        assert "https://x/other" in text_of(app.query_one("#result-outcome", Static))


async def test_compare_two_runs_of_an_action(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        pane.show_action_result(made("add-claims", "r1", claims={"https://x/plan": "gold"}), "default", {})
        pane.show_action_result(made("add-claims", "r2", claims={"https://x/plan": "silver"}), "default", {})
        await pilot.pause()
        app.query_one("#tester-result").focus()  # the editor keeps ctrl+d (delete right)
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, TextViewDialog), "the compare dialog")
        body = text_of(app.screen.query_one("#text", Static))
        assert '-  api.accessToken.setCustomClaim("https://x/plan", "gold")' in body
        assert '+  api.accessToken.setCustomClaim("https://x/plan", "silver")' in body
        assert "r1 (default)" in body and "r2 (default)" in body


async def test_history_lists_the_actions_runs_and_reruns_one(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        pane.show_action_result(made("add-claims", "r1"), "default", {"user": {"user_id": "first"}})
        pane.show_action_result(made("add-claims", "r2", error={"name": "Error", "message": "x"}), "second",
                                {"user": {"user_id": "second"}})
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        table = app.query_one("#tester-history", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[1], r[2], r[4]) for r in rows] == [("second", "✘ error", "r2"), ("default", "✔ success", "r1")]
        await pilot.press("down", "enter")
        await pilot.pause()
        run = asked(app)[-1]
        assert (run.kind, run.name, run.trigger, run.payload_name) == ("action", "add-claims", TRIGGER, "default")
        assert run.event == {"user": {"user_id": "first"}}


async def test_a_hook_and_an_action_of_one_name_keep_their_own_edits_and_results(events, tmp_path: Path):
    hook_payload = tmp_path / "p.json"
    hook_payload.write_text('{"hook": true}\n')
    hook_payloads = [SamplePayload("credentials-exchange", "default", hook_payload, "sample")]
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_hook("same", "credentials-exchange", hook_payloads)
        editor(app).load_text('{"hook": "edited"}')
        pane.set_action("same", TRIGGER, events)
        await pilot.pause()
        assert json.loads(editor(app).text) == json.loads(events[0].path.read_text())
        pane.show_action_result(made("same", "a1", claims={"https://x/action": 1}), "default", {})
        pane.set_hook("same", "credentials-exchange", hook_payloads)
        await pilot.pause()
        assert json.loads(editor(app).text) == {"hook": "edited"}
        assert pane.target == ("hook", "same") and pane.hook == "same"
        assert app.query_one("#result-empty", Static).display  # the action's result is not the hook's


async def test_forget_action_drops_its_runs_and_closes_it(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        pane.show_action_result(made("add-claims", "r1", claims={"https://x/plan": 1}), "default", {})
        await pilot.pause()
        pane.forget_action("add-claims")
        await pilot.pause()
        assert pane.target is None
        assert pane.history.for_hook("add-claims", "action") == []
        assert app.query_one("#result-empty", Static).display
        assert editor(app).text == ""


# -- saving an event ---------------------------------------------------------------------------


async def test_save_event_of_an_action_asks_a_name_and_posts_event_save(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_action("add-claims", TRIGGER, events)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.query(Input), "the save dialog")
        assert "payloads/add-claims/" in screen_text(app)
        await pilot.press(*"vip", "enter")
        await pilot.pause()
        [save] = saves(app)
        assert (save.kind, save.name, save.trigger, save.event_name, save.overwrite) == (
            "action", "add-claims", TRIGGER, "vip", False)
        assert save.event == json.loads(events[0].path.read_text())


async def test_saving_over_a_flows_event_asks_first_and_set_events_selects_it(events, tmp_path: Path):
    mine = tmp_path / "ws" / "payloads" / "actions" / TRIGGER / "mine.json"
    mine.parent.mkdir(parents=True)
    mine.write_text('{"user": {"user_id": "mine"}}\n')
    listed = [SamplePayload(TRIGGER, "mine", mine, "workspace"), *events]
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, ["add-claims"], events)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.query(Input), "the save dialog")
        assert f"payloads/actions/{TRIGGER}/" in screen_text(app)
        await pilot.press(*"mine", "enter")
        await pilot.pause()
        [first] = saves(app)  # not listed yet: nothing to replace
        assert (first.kind, first.name, first.trigger, first.event_name, first.overwrite) == (
            "flow", TRIGGER, TRIGGER, "mine", False)
        pane.set_events(listed)  # the App saved it and lists it
        await pilot.pause()
        assert pane.payload_name == "mine"  # the pane asked to save it: it is the one in the editor now
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.query(Input), "the save dialog again")
        assert app.screen.query_one(Input).value == "mine"
        await pilot.press("enter")
        await pilot.pause()
        assert len(saves(app)) == 1  # it exists: the pane asks before replacing it
        await pilot.press("y")
        await pilot.pause()
        assert saves(app)[-1].overwrite is True and saves(app)[-1].kind == "flow"


# -- a trigger's flow --------------------------------------------------------------------------


async def test_set_flow_names_the_bound_actions_and_run_asks_for_the_flow(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, ["add-claims", "deny-blocked"], events)
        await pilot.pause()
        assert pane.target == ("flow", TRIGGER)
        assert "post-login flow: add-claims → deny-blocked" in pane.border_subtitle
        assert pane.request_run() is True
        await pilot.pause()
        [run] = asked(app)
        assert (run.kind, run.name, run.trigger, run.payload_name) == ("flow", TRIGGER, TRIGGER, events[0].name)
        assert run.event == json.loads(events[0].path.read_text())


async def test_an_empty_flow_says_how_to_bind_and_posts_nothing(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, [], events)
        await pilot.pause()
        editor(app).focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not asked(app)
        problem = pane.problem
        assert "no action is bound to post-login" in problem and "space" in problem, problem
        assert problem in text_of(app.query_one("#tester-problem", Static))


async def test_a_real_flow_with_a_deny_shows_each_step(events):
    event = json.loads(events[0].path.read_text())
    flow = await run_flow(event, ("add-claims", CLAIMS), ("deny-blocked", GATE), ("after", AFTER))
    assert [a.name for a in flow.actions] == ["add-claims", "deny-blocked"]
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, ["add-claims", "deny-blocked", "after"], events)
        pane.show_action_result(flow, events[0].name, event)
        await pilot.pause()
        screen = screen_text(app)
        for words in ("⛔ denied access_denied", "in deny-blocked", "add-claims", "▶2. deny-blocked",
                      "after", "not run", "blocked by policy", "api.access.deny", "api.accessToken.setCustomClaim"):
            assert words in screen, f"{words!r} is not on screen:\n{screen}"
        # Each step's detail sits on a line of its own, so the result column does not cut it.
        for words in ("denied: blocked by policy", "deny-blocked denied the transaction",
                      "access token +https://example.com/plan"):
            assert words in screen, f"{words!r} is cut on screen:\n{screen}"
        [record] = pane.history.for_hook(TRIGGER, "flow")
        assert record.kind == "flow" and record.verdict == "denied"


async def test_two_runs_of_a_flow_compare(events):
    event = json.loads(events[0].path.read_text())
    passes = await run_flow(event, ("add-claims", CLAIMS), ("after", AFTER))
    denied = await run_flow(event, ("add-claims", CLAIMS), ("deny-blocked", GATE))
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, ["add-claims", "after"], events)
        pane.show_action_result(passes, "default", event)
        pane.show_action_result(denied, "default", event)
        await pilot.pause()
        app.query_one("#tester-result").focus()  # the editor keeps ctrl+d (delete right)
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, TextViewDialog), "the compare dialog")
        body = text_of(app.screen.query_one("#text", Static))
        assert "-status: success" in body and "+status: denied" in body
        assert "+  2. deny-blocked denied" in body


async def test_back_to_a_hook_runs_the_hook(events, tmp_path: Path):
    hook_payload = tmp_path / "p.json"
    hook_payload.write_text('{"hook": true}\n')
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, ["add-claims"], events)
        pane.set_hook("token", "credentials-exchange",
                      [SamplePayload("credentials-exchange", "default", hook_payload, "sample")])
        await pilot.pause()
        assert pane.border_title == "Payload"
        assert pane.request_run() is True
        await pilot.pause()
        [run] = [m for m in app.messages if isinstance(m, RunRequested)]
        assert (run.hook, run.payload) == ("token", {"hook": True})
        assert not asked(app)


async def test_binding_an_action_clears_the_empty_flows_problem(events):
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, [], events)
        await pilot.pause()
        assert pane.request_run() is False
        await pilot.pause()
        assert "no action is bound" in pane.problem
        pane.set_flow(TRIGGER, ["add-claims"], events)  # the App re-sends the flow after a bind
        await pilot.pause()
        assert pane.problem == ""
        assert "post-login flow: add-claims ·" in pane.border_subtitle
        assert pane.request_run() is True


async def test_a_flow_result_reads_at_80x24(events):
    denied = {"code": "access_denied", "reason": "blocked by policy", "user_message": None}
    first = made("add-claims", "r1", claims={"https://x/plan": "gold"})
    gate = ActionResult("deny-blocked", TRIGGER, "r2", "success", [{"method": "access.deny", "args": ["blocked by policy"]}],
                        {"denied": denied}, None, [], 0.9, [])
    flow = FlowResult(TRIGGER, [first, gate], [{"action": "after", "reason": "deny-blocked denied the transaction"}], 3.0)
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = pane_of(app)
        pane.set_flow(TRIGGER, ["add-claims", "deny-blocked", "after"], events)
        pane.show_action_result(flow, "default", {})
        pane.show_view("result")
        await pilot.pause()
        screen = screen_text(app)
        for words in ("⛔ denied access_denied", "1. add-claims", "▶2. deny-blocked", "after", "not run"):
            assert words in screen, f"{words!r} is not on screen at 80x24:\n{screen}"
