"""Starter templates and the example workspace's hooks: valid CommonJS, the right parameters, and
one call of `cb` on every path, checked with the real `node`."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hooktui.core import resources
from hooktui.core.files import dump_json
from hooktui.core.payloads import default_payload, find_payload, sample_payloads, workspace_payloads
from hooktui.core.templates import template_for
from hooktui.core.triggers import TRIGGERS, Trigger

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not on PATH")

EXAMPLE = resources.data_path("examples/workspace")
HOOK_FILES = sorted((EXAMPLE / "hooks").glob("*.json"))
HOOK_NAMES = [p.stem for p in HOOK_FILES]

# Node parses the whole CA bundle at start when this is set (~80 ms each); nothing here uses TLS.
NODE_ENV = {k: v for k, v in os.environ.items() if k != "NODE_EXTRA_CA_CERTS"}

_EXPORT = re.compile(r"module\.exports\s*=\s*function\s*\w*\s*\(([^)]*)\)")

# Runs each case in one node process: defines the error classes Auth0 injects, calls the hook
# with the payload's arguments, and records every call of cb (and anything thrown).
HARNESS = r"""
const fs = require('fs');
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
for (const name of ['InvalidRequestError', 'InvalidScopeError', 'ServerError',
                    'PreUserRegistrationError', 'SendPhoneMessageError']) {
  global[name] = class extends Error {
    constructor(message, friendlyMessage) {
      super(message);
      this.name = name;
      this.friendlyMessage = friendlyMessage || message;
    }
  };
}
function argsFor(trigger, body, secrets) {
  const context = Object.assign({}, body.context, { webtask: { secrets: secrets } });
  switch (trigger) {
    case 'credentials-exchange': return [body.client, body.scope, body.audience, context];
    case 'send-phone-message': return [body.recipient, body.text, context];
    default: return [body.user, context];
  }
}
let logs = [];
for (const level of ['log', 'info', 'warn', 'error']) {
  console[level] = (...args) => logs.push(args.map(String).join(' '));
}
function runCase(c) {
  logs = [];
  return new Promise((resolve) => {
    const calls = [];
    let thrown = null;
    let settled = false;
    let deadline = null;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ id: c.id, calls, thrown, logs });
    };
    const cb = (err, result) => {
      // a second, late call of cb must be caught too: wait a little after the first
      if (calls.length === 0) setTimeout(settle, 50);
      calls.push(err
        ? { error: { name: err.name, message: err.message, friendlyMessage: err.friendlyMessage } }
        : { result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
    };
    try {
      require(c.script).apply(null, argsFor(c.trigger, c.body, c.secrets).concat([cb]));
    } catch (e) {
      thrown = String(e && e.stack || e);
    }
    if (!settled) deadline = setTimeout(settle, c.deadline_ms || 1000);
  });
}
(async () => {
  const out = [];
  for (const c of cases) out.push(await runCase(c));
  fs.writeFileSync(process.argv[1], JSON.stringify(out));
})();
"""


def run_cases(tmp_path: Path, cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [NODE, "-e", HARNESS, str(out)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        env=NODE_ENV,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return {r["id"]: r for r in json.loads(out.read_text())}


def node_check(path: Path) -> None:
    proc = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, env=NODE_ENV, timeout=30)
    assert proc.returncode == 0, proc.stderr


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


def test_templates_call_cb_exactly_once_on_every_sample(tmp_path):
    cases = []
    for trigger in Trigger:
        script = tmp_path / f"{trigger.value}.js"
        script.write_text(template_for(trigger))
        for sample in sample_payloads(trigger):
            cases.append(
                {
                    "id": f"{trigger.value}/{sample.name}",
                    "script": str(script),
                    "trigger": trigger.value,
                    "body": sample.load(),
                    "secrets": {},
                }
            )
    results = run_cases(tmp_path, cases)
    for case in cases:
        res = results[case["id"]]
        assert res["thrown"] is None, (case["id"], res["thrown"])
        assert len(res["calls"]) == 1, (case["id"], res["calls"])
        assert "error" not in res["calls"][0], (case["id"], res["calls"])

    cc = results["credentials-exchange/default"]["calls"][0]["result"]
    assert cc == {"scope": ["read:connections"]}
    pre = results["pre-user-registration/default"]["calls"][0]["result"]
    assert pre == {"user": {"user_metadata": {"hobby": "surfing"}, "app_metadata": {"plan": "full"}}}
    assert "MessageID" in results["send-phone-message/default"]["calls"][0]["result"]


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


def replace_keywords(text: str, keywords: dict[str, Any]) -> str:
    for key, value in keywords.items():
        text = text.replace(f"##{key}##", str(value)).replace(f"@@{key}@@", json.dumps(value))
    return text


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Every example hook run (keywords replaced, secrets from its .json) on every payload it can pick."""
    tmp = tmp_path_factory.mktemp("example-runs")
    keywords = tomllib.loads((EXAMPLE / "hooktui.toml").read_text())["keywords"]
    cases = []
    for name in HOOK_NAMES:
        hook = load_hook(name)
        script = tmp / f"{name}.js"
        script.write_text(replace_keywords((EXAMPLE / "hooks" / f"{name}.js").read_text(), keywords))
        trigger = hook["triggerId"]
        for payload in workspace_payloads(EXAMPLE, name, trigger) + sample_payloads(trigger):
            cases.append(
                {
                    "id": f"{name}/{payload.name}",
                    "script": str(script),
                    "trigger": trigger,
                    "body": payload.load(),
                    "secrets": hook["secrets"],
                }
            )
    results = run_cases(tmp, cases)
    assert set(results) == {c["id"] for c in cases}
    return results


