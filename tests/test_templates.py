"""Starter templates and the example workspace's hooks: valid CommonJS, the right parameters, and
one call of `cb` on every path, checked by running them through the real executor on `node`."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from hooktui.core import resources
from hooktui.core.files import dump_json
from hooktui.core.payloads import default_payload, find_payload, sample_payloads, workspace_payloads
from hooktui.core.results import LogEvent, RunResult
from hooktui.core.templates import template_for
from hooktui.core.triggers import TRIGGERS, Trigger
from hooktui.core.workspace import Workspace
from hooktui.runtime import contracts
from hooktui.runtime.executor import Executor, find_node, node_environment

EXAMPLE = resources.data_path("examples/workspace")
HOOK_FILES = sorted((EXAMPLE / "hooks").glob("*.json"))
HOOK_NAMES = [p.stem for p in HOOK_FILES]

# Seconds before a run that never calls cb is stopped (crash == "timeout"); every hook here answers
# within milliseconds, so this only bounds how long a broken hook takes to fail its test.
RUN_TIMEOUT = 5.0

_EXPORT = re.compile(r"module\.exports\s*=\s*function\s*\w*\s*\(([^)]*)\)")


def node_check(path: Path) -> None:
    # find_node() raises NodeNotFound (with how to install Node.js) instead of letting the test skip.
    proc = subprocess.run(
        [find_node(), "--check", str(path)], capture_output=True, text=True, env=node_environment(), timeout=30
    )
    assert proc.returncode == 0, proc.stderr


def open_workspace(root: Path) -> Workspace:
    # env={}: keywords come from hooktui.toml only, not from an AUTH0_KEYWORD_REPLACE_MAPPINGS
    # that happens to be set where the tests run.
    ws = Workspace.open(root, env={})
    assert ws.problems == [], ws.problems
    return ws


def copy_example(dest: Path) -> Workspace:
    """A private copy of the example workspace, opened as `hooktui -C <copy>` would open it."""
    shutil.copytree(EXAMPLE, dest)
    return open_workspace(dest)


class LateEvents:
    """What finished runs did afterwards: a cb called again after its run had been answered."""

    def __init__(self, ex: Executor) -> None:
        self.events: list[LogEvent] = []
        ex.subscribe(lambda e: self.events.append(e) if e.late else None)

    def of(self, result: RunResult) -> list[str]:
        return [e.text for e in self.events if e.run_id == result.run_id]


def assert_cb_called_once(case_id: str, result: RunResult, late: LateEvents) -> None:
    """cb was called, exactly once, and the hook neither threw nor crashed."""
    assert result.crash is None, (case_id, result.crash, result.error_message)  # "timeout": cb never called
    assert not [w for w in result.warnings if "cb was called" in w], (case_id, result.warnings)
    # Nor any other warning of the run itself (a throw instead of cb(err), a rejected promise, a result
    # that is not JSON). What contracts.check says about the result is judged by each test: it warns,
    # for instance, when a credentials-exchange result passes on an absent scope, as the template does.
    runtime = [w for w in result.warnings if w not in contracts.check(result.trigger, result.envelope)]
    assert runtime == [], (case_id, runtime)
    assert late.of(result) == [], (case_id, late.of(result))


def error_of(result: RunResult) -> dict[str, Any]:
    """The error a hook passed to cb, as Auth0 answered it: name, message and friendlyMessage."""
    assert not result.ok, result.envelope
    data = result.data
    return {"name": data["name"], "message": data["message"], "friendlyMessage": data.get("friendlyMessage")}


def exported_params(source: str) -> tuple[str, ...]:
    match = _EXPORT.search(source)
    assert match, "no `module.exports = function (...)`"
    return tuple(p.strip() for p in match.group(1).split(",") if p.strip())


# --- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", list(Trigger))
def test_template_is_valid_commonjs(trigger, tmp_path):
    path = tmp_path / f"{trigger.value}.js"
    path.write_text(template_for(trigger))
    node_check(path)


@pytest.mark.parametrize("trigger", list(Trigger))
def test_template_parameters_are_the_triggers(trigger):
    source = template_for(trigger)
    assert exported_params(source) == TRIGGERS[trigger].params
    assert source.startswith("/**\n")
    for param in TRIGGERS[trigger].params:
        assert re.search(rf"@param \{{\w+(\|\w+)?\}} {param} - ", source), param


def test_template_accepts_a_trigger_id_string():
    assert template_for("send-phone-message") == template_for(Trigger.SEND_PHONE_MESSAGE)
    with pytest.raises(ValueError, match="unknown trigger"):
        template_for("pre-login")


async def test_templates_call_cb_exactly_once_on_every_sample(tmp_path):
    # Each template saved as a new hook (Workspace.create_hook), then run on every shipped sample.
    ws = open_workspace(tmp_path)
    for trigger in Trigger:
        ws.create_hook(trigger.value, trigger, template_for(trigger))
    results: dict[str, RunResult] = {}
    async with Executor(ws, timeout=RUN_TIMEOUT) as ex:
        late = LateEvents(ex)
        for trigger in Trigger:
            samples = sample_payloads(trigger)
            assert samples, trigger
            for sample in samples:
                case_id = f"{trigger.value}/{sample.name}"
                results[case_id] = await ex.run(trigger.value, sample.load())
    for case_id, res in results.items():
        assert_cb_called_once(case_id, res, late)
        assert res.ok, (case_id, res.error_message)

    assert results["credentials-exchange/default"].data == {"scope": ["read:connections"]}
    pre = results["pre-user-registration/default"].data
    assert pre == {"user": {"user_metadata": {"hobby": "surfing"}, "app_metadata": {"plan": "full"}}}
    assert "MessageID" in results["send-phone-message/default"].data


# --- the example workspace --------------------------------------------------------------------


def load_hook(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLE / "hooks" / f"{name}.json").read_text())


def test_one_enabled_hook_per_trigger():
    triggers = sorted(load_hook(n)["triggerId"] for n in HOOK_NAMES)
    assert triggers == sorted(t.value for t in Trigger)
    assert sorted(HOOK_NAMES) == sorted(
        ["token-claims", "signup-deny-list", "welcome-notification", "password-change-audit", "sms-provider"]
    )


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_example_hook_json_is_deploy_cli_format(name):
    path = EXAMPLE / "hooks" / f"{name}.json"
    text = path.read_text()
    hook = json.loads(text)
    assert text == dump_json(hook)  # 2-space indent
    assert set(hook) == {"name", "triggerId", "enabled", "script", "dependencies", "secrets"}
    assert hook["name"] == name
    assert hook["script"] == f"./{name}.js"
    assert hook["triggerId"] in {t.value for t in Trigger}
    assert hook["enabled"] is True
    assert hook["dependencies"] == {}  # built-ins only: runs anywhere without npm install
    assert all(isinstance(v, str) for v in hook["secrets"].values())
    assert len(hook["secrets"]) <= 20
    assert re.fullmatch(r"[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?", name)


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_example_hook_script_is_valid_and_plain(name):
    path = EXAMPLE / "hooks" / f"{name}.js"
    node_check(path)
    source = path.read_text()
    trigger = Trigger(load_hook(name)["triggerId"])
    assert exported_params(source) == TRIGGERS[trigger].params
    assert set(re.findall(r"require\(['\"]([^'\"]+)['\"]\)", source)) <= {"https", "http", "url", "crypto"}
    # the runtime defines the error classes; a hook must not shadow them
    for cls in {name for info in TRIGGERS.values() for name in info.error_classes}:
        assert not re.search(rf"(class|function|var|let|const)\s+{cls}\b", source)
    assert 20 <= len(source.splitlines()) <= 60


def test_hooktui_toml():
    config = tomllib.loads((EXAMPLE / "hooktui.toml").read_text())
    assert config["tenant"]["domain"] == "example-tenant.us.auth0.com"
    assert config["executor"]["timeout"] == 20
    keywords = config["keywords"]
    sources = "".join((EXAMPLE / "hooks" / f"{n}.js").read_text() for n in HOOK_NAMES)
    for key in keywords:
        assert f"##{key}##" in sources or f"@@{key}@@" in sources, key
    assert "##DENIED_DOMAIN##" in (EXAMPLE / "hooks" / "signup-deny-list.js").read_text()


def test_secrets_that_reach_the_network_default_to_dry_run():
    # Keeps test and demo runs offline: the hooks that make requests only do so without DRY_RUN.
    for name in ("welcome-notification", "sms-provider"):
        assert load_hook(name)["secrets"]["DRY_RUN"] == "true"
    assert load_hook("welcome-notification")["secrets"]["SLACK_WEBHOOK_URL"].startswith("https://")
    assert {"SMS_API_KEY", "SMS_FROM"} <= set(load_hook("sms-provider")["secrets"])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def example_runs(tmp_path_factory) -> dict[str, RunResult]:
    """Every example hook run on every payload it can pick, from a copy of the example workspace:
    keywords replaced and secrets taken from each hook's .json by the workspace, as in real use."""
    ws = copy_example(tmp_path_factory.mktemp("example-runs") / "workspace")
    assert sorted(h.deployed_name for h in ws.hooks) == sorted(HOOK_NAMES)
    results: dict[str, RunResult] = {}
    async with Executor(ws, timeout=RUN_TIMEOUT) as ex:
        late = LateEvents(ex)
        for hook in ws.hooks:
            name = hook.deployed_name
            for payload in workspace_payloads(ws.root, name, hook.trigger) + sample_payloads(hook.trigger):
                case_id = f"{name}/{payload.name}"
                assert case_id not in results, case_id
                results[case_id] = await ex.run(name, payload.load())
    for case_id, res in results.items():
        assert_cb_called_once(case_id, res, late)
        assert res.warnings == [], (case_id, res.warnings)  # nothing Auth0 would drop or refuse either
    return results


