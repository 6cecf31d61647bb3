"""Actions in the workspace: deploy-cli's directory format (actions/<name>.json + the code it
names), keyword replacement, and validation that reports every problem at once, each at its
file:line:column."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hooktui.core.action_edits import create_action, file_stem, write_code
from hooktui.core.action_exports import FOUND, MISSING, UNSURE, check_handler
from hooktui.core.action_templates import action_template_for
from hooktui.core.action_triggers import ACTION_TRIGGERS, RUNNABLE_TRIGGERS
from hooktui.core.actions import NOT_IN_WORKSPACE, ActionNotFound, read_code
from hooktui.core.problems import Problem, WorkspaceError
from hooktui.core.workspace import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "actions-export"
NO_ENV: dict[str, str] = {}
HANDLER = "exports.onExecutePostLogin = async (event, api) => {};\n"


def open_ws(root: Path, env: dict[str, str] | None = None) -> Workspace:
    return Workspace.open(root, env=NO_ENV if env is None else env)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "export"))


def write_action(root: Path, stem: str, meta: dict | str | None = None, js: str | bytes | None = HANDLER,
                 **fields) -> Path:
    """actions/<stem>.json (a dict is dumped with 2-space indent, a str written as is) and
    actions/<stem>/code.js, as deploy-cli's export lays them out."""
    folder = root / "actions"
    (folder / stem).mkdir(parents=True, exist_ok=True)
    if meta is None:
        meta = {"name": stem, "code": f"./actions/{stem}/code.js", "runtime": "node22", "dependencies": [],
                "secrets": [], "supported_triggers": [{"id": "post-login", "version": "v3"}], "deployed": True}
        meta.update(fields)
    text = meta if isinstance(meta, str) else json.dumps(meta, indent=2) + "\n"
    (folder / f"{stem}.json").write_text(text)
    if js is not None:
        target = folder / stem / "code.js"
        target.write_bytes(js) if isinstance(js, bytes) else target.write_text(js)
    return folder / f"{stem}.json"


def problems_of(ws: Workspace, file: str) -> list[Problem]:
    return [p for p in ws.problems if p.file == file]


def one(ws: Workspace, file: str, text: str, severity: str = "error") -> Problem:
    found = [p for p in problems_of(ws, file) if text in p.message and p.severity == severity]
    assert len(found) == 1, [str(p) for p in ws.problems]
    return found[0]


def key_line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# ---------------------------------------------------------------------------- the export opens as it is


def test_the_deploy_cli_export_opens_clean(export):
    ws = open_ws(export)
    assert ws.problems == [], [str(p) for p in ws.problems]
    assert ws.hooks == []
    by_name = {a.name: a for a in ws.actions}
    assert set(by_name) == {"add-roles-claim", "log-login", "deny-na-m2m", "seed-metadata", "welcome-webhook",
                            "audit-password-change", "sms-gateway"}
    claim = by_name["add-roles-claim"]
    assert (claim.trigger_id, claim.trigger_version, claim.runtime, claim.deployed) == ("post-login", "v3", "node22", True)
    assert claim.code_path == export / "actions" / "add-roles-claim" / "code.js"
    assert claim.handler == "onExecutePostLogin"
    assert by_name["welcome-webhook"].dependencies == {"axios": "1.7.9"}
    assert by_name["seed-metadata"].effective_runtime == "node18"
    # Every runnable trigger has an action in the export.
    assert {a.trigger_id for a in ws.actions} == set(RUNNABLE_TRIGGERS)


def test_deploy_cli_own_example_opens_as_it_is_and_says_what_it_would_refuse():
    # examples/directory of auth0-deploy-cli, byte for byte: a path relative to another folder,
    # v1 triggers, the export's secret placeholder, an action module, a binding to a missing action.
    ws = open_ws(FIXTURE.parent / "deploy-cli-example")
    assert sorted(a.name for a in ws.actions) == ["action-example", "send-phone-message"]
    found = sorted((p.file, p.line, p.severity, p.field) for p in ws.problems)
    assert found == [
        ("actions/action-example.json", 3, "error", "code"),
        ("actions/action-example.json", 14, "warning", "secrets[0].value"),
        ("actions/action-example.json", 20, "warning", "supported_triggers[0].version"),
        ("actions/send-phone-message.json", 19, "warning", "supported_triggers[0].version"),
        ("actions/send-phone-message.json", 23, "warning", "modules"),
        ("triggers/triggers.json", 14, "error", "send-phone-message[0].action_name"),
    ], [str(p) for p in ws.problems]
    assert 'did you mean "./actions/action-example/code.js"?' in next(p.message for p in ws.problems if p.field == "code")
    assert ws.bindings.action_names("post-login") == ["action-example"]