def test_every_example_hook_calls_cb_exactly_once_on_every_payload(example_runs):
    for case_id, res in example_runs.items():
        assert res["thrown"] is None, (case_id, res["thrown"])
        assert len(res["calls"]) == 1, (case_id, res["calls"])


def outcome(runs: dict[str, dict[str, Any]], case_id: str) -> dict[str, Any]:
    return runs[case_id]["calls"][0]


def test_token_claims(example_runs):
    full = outcome(example_runs, "token-claims/default")["result"]
    assert full == {
        "scope": ["read:connections", "read:reports"],
        "https://example.com/plan": "full",
        "https://example.com/tenant": "my-tenant",
    }
    free = outcome(example_runs, "token-claims/free-plan-extra-scopes")["result"]
    assert free["scope"] == ["read:users"]
    assert free["https://example.com/plan"] == "free"
    assert free["https://example.com/tenant"] == "acme"
    assert outcome(example_runs, "token-claims/no-metadata")["result"]["https://example.com/plan"] == "free"
    assert outcome(example_runs, "token-claims/no-scope")["result"]["scope"] == ["read:reports"]
    blocked = outcome(example_runs, "token-claims/blocked-client")["error"]
    assert blocked["name"] == "InvalidRequestError"


def test_signup_deny_list(example_runs):
    for case in ("signup-deny-list/blocked-domain", "signup-deny-list/competitor-domain"):
        err = outcome(example_runs, case)["error"]
        assert err == {
            "name": "PreUserRegistrationError",
            "message": "Denied user registration in Pre-User Registration Hook",
            "friendlyMessage": "Please sign up with your work email",
        }, case
    default = outcome(example_runs, "signup-deny-list/default")["result"]
    assert default == {
        "user": {
            "user_metadata": {"hobby": "surfing"},
            "app_metadata": {"plan": "trial", "signup_source": "Username-Password-Authentication"},
        }
    }
    referral = outcome(example_runs, "signup-deny-list/referral-code")["result"]["user"]
    assert referral["app_metadata"]["referral_code"] == "FRIEND-7Q2K"
    assert "referral_code" not in referral["user_metadata"]
    phone = outcome(example_runs, "signup-deny-list/phone-signup")["result"]["user"]
    assert phone["app_metadata"] == {"plan": "trial", "signup_source": "sms"}
    for res in example_runs.values():
        for call in res["calls"]:
            user = (call.get("result") or {}).get("user") if isinstance(call.get("result"), dict) else None
            if user:  # Auth0 rejects metadata keys that start with $ or contain a dot
                for meta in user.values():
                    assert not any(k.startswith("$") or "." in k for k in meta)


def test_post_hooks_answer_nothing(example_runs):
    for case_id, res in example_runs.items():
        if case_id.startswith(("welcome-notification/", "password-change-audit/")):
            assert res["calls"] == [{"result": None}], case_id


def test_welcome_notification_logs_the_message_it_would_send(example_runs):
    logs = example_runs["welcome-notification/default"]["logs"]
    message = json.loads(logs[0].removeprefix("welcome-notification: "))
    assert message["text"] == "[dev] New user: user1 signed up with Username-Password-Authentication"
    assert "dry run" in logs[-1]


def test_password_change_audit_logs_one_masked_line(example_runs):
    (line,) = example_runs["password-change-audit/non-ascii-email"]["logs"]
    assert json.loads(line) == {
        "event": "password_changed",
        "user_id": "65c9e1f2a3b4c5d6e7f80912",
        "email": "z***@bücher.example",
        "connection": "Username-Password-Authentication",
        "changed_at": "2025-01-14T19:03:55.412Z",
    }


def test_sms_provider(example_runs):
    assert outcome(example_runs, "sms-provider/default")["result"] == {"MessageID": "dry-run-123456"}
    assert outcome(example_runs, "sms-provider/voice-call")["result"] == {"MessageID": "dry-run-482913"}
    assert "result" in outcome(example_runs, "sms-provider/no-client")
    err = outcome(example_runs, "sms-provider/invalid-recipient")["error"]
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


def test_welcome_notification_survives_a_failed_post(tmp_path):
    # A closed port on loopback: the request fails at once, offline, and cb() still runs once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = tmp_path / "welcome-notification.js"
    script.write_text((EXAMPLE / "hooks" / "welcome-notification.js").read_text())
    case = {
        "id": "post",
        "script": str(script),
        "trigger": "post-user-registration",
        "body": default_payload("post-user-registration").load(),
        "secrets": {"SLACK_WEBHOOK_URL": f"https://127.0.0.1:{port}/hook", "DRY_RUN": "false"},
        "deadline_ms": 8000,
    }
    res = run_cases(tmp_path, [case])["post"]
    assert res["calls"] == [{"result": None}]
    assert any("Slack post failed" in line for line in res["logs"])