def test_every_example_hook_calls_cb_exactly_once_on_every_payload(example_runs):
    # The fixture has checked each run (one cb, no crash, no warning); here: every hook has runs.
    assert {case_id.split("/")[0] for case_id in example_runs} == set(HOOK_NAMES)
    for case_id, res in example_runs.items():
        assert res.crash is None, (case_id, res.crash)
        assert not [w for w in res.warnings if "cb was called" in w], (case_id, res.warnings)


def result_of(runs: dict[str, RunResult], case_id: str) -> Any:
    res = runs[case_id]
    assert res.ok, (case_id, res.error_message)
    return res.data


def test_token_claims(example_runs):
    full = result_of(example_runs, "token-claims/default")
    assert full == {
        "scope": ["read:connections", "read:reports"],
        "https://example.com/plan": "full",
        "https://example.com/tenant": "my-tenant",
    }
    free = result_of(example_runs, "token-claims/free-plan-extra-scopes")
    assert free["scope"] == ["read:users"]
    assert free["https://example.com/plan"] == "free"
    assert free["https://example.com/tenant"] == "acme"
    assert result_of(example_runs, "token-claims/no-metadata")["https://example.com/plan"] == "free"
    assert result_of(example_runs, "token-claims/no-scope")["scope"] == ["read:reports"]
    blocked = error_of(example_runs["token-claims/blocked-client"])
    assert blocked["name"] == "InvalidRequestError"