def test_a_json_file_that_is_not_utf8(tmp_path):
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "a.json").write_bytes(b'{"name": "caf\xe9"}')
    [problem] = open_ws(tmp_path).problems
    assert problem.file == "actions/a.json" and problem.message.startswith("not UTF-8")


def test_secret_placeholders_resolve_from_keywords_and_exported_secrets_have_no_value(export):
    ws = open_ws(export)
    # ##KEY## in a string and "@@KEY@@" (which swallows its quotes) both resolve from hooktui.toml.
    assert ws.action("deny-na-m2m").secret_values() == {"BLOCKED": "https://legacy.acme.io"}
    assert ws.action("welcome-webhook").secret_values() == {"WEBHOOK_URL": "https://hooks.acme.example/signup"}
    exported = ws.action("log-login")
    [secret] = exported.secrets
    assert secret.name == "AUDIT_TOKEN" and secret.value is None
    assert secret.shown == NOT_IN_WORKSPACE
    assert exported.secret_values() == {} and exported.missing_secrets() == ["AUDIT_TOKEN"]
    assert ws.action("deny-na-m2m").secrets[0].shown == "***"


def test_the_environment_overrides_keywords_as_deploy_cli_does(export):
    env = {"AUTH0_KEYWORD_REPLACE_MAPPINGS": json.dumps({"BLOCKED_AUDIENCE": "https://other.acme.io"})}
    ws = open_ws(export, env)
    assert ws.action("deny-na-m2m").secret_values() == {"BLOCKED": "https://other.acme.io"}


def test_secret_values_never_show_in_a_repr(export):
    ws = open_ws(export)
    action = ws.action("deny-na-m2m")
    assert "legacy.acme.io" not in repr(action)
    assert "legacy.acme.io" not in repr(action.secrets)


