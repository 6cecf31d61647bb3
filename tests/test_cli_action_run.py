"""`hooktui run` on actions and flows, as a user runs it: a real subprocess, real `node`, a
workspace in deploy-cli's directory format. Assertions on exit codes, the --json object, what the
terminal says, and that no secret value is ever printed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from test_cli import Cli

FIXTURE = Path(__file__).parent / "fixtures" / "actions-export"
SECRET = "s3cr3t-value-8d41c2"


def write_action(root: Path, name: str, code: str, trigger: str = "post-login", *, version: str = "v3",
                 secrets: dict[str, str | None] | None = None) -> None:
    (root / "actions" / name).mkdir(parents=True, exist_ok=True)
    (root / "actions" / name / "code.js").write_text(code)
    items = [{"name": k, **({"value": v} if v is not None else {})} for k, v in (secrets or {}).items()]
    (root / "actions" / f"{name}.json").write_text(json.dumps({
        "name": name, "code": f"./actions/{name}/code.js", "runtime": "node22", "dependencies": [],
        "secrets": items, "supported_triggers": [{"id": trigger, "version": version}], "deployed": True,
    }, indent=2))


def bind(root: Path, trigger: str, *names: str) -> None:
    path = root / "triggers" / "triggers.json"
    path.parent.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[trigger] = [{"action_name": n, "display_name": n} for n in names]
    path.write_text(json.dumps(data, indent=2))


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    write_action(root, "plan-claim", """exports.onExecutePostLogin = async (event, api) => {
  console.log('plan for', event.user.email, 'key', event.secrets.API_KEY);
  api.accessToken.setCustomClaim('https://acme.io/plan', event.user.app_metadata.plan || 'free');
};
""", secrets={"API_KEY": SECRET})
    write_action(root, "roles-claim", """exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://acme.io/roles', (event.authorization || {}).roles || []);
};
""")
    write_action(root, "block-blocked", """exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.blocked) api.access.deny('blocked by policy ' + event.secrets.API_KEY);
};
""", secrets={"API_KEY": SECRET})
    write_action(root, "after-deny", """exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://acme.io/late', true);
};
""")
    bind(root, "post-login", "plan-claim", "roles-claim", "block-blocked", "after-deny")
    return root


@pytest.fixture
def cli(ws: Path, tmp_path: Path) -> Cli:
    return Cli(ws, tmp_path / "config")


def test_an_action_runs_on_its_triggers_default_event(cli):
    code, out, err = cli.json("run", "plan-claim")
    assert code == 0, err
    assert out["kind"] == "action" and out["status"] == "success"
    assert out["commands"] == [{"method": "accessToken.setCustomClaim", "args": ["https://acme.io/plan", "free"]}]
    assert out["outcome"]["access_token_claims"] == {"https://acme.io/plan": "free"}
    assert out["outcome"]["denied"] is None and out["error"] is None
    # The action logged its secret: masked in the logs, as everywhere.
    [line] = [entry["message"] for entry in out["logs"]]
    assert line.startswith("plan for j+smith@example.com key ") and SECRET not in json.dumps(out)


def test_the_terminal_names_what_the_application_receives(cli):
    proc = cli("run", "plan-claim")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "running action plan-claim (post-login v3) with event default (sample)"
    assert '  api.accessToken.setCustomClaim("https://acme.io/plan", "free")' in lines
    assert 'access token claims: {"https://acme.io/plan": "free"}' in lines
    assert SECRET not in proc.stdout + proc.stderr


def test_a_flow_runs_in_binding_order_and_a_deny_stops_it(cli, ws):
    event = json.loads((Path(__file__).parents[1] / "sample_payloads" / "actions" / "post-login"
                        / "01-default.json").read_text())
    event["user"]["app_metadata"] = {"plan": "pro", "blocked": True}
    event["authorization"] = {"roles": ["admin"]}
    code, out, err = cli.json("run", "--trigger", "post-login", "--payload", "-", input=json.dumps(event))
    assert code == 1, err  # denied: the application gets an error
    assert out["kind"] == "flow" and out["status"] == "success"
    assert [a["action"] for a in out["actions"]] == ["plan-claim", "roles-claim", "block-blocked"]
    assert [c["method"] for c in out["commands"]] == [
        "accessToken.setCustomClaim", "idToken.setCustomClaim", "access.deny"]
    assert out["not_run"] == [{"action": "after-deny", "reason": "block-blocked denied the transaction"}]
    denied = out["outcome"]["denied"]
    assert denied["code"] == "access_denied" and denied["reason"].startswith("blocked by policy ")
    assert SECRET not in json.dumps(out)

    event["user"]["app_metadata"]["blocked"] = False
    code, out, _ = cli.json("run", "--trigger", "post-login", "--payload", "-", input=json.dumps(event))
    assert code == 0 and out["outcome"]["denied"] is None and out["not_run"] == []
    # Claims of every action add up in what the application receives.
    assert out["outcome"]["access_token_claims"] == {"https://acme.io/plan": "pro"}
    assert out["outcome"]["id_token_claims"] == {"https://acme.io/roles": ["admin"], "https://acme.io/late": True}


def test_a_denied_flow_reads_as_one_on_the_terminal(cli, ws, tmp_path):
    saved = ws / "payloads" / "actions" / "post-login" / "blocked-user.json"
    saved.parent.mkdir(parents=True)
    event = json.loads((Path(__file__).parents[1] / "sample_payloads" / "actions" / "post-login"
                        / "01-default.json").read_text())
    event["user"]["app_metadata"] = {"blocked": True}
    saved.write_text(json.dumps(event))
    proc = cli("run", "--trigger", "post-login", "--payload", "blocked-user")
    assert proc.returncode == 1
    out = proc.stdout
    assert "running the post-login flow (plan-claim, roles-claim, block-blocked, after-deny) with event " \
           "blocked-user (payloads/actions/post-login/blocked-user.json)" in out
    assert "3. block-blocked  denied" in out
    assert "-  after-deny     not run: block-blocked denied the transaction" in out
    assert "denied: access_denied: blocked by policy ***" in out
    assert "no token is issued" in out and SECRET not in out + proc.stderr


def test_a_failing_action_says_where_and_fails_the_run(cli, ws):
    write_action(ws, "broken", "exports.onExecutePostLogin = async (event, api) => {\n"
                               "  const plan = event.user.nothing.plan;\n};\n")
    code, out, _ = cli.json("run", "broken")
    assert code == 1 and out["status"] == "error"
    assert out["error"]["name"] == "TypeError" and "plan" in out["error"]["message"]
    assert out["location"]["line"] == 2
    proc = cli("run", "broken")
    assert proc.returncode == 1
    assert "  at actions/broken/code.js:2:" in proc.stdout


def test_a_syntax_error_is_the_runs_error_with_its_place(cli, ws):
    write_action(ws, "syntax", "exports.onExecutePostLogin = async (event, api) => {\n  if (\n};\n")
    proc = cli("run", "syntax")
    assert proc.returncode == 1
    assert "SyntaxError: Unexpected token '}'" in proc.stdout and "  at actions/syntax/code.js:3:1" in proc.stdout


def test_an_action_that_cannot_run_is_refused_with_its_problems(cli, ws):
    write_action(ws, "future", "exports.onExecutePostLogin = async (event, api) => {};\n", version="v9")
    proc = cli("run", "future")
    assert proc.returncode == 2
    assert "action 'future' cannot run until these are fixed" in proc.stderr
    assert "actions/future.json:" in proc.stderr and "v9" in proc.stderr


def test_a_name_a_hook_and_an_action_share_needs_kind(cli, ws):
    (ws / "hooks").mkdir()
    (ws / "hooks" / "plan-claim.js").write_text("module.exports = function (client, scope, audience, context, cb) "
                                                "{ cb(null, { scope }); };\n")
    (ws / "hooks" / "plan-claim.json").write_text(json.dumps({
        "name": "plan-claim", "triggerId": "credentials-exchange", "enabled": False, "script": "./plan-claim.js",
        "dependencies": {}, "secrets": {}}))
    proc = cli("run", "plan-claim")
    assert proc.returncode == 2
    assert "both a hook (hooks/plan-claim.json) and an action (actions/plan-claim.json)" in proc.stderr
    assert "--kind" in proc.stderr
    code, out, _ = cli.json("run", "plan-claim", "--kind", "action")
    assert code == 0 and out["kind"] == "action"
    code, out, _ = cli.json("run", "plan-claim", "--kind", "hook")
    assert code == 0 and out["hook"] == "plan-claim" and out["status"] == "success" and "scope" in out["data"]


def test_events_are_picked_by_name_and_an_unknown_one_lists_them(cli):
    code, out, _ = cli.json("run", "roles-claim", "--payload", "admin-with-roles-and-mfa")
    assert code == 0
    [command] = out["commands"]
    assert command["method"] == "idToken.setCustomClaim" and command["args"][1]  # the sample's roles
    proc = cli("run", "roles-claim", "--payload", "no-such-event")
    assert proc.returncode == 2
    assert "no post-login payload with that name; available: default, social-login" in proc.stderr


def test_a_name_and_a_trigger_together_are_refused(cli):
    proc = cli("run", "plan-claim", "--trigger", "post-login")
    assert proc.returncode == 2 and "give a name or --trigger, not both" in proc.stderr
    proc = cli("run", "--trigger", "pre-user-registration")
    assert proc.returncode == 2 and "no action is bound to pre-user-registration" in proc.stderr


def test_a_secret_without_a_value_is_said_and_the_export_runs(tmp_path):
    ws = Path(shutil.copytree(FIXTURE, tmp_path / "export"))
    cli = Cli(ws, tmp_path / "config")
    proc = cli("run", "--trigger", "post-login")
    assert proc.returncode == 0, proc.stderr
    assert "secret AUDIT_TOKEN of log-login has no value in actions/log-login.json" in proc.stderr
    assert "1. add-roles-claim" in proc.stdout and "2. log-login" in proc.stdout