def test_signup_deny_list(example_runs):
    for case in ("signup-deny-list/blocked-domain", "signup-deny-list/competitor-domain"):
        err = error_of(example_runs[case])
        assert err == {
            "name": "PreUserRegistrationError",
            "message": "Denied user registration in Pre-User Registration Hook",
            "friendlyMessage": "Please sign up with your work email",
        }, case
    default = result_of(example_runs, "signup-deny-list/default")
    assert default == {
        "user": {
            "user_metadata": {"hobby": "surfing"},
            "app_metadata": {"plan": "trial", "signup_source": "Username-Password-Authentication"},
        }
    }
    referral = result_of(example_runs, "signup-deny-list/referral-code")["user"]
    assert referral["app_metadata"]["referral_code"] == "FRIEND-7Q2K"
    assert "referral_code" not in referral["user_metadata"]
    phone = result_of(example_runs, "signup-deny-list/phone-signup")["user"]
    assert phone["app_metadata"] == {"plan": "trial", "signup_source": "sms"}
    for res in example_runs.values():
        user = res.data.get("user") if res.ok and isinstance(res.data, dict) else None
        if isinstance(user, dict):  # Auth0 rejects metadata keys that start with $ or contain a dot
            for meta in user.values():
                assert not any(k.startswith("$") or "." in k for k in meta)