def test_code_keywords_are_replaced_when_read(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[keywords]\nGREETING = "hello"\n')
    write_action(tmp_path, "greet", js="exports.onExecutePostLogin = async () => { console.log('##GREETING##'); };\n")
    ws = open_ws(tmp_path)
    assert "console.log('hello')" in read_code(ws.action("greet"), ws.keywords)
    assert ws.problems == []


@pytest.mark.parametrize("code_ref", ["./actions/code.js", "actions\\code.js", "./separate-directory/action-code.js"])
def test_code_paths_resolve_from_the_workspace_root_as_deploy_cli_does(tmp_path, code_ref):
    # The three shapes of deploy-cli's own directory tests: unix, windows, a folder of its own.
    target = tmp_path / Path(code_ref.replace("\\", "/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(HANDLER)
    write_action(tmp_path, "action-one", js=None, code=code_ref)
    ws = open_ws(tmp_path)
    assert ws.problems == [], [str(p) for p in ws.problems]
    assert ws.action("action-one").code_path == target


def test_a_workspace_holds_hooks_and_actions_side_by_side(export):
    hooks = export / "hooks"
    hooks.mkdir()
    (hooks / "audit.json").write_text(json.dumps({"name": "audit", "triggerId": "post-change-password",
                                                  "enabled": True, "script": "./audit.js"}))
    (hooks / "audit.js").write_text("module.exports = function (user, context, cb) { cb(); };\n")
    ws = open_ws(export)
    assert [h.deployed_name for h in ws.hooks] == ["audit"]
    assert len(ws.actions) == 7 and ws.problems == []


def test_an_actions_file_instead_of_a_folder_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "actions").write_text("junk")
    ws = open_ws(tmp_path)
    [problem] = ws.problems
    assert problem.file == "actions" and "is a file" in problem.message and problem.severity == "error"


def test_unknown_action_names_close_matches(export):
    ws = open_ws(export)
    with pytest.raises(ActionNotFound, match="did you mean .log-login."):
        ws.action("log-logn")


# ---------------------------------------------------------------------------- validation


def test_unknown_trigger_is_an_error_at_its_line_with_the_closest_id(tmp_path):
    meta = write_action(tmp_path, "a", supported_triggers=[{"id": "post-logins", "version": "v3"}])
    problem = one(open_ws(tmp_path), "actions/a.json", "unknown trigger 'post-logins'")
    assert "did you mean 'post-login'" in problem.message
    assert problem.line == key_line(meta, '"id"') and problem.column is not None
    assert problem.action == "a"


def test_unknown_version_is_an_error_and_a_deprecated_one_a_warning_naming_the_current(tmp_path):
    write_action(tmp_path, "a", supported_triggers=[{"id": "post-login", "version": "v9"}])
    write_action(tmp_path, "b", supported_triggers=[{"id": "post-login", "version": "v2"}])
    write_action(tmp_path, "c", js="module.exports = async (event, context) => { return {}; };\n",
                 supported_triggers=[{"id": "credentials-exchange", "version": "v1"}])
    ws = open_ws(tmp_path)
    unknown = one(ws, "actions/a.json", "has no version 'v9'")
    assert 'use "version": "v3"' in unknown.message and unknown.field == "supported_triggers[0].version"
    deprecated = one(ws, "actions/b.json", "post-login v2 is deprecated", "warning")
    assert 'use "version": "v3"' in deprecated.message and "calls exports" not in deprecated.message
    old = one(ws, "actions/c.json", "credentials-exchange v1 is deprecated", "warning")
    assert "v2 calls exports.onExecuteCredentialsExchange(event, api)" in old.message
    # A v1 may make the module itself the handler: no handler problem for it.
    assert not [p for p in ws.problems if p.file == "actions/c/code.js"]


def test_more_than_one_supported_trigger_is_an_error(tmp_path):
    write_action(tmp_path, "a", supported_triggers=[{"id": "post-login", "version": "v3"},
                                                    {"id": "credentials-exchange", "version": "v2"}])
    one(open_ws(tmp_path), "actions/a.json", "exactly one")


@pytest.mark.parametrize(("runtime", "expected", "severity"), [
    ("node16", "Auth0 no longer offers node16", "error"),
    ("node12", "Auth0 no longer offers node12", "error"),
    ("node20", "unknown runtime 'node20'", "error"),
])
def test_a_runtime_auth0_no_longer_offers(tmp_path, runtime, expected, severity):
    meta = write_action(tmp_path, "a", runtime=runtime)
    problem = one(open_ws(tmp_path), "actions/a.json", expected, severity)
    assert '"runtime": "node22"' in problem.message
    assert (problem.line, problem.field) == (key_line(meta, '"runtime"'), "runtime")


@pytest.mark.parametrize("runtime", ["node22", "node18", "node18-actions", None])
def test_runtimes_auth0_offers_pass(tmp_path, runtime):
    write_action(tmp_path, "a", runtime=runtime)
    assert open_ws(tmp_path).problems == []


def test_code_over_100_kb_is_an_error_measured_after_keyword_replacement(tmp_path):
    (tmp_path / "hooktui.toml").write_text(f'[keywords]\nBIG = "{"x" * 2000}"\n')
    padding = "// ##BIG##\n" * 52  # 52 * 2,001 bytes once replaced: over 102,400
    write_action(tmp_path, "big", js=HANDLER + padding)
    problem = one(open_ws(tmp_path), "actions/big/code.js", "over Auth0's limit of 102,400")
    assert problem.action == "big"
    # Unreplaced, the same file is small: the limit is on what Auth0 receives.
    assert (tmp_path / "actions" / "big" / "code.js").stat().st_size < 102_400


def test_more_than_ten_dependencies_and_a_repeated_one(tmp_path):
    deps = [{"name": f"pkg-{i}", "version": "1.0.0"} for i in range(11)] + [{"name": "pkg-0", "version": "2.0.0"}]
    write_action(tmp_path, "a", dependencies=deps)
    ws = open_ws(tmp_path)
    one(ws, "actions/a.json", "12 dependencies, but Auth0 allows at most 10")
    repeated = one(ws, "actions/a.json", "'pkg-0' is listed twice")
    assert repeated.field == "dependencies[11].name"


def test_dependency_names_and_versions_follow_the_hook_rules(tmp_path):
    write_action(tmp_path, "a", dependencies=[{"name": "Lodash", "version": "latest"},
                                              {"name": "axios", "version": "1.7.9", "extra": 1}])
    ws = open_ws(tmp_path)
    one(ws, "actions/a.json", "is a dist-tag")
    one(ws, "actions/a.json", "capital letters", "warning")
    one(ws, "actions/a.json", "'extra' is not a dependency field")


def test_secrets_over_auth0_limits_never_quote_the_value(tmp_path):
    long_value = "s3cr3t-" + "v" * 4100
    secrets = [{"name": f"S{i}", "value": "x"} for i in range(30)]
    secrets += [{"name": "N" * 129, "value": "x"}, {"name": "LONG", "value": long_value}, {"name": "S0", "value": "y"}]
    write_action(tmp_path, "a", secrets=secrets)
    ws = open_ws(tmp_path)
    one(ws, "actions/a.json", "33 secrets, but Auth0 allows at most 30")
    one(ws, "actions/a.json", "the secret name is 129 characters")
    too_long = one(ws, "actions/a.json", "the value of 'LONG' is 4107 characters")
    assert too_long.field == "secrets[31].value" and too_long.line is not None
    repeated = one(ws, "actions/a.json", "secret 'S0' is listed twice")
    assert "also secrets[0]" in repeated.message
    assert not any("s3cr3t" in str(p) for p in ws.problems)


def test_an_unmapped_secret_placeholder_warns_what_deploy_cli_would_do(tmp_path):
    write_action(tmp_path, "a", secrets=[{"name": "API_KEY", "value": "##API_KEY##"}])
    ws = open_ws(tmp_path)
    problem = one(ws, "actions/a.json", "deploy-cli would set the secret to that text", "warning")
    assert problem.field == "secrets[0].value"
    assert ws.action("a").secrets[0].value is None
    # Said once: the generic "no keyword mapping" warning does not repeat it.
    assert len(problems_of(ws, "actions/a.json")) == 1


def test_a_secrets_placeholder_string_loads_as_deploy_cli_takes_it(tmp_path):
    write_action(tmp_path, "a", secrets="@@SECRETS@@")
    ws = open_ws(tmp_path)
    one(ws, "actions/a.json", "@@SECRETS@@, which has no keyword mapping", "warning")
    (tmp_path / "hooktui.toml").write_text('[keywords]\nSECRETS = [{name = "K", value = "v4lue-123"}]\n')
    ws = open_ws(tmp_path)
    assert ws.problems == [] and ws.action("a").secret_values() == {"K": "v4lue-123"}


def test_the_export_placeholder_value_is_a_warning(tmp_path):
    write_action(tmp_path, "a", secrets=[{"name": "MY_SECRET", "value": "_VALUE_NOT_SHOWN_"}])
    ws = open_ws(tmp_path)
    one(ws, "actions/a.json", "_VALUE_NOT_SHOWN_", "warning")
    assert ws.action("a").secrets[0].shown == NOT_IN_WORKSPACE


def test_a_repeated_json_key_is_reported_at_the_repeat(tmp_path):
    write_action(tmp_path, "a", meta='{\n  "name": "a",\n  "code": "./actions/a/code.js",\n  "runtime": "node22",\n'
                                     '  "supported_triggers": [{"id": "post-login", "version": "v3"}],\n'
                                     '  "runtime": "node16"\n}\n')
    ws = open_ws(tmp_path)
    problem = one(ws, "actions/a.json", '"runtime" appears twice')
    assert (problem.line, problem.column) == (6, 3)


def test_invalid_json_names_line_and_column(tmp_path):
    write_action(tmp_path, "a", meta='{\n  "name": "a",\n  "code": ,\n}\n')
    problem = one(open_ws(tmp_path), "actions/a.json", "invalid JSON")
    assert (problem.line, problem.column) == (3, 11)


def test_names_auth0_refuses(tmp_path):
    write_action(tmp_path, "empty", name="")
    write_action(tmp_path, "tab", name="bad\tname")
    write_action(tmp_path, "one", name="twin")
    write_action(tmp_path, "two", name="twin")
    meta = write_action(tmp_path, "nameless", meta={"code": "./actions/nameless/code.js",
                                                    "supported_triggers": [{"id": "post-login", "version": "v3"}]})
    ws = open_ws(tmp_path)
    one(ws, "actions/empty.json", "Auth0 refuses an action without a name")
    one(ws, "actions/tab.json", "control character")
    twins = [p for p in ws.problems if "2 actions are named 'twin'" in p.message]
    assert {p.file for p in twins} == {"actions/one.json", "actions/two.json"}
    assert all(p.line == 2 for p in twins)
    one(ws, "actions/nameless.json", 'missing "name"')
    assert meta.exists()


def test_the_handler_the_trigger_needs(tmp_path):
    write_action(tmp_path, "missing", js="exports.onExecuteCredentialsExchange = async () => {};\n")
    write_action(tmp_path, "hookish", js="module.exports = function (user, context, cb) { cb(); };\n")
    write_action(tmp_path, "built", js="module.exports = makeHandlers();\n")
    write_action(tmp_path, "literal", js="const onExecutePostLogin = async () => {};\nmodule.exports = { onExecutePostLogin };\n")
    write_action(tmp_path, "plain", js="exports.onExecutePostLogin = function (event, api) {};\n")
    write_action(tmp_path, "commented", js="// exports.onExecutePostLogin = async () => {};\n")
    ws = open_ws(tmp_path)
    missing = one(ws, "actions/missing/code.js", "does not export onExecutePostLogin")
    assert "the handler of credentials-exchange" in missing.message
    one(ws, "actions/hookish/code.js", "module.exports is a single function")
    unsure = one(ws, "actions/built/code.js", "could not find exports.onExecutePostLogin", "warning")
    assert unsure.line == 1
    assert problems_of(ws, "actions/literal/code.js") == []
    plain = one(ws, "actions/plain/code.js", "not an async function", "warning")
    assert (plain.line, plain.column) == (1, 1)
    one(ws, "actions/commented/code.js", "does not export onExecutePostLogin")


@pytest.mark.parametrize(("code", "status"), [
    ("exports.onExecutePostLogin = async function (event, api) {};", FOUND),
    ("module.exports = { async onExecutePostLogin(event, api) {} };", FOUND),
    ("module.exports.onExecutePostLogin = async () => {};", FOUND),
    ("exports['onExecutePostLogin'] = async () => {};", FOUND),
    ("exports.onExecutePostlogin = async () => {};", MISSING),
    ("export const onExecutePostLogin = async () => {};", MISSING),
    ("Object.assign(exports, require('./handlers'));", UNSURE),
    ("module.exports = { ...base };", UNSURE),
    ("module.exports = { 'onExecutePostLogin': async () => {} };", FOUND),
    ("module.exports = { get onExecutePostLogin() { return async () => {}; } };", FOUND),
    ("module.exports = { helper: { onExecutePostLogin: 1 } };", UNSURE),
])
def test_handler_shapes(code, status):
    check = check_handler(code, "onExecutePostLogin")
    assert check.status == status
    if status == FOUND and "get " in code:
        assert check.message is None  # a getter is not a non-async method


def test_code_outside_the_workspace_warns_and_still_loads(tmp_path):
    outside = tmp_path / "outside.js"
    outside.write_text(HANDLER)
    root = tmp_path / "ws"
    write_action(root, "a", js=None, code="../outside.js")
    ws = open_ws(root)
    problem = one(ws, "actions/a.json", "outside the workspace", "warning")
    assert problem.field == "code"
    action = ws.action("a")
    assert action.valid and action.code_path == outside
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        write_code(ws, action, "exports.onExecutePostLogin = async () => { /* changed */ };\n")
    assert outside.read_text() == HANDLER


def test_a_missing_code_file_says_where_deploy_cli_looks(tmp_path):
    write_action(tmp_path, "a", js=None, code="./a/code.js")
    (tmp_path / "actions" / "a" / "code.js").write_text(HANDLER)
    problem = one(open_ws(tmp_path), "actions/a.json", "code file a/code.js not found")
    assert 'from the workspace root, not from actions/: write "./actions/a/code.js"' in problem.message


def test_non_utf8_code_names_its_line(tmp_path):
    write_action(tmp_path, "a", js=HANDLER.encode() + b"// caf\xe9\n")
    problem = one(open_ws(tmp_path), "actions/a/code.js", "not UTF-8")
    assert problem.line == 2


def test_an_unmapped_keyword_in_code_warns_at_its_position(tmp_path):
    write_action(tmp_path, "a", js=HANDLER + "const url = '##API_URL##';\n")
    problem = one(open_ws(tmp_path), "actions/a/code.js", "##API_URL## has no keyword mapping", "warning")
    assert (problem.line, problem.column) == (2, 14)


def test_every_problem_of_a_file_at_once(tmp_path):
    write_action(tmp_path, "a", runtime="node16", supported_triggers=[{"id": "post-logn", "version": "v3"}],
                 dependencies=[{"name": "x", "version": "git+https://x"}], secrets=[{"name": ""}], deployed="yes")
    texts = [p.message for p in problems_of(open_ws(tmp_path), "actions/a.json")]
    for expected in ("no longer offers node16", "unknown trigger 'post-logn'", "is a git source",
                     'needs a "name" string', "must be true or false"):
        assert any(expected in t for t in texts), (expected, texts)


# ---------------------------------------------------------------------------- creating


@pytest.mark.parametrize("trigger", RUNNABLE_TRIGGERS)
def test_a_new_action_from_its_template_is_clean_and_laid_out_as_an_export(tmp_path, trigger):
    ws = open_ws(tmp_path)
    action = create_action(ws, "My Action", trigger, action_template_for(trigger))
    assert ws.problems == [], [str(p) for p in ws.problems]
    assert action.meta_path == tmp_path / "actions" / "My Action.json"
    data = json.loads(action.meta_path.read_text())
    current = ACTION_TRIGGERS[trigger].current
    assert data == {"name": "My Action", "code": "./actions/My Action/code.js", "runtime": "node22",
                    "dependencies": [], "secrets": [], "supported_triggers": [{"id": trigger, "version": current.version}],
                    "deployed": False}
    assert f"exports.{ACTION_TRIGGERS[trigger].handler} = async (event, api)" in action.code_path.read_text()


def test_a_new_action_never_overwrites(tmp_path):
    ws = open_ws(tmp_path)
    create_action(ws, "a", "post-login", HANDLER)
    with pytest.raises(WorkspaceError, match="already exists"):
        create_action(ws, "a", "post-login", "changed")
    assert (tmp_path / "actions" / "a" / "code.js").read_text() == HANDLER
    (tmp_path / "actions" / "b").mkdir()
    (tmp_path / "actions" / "b" / "code.js").write_text("mine")
    with pytest.raises(WorkspaceError, match="actions/b/code.js already exists"):
        create_action(ws, "b", "post-login", HANDLER)
    assert (tmp_path / "actions" / "b" / "code.js").read_text() == "mine"


def test_a_new_action_refuses_what_validation_would_call_an_error(tmp_path):
    ws = open_ws(tmp_path)
    with pytest.raises(WorkspaceError, match="unknown trigger"):
        create_action(ws, "a", "post-logn", HANDLER)
    with pytest.raises(WorkspaceError, match="no longer offers node16"):
        create_action(ws, "a", "post-login", HANDLER, runtime="node16")
    with pytest.raises(WorkspaceError, match="cannot name an action"):
        create_action(ws, " padded ", "post-login", HANDLER)
    assert not (tmp_path / "actions").exists()


def test_file_stems_follow_deploy_cli_sanitize():
    assert file_stem("a/b:c") == "a-b-c"
    assert file_stem("con") == "-"
    assert file_stem("trailing. ") == "trailing-"
    assert file_stem("My Action") == "My Action"


def test_write_code_lands_atomically_and_reloads(tmp_path):
    write_action(tmp_path, "a")
    ws = open_ws(tmp_path)
    write_code(ws, ws.action("a"), "module.exports = 1;\n")
    assert (tmp_path / "actions" / "a" / "code.js").read_text() == "module.exports = 1;\n"
    assert any("could not find" in p.message or "does not export" in p.message for p in ws.problems)
    assert [n for n in os.listdir(tmp_path / "actions" / "a") if n.endswith(".tmp")] == []


# ---------------------------------------------------------------------------- the CLI


def hooktui(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH0_", "HOOKTUI_")) and k != "NO_COLOR"}
    env["HOOKTUI_CONFIG_DIR"] = str(root.parent / "config")
    proc = subprocess.run([sys.executable, "-m", "hooktui", "-C", str(root), *args], capture_output=True,
                          text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")


@needs_node
def test_validate_opens_the_export_clean(export):
    proc = hooktui(export, "validate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "0 hooks, 7 actions, 0 errors, 0 warnings\n"
    assert "no hooks/ folder" not in proc.stderr
    out = json.loads(hooktui(export, "validate", "--json").stdout)
    assert (out["hooks"], out["actions"], out["errors"], out["problems"]) == (0, 7, 0, [])


@needs_node
def test_validate_reports_action_and_binding_problems_with_positions(export):
    code = export / "actions" / "log-login" / "code.js"
    code.write_text("const onExecutePostLogin = async (event, api) => {\n  let x = ;\n};\n"
                    "module.exports = { onExecutePostLogin };\n")
    meta = export / "actions" / "sms-gateway.json"
    meta.write_text(meta.read_text().replace('"node22"', '"node16"'))
    triggers = export / "triggers" / "triggers.json"
    triggers.write_text(triggers.read_text().replace('"action_name": "sms-gateway"', '"action_name": "sms-gateway2"'))
    proc = hooktui(export, "validate")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "actions/log-login/code.js:2:11: SyntaxError: Unexpected token ';'" in lines, lines
    assert any(line.startswith("actions/sms-gateway.json:4:3: runtime: Auth0 no longer offers node16") for line in lines)
    assert any(line.startswith("triggers/triggers.json:38:7: send-phone-message[0].action_name: no action named "
                               "'sms-gateway2'") for line in lines), lines
    assert lines[-1] == "0 hooks, 7 actions, 3 errors, 0 warnings"
    out = json.loads(hooktui(export, "validate", "--json").stdout)
    syntax = next(p for p in out["problems"] if p["file"] == "actions/log-login/code.js")
    assert (syntax["line"], syntax["column"], syntax["action"], syntax["hook"]) == (2, 11, "log-login", None)


@needs_node
def test_list_shows_actions_with_bindings_and_never_secret_values(export):
    proc = hooktui(export, "list")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["ACTION", "TRIGGER", "RUNTIME", "BOUND", "CODE", "DEPENDENCIES", "SECRETS", "STATE"]
    log = next(line for line in lines if line.startswith("log-login "))
    assert log.split()[:5] == ["log-login", "post-login", "node22", "2/2", "actions/log-login/code.js"]
    assert "AUDIT_TOKEN (value not in the workspace)" in log and log.endswith("ok")
    assert "legacy.acme.io" not in proc.stdout and "hooks.acme.example" not in proc.stdout
    rows = json.loads(hooktui(export, "list", "--json").stdout)
    row = next(r for r in rows if r["name"] == "deny-na-m2m")
    assert row["kind"] == "action" and row["trigger"] == "credentials-exchange" and row["version"] == "v2"
    assert row["bound"] == {"credentials-exchange": 1}
    assert row["secrets"] == [{"name": "BLOCKED", "value": "***"}]
    assert next(r for r in rows if r["name"] == "log-login")["secrets"] == [
        {"name": "AUDIT_TOKEN", "value": NOT_IN_WORKSPACE}]
    assert "legacy.acme.io" not in json.dumps(rows)


@needs_node
def test_new_action_with_bind(export):
    proc = hooktui(export, "new", "--action", "Geo Block", "--trigger", "post-login", "--bind")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:3] == ["created actions/Geo Block/code.js", "created actions/Geo Block.json",
                                            "bound to post-login as 3 of 3 in triggers/triggers.json"]
    meta = json.loads((export / "actions" / "Geo Block.json").read_text())
    assert meta["supported_triggers"] == [{"id": "post-login", "version": "v3"}] and meta["deployed"] is True
    ws = open_ws(export)
    assert ws.bindings.action_names("post-login") == ["add-roles-claim", "log-login", "Geo Block"]
    assert hooktui(export, "validate").returncode == 0


@needs_node
def test_new_action_refusals(export):
    proc = hooktui(export, "new", "--action", "log-login", "--trigger", "post-login")
    assert proc.returncode == 2 and "already exists" in proc.stderr
    proc = hooktui(export, "new", "--action", "x", "--trigger", "post-logon")
    assert proc.returncode == 2 and "unknown trigger 'post-logon'" in proc.stderr
    proc = hooktui(export, "new", "--action", "x", "--trigger", "post-login", "--enable")
    assert proc.returncode == 2 and "--enable is for hooks" in proc.stderr
    proc = hooktui(export, "new", "xyz", "--trigger", "credentials-exchange", "--bind")
    assert proc.returncode == 2 and "--bind is for actions" in proc.stderr
    # A trigger only actions have, without --action, says what to add.
    proc = hooktui(export, "new", "xyz", "--trigger", "post-login")
    assert proc.returncode == 2 and "add --action" in proc.stderr
    assert not (export / "hooks").exists() and not (export / "actions" / "x.json").exists()


def test_new_action_with_bind_refuses_before_writing_when_triggers_json_cannot_be_rewritten(tmp_path):
    from hooktui.cli.actions import new_action

    (tmp_path / "triggers").mkdir()
    (tmp_path / "triggers" / "triggers.json").write_text('{"post-login": [], "post-login": []}\n')
    ws = open_ws(tmp_path)
    with pytest.raises(WorkspaceError, match='"post-login" appears twice'):
        new_action(ws, "a", "post-login", bind=True)
    assert not (tmp_path / "actions").exists()
    assert new_action(ws, "a", "post-login", bind=False)[0] == "created actions/a/code.js"


def test_code_checks_follow_in_place_edits_and_keyword_changes(tmp_path):
    # The code checks are kept between reloads for unchanged files: an edit in place (same inode,
    # same size) or a new keyword value must still be seen.
    good = "exports.onExecutePostLogin = async () => {};\n"
    bad = "exports.onExecutePostLogix = async () => {};\n"
    write_action(tmp_path, "a", js=good)
    code = tmp_path / "actions" / "a" / "code.js"
    ws = open_ws(tmp_path)
    assert ws.problems == []
    before = code.stat()
    with open(code, "r+") as f:
        f.write(bad)
    os.utime(code, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert code.stat().st_ino == before.st_ino and code.stat().st_size == before.st_size
    ws.reload()
    assert any("does not export onExecutePostLogin" in p.message for p in ws.problems)

    code.write_text("exports.##HANDLER## = async () => {};\n")
    (tmp_path / "hooktui.toml").write_text('[keywords]\nHANDLER = "onExecutePostLogin"\n')
    ws.reload()
    assert ws.problems == []
    (tmp_path / "hooktui.toml").write_text('[keywords]\nHANDLER = "somethingElse"\n')
    ws.reload()
    assert any("does not export onExecutePostLogin" in p.message for p in ws.problems)


# ---------------------------------------------------------------------------- the watcher sees actions


@pytest.mark.parametrize(("rel", "relevant"), [
    ("actions/a.json", True), ("actions/a/code.js", True), ("actions/lib/shared.js", True),
    ("triggers/triggers.json", True), ("actions", True), ("triggers", True),
    ("actions/a/notes.txt", False), ("actions/a/data.json", False), ("actions/.a.json.swp", False),
    ("triggers/sub/x.json", False),
])
def test_the_watcher_takes_action_files(tmp_path, rel, relevant):
    from hooktui.core.watcher import is_relevant

    assert is_relevant(tmp_path / rel, tmp_path) is relevant


@pytest.mark.parametrize("polling", [False, True], ids=["notify", "polling"])
async def test_the_watcher_reports_a_saved_action_and_a_binding_edit(export, polling):
    import asyncio

    from hooktui.core.files import atomic_write
    from hooktui.core.watcher import HookWatcher

    watcher = HookWatcher(export, polling=polling, poll_interval=0.05)
    seen: set[Path] = set()
    changed = asyncio.Event()

    async def record() -> None:
        async for batch in watcher.changes():
            seen.update(batch)
            changed.set()

    task = asyncio.create_task(record())
    code = export / "actions" / "log-login" / "code.js"
    triggers = export / "triggers" / "triggers.json"
    try:
        await asyncio.wait_for(watcher.ready.wait(), 10)
        atomic_write(code, code.read_text() + "// saved\n")
        atomic_write(triggers, triggers.read_text().replace("Add roles claim", "Roles"))

        async def until_both() -> None:
            while not {code, triggers} <= seen:
                changed.clear()
                await changed.wait()

        await asyncio.wait_for(until_both(), 10)
    finally:
        watcher.stop()
        await asyncio.wait_for(task, 10)