def test_post_hooks_answer_nothing(example_runs):
    # cb() without a result: for the user triggers Auth0's adapter answers an empty object.
    post = [c for c in example_runs if c.startswith(("welcome-notification/", "password-change-audit/"))]
    assert post
    for case_id in post:
        assert example_runs[case_id].envelope == {"status": "success", "data": {}}, case_id


def test_welcome_notification_logs_the_message_it_would_send(example_runs):
    logs = [e.text for e in example_runs["welcome-notification/default"].logs]
    message = json.loads(logs[0].removeprefix("welcome-notification: "))
    assert message["text"] == "[dev] New user: user1 signed up with Username-Password-Authentication"
    assert "dry run" in logs[-1]


def test_password_change_audit_logs_one_masked_line(example_runs):
    (event,) = example_runs["password-change-audit/non-ascii-email"].logs
    assert event.level == "info"
    assert json.loads(event.text) == {
        "event": "password_changed",
        "user_id": "65c9e1f2a3b4c5d6e7f80912",
        "email": "z***@bücher.example",
        "connection": "Username-Password-Authentication",
        "changed_at": "2025-01-14T19:03:55.412Z",
    }


def test_sms_provider(example_runs):
    assert result_of(example_runs, "sms-provider/default") == {"MessageID": "dry-run-123456"}
    assert result_of(example_runs, "sms-provider/voice-call") == {"MessageID": "dry-run-482913"}
    assert example_runs["sms-provider/no-client"].ok, example_runs["sms-provider/no-client"].error_message
    err = error_of(example_runs["sms-provider/invalid-recipient"])
    assert err["name"] == "SendPhoneMessageError"
    assert "call me maybe" in err["message"]


def test_readme_commands_name_real_hooks_and_payloads():
    readme = (EXAMPLE / "README.md").read_text()
    commands = re.findall(r"hooktui -C examples/workspace run (\S+)(?: --payload (\S+))?", readme)
    assert commands
    for hook_name, payload in commands:
        assert hook_name in HOOK_NAMES
        trigger = load_hook(hook_name)["triggerId"]
        if payload:
            find_payload(payload, trigger, EXAMPLE, hook_name)
        else:
            default_payload(trigger)


async def test_welcome_notification_survives_a_failed_post(tmp_path):
    # A closed port on loopback: the request fails at once, offline, and cb() still runs once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ws = copy_example(tmp_path / "workspace")
    hook = ws.hook("welcome-notification")
    secrets = {**hook.secrets, "SLACK_WEBHOOK_URL": f"https://127.0.0.1:{port}/hook", "DRY_RUN": "false"}
    payload = default_payload("post-user-registration").load()
    async with Executor(ws, timeout=8) as ex:
        late = LateEvents(ex)
        res = await ex.run("welcome-notification", payload, secrets=secrets)
    assert_cb_called_once("welcome-notification/post", res, late)
    assert res.envelope == {"status": "success", "data": {}}
    assert any(e.level == "error" and "Slack post failed" in e.text for e in res.logs), [e.text for e in res.logs]
