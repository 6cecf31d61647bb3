"""The `hooktui` command line, driven as a user drives it: a real subprocess, a copy of the example
workspace, the real executor and `node`. Assertions are on exit codes, stdout JSON and messages."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hooktui.core import resources

EXAMPLE = resources.data_path("examples/workspace")
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")

# Every secret value of the example hooks long enough to be masked (short flags such as
# DRY_RUN="true" are left alone on purpose: see cli.Redactor).
EXAMPLE_SECRETS = {
    "SMS_API_KEY": "replace-with-your-provider-api-key",
    "SMS_FROM": "+15550100000",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.example/T000/B000/XXXX",
}


class Cli:
    """Runs `python -m hooktui` in a workspace, with the user's config folder in a tmp dir."""

    def __init__(self, workspace: Path, config_dir: Path) -> None:
        self.workspace = workspace
        self.config_dir = config_dir

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AUTH0_", "HOOKTUI_")) and k != "NO_COLOR"}
        env["HOOKTUI_CONFIG_DIR"] = str(self.config_dir)
        env.update(extra)
        return env

    def __call__(self, *args: str, input: str | None = None, cwd: Path | None = None,
                 env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "hooktui", *args],
            cwd=cwd or self.workspace,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=env or self.env(),
            timeout=timeout,
        )
        # Whatever went wrong, an expected problem never shows a Python traceback.
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def json(self, *args: str, **kw) -> tuple[int, object, str]:
        proc = self(*args, "--json", **kw)
        return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "workspace"))


@pytest.fixture
def cli(workspace: Path, tmp_path: Path) -> Cli:
    config = tmp_path / "config"
    return Cli(workspace, config)


def write_hook(root: Path, name: str, script: str, trigger: str = "post-change-password", **meta) -> None:
    fields = {"name": name, "triggerId": trigger, "enabled": False, "script": f"./{name}.js",
              "dependencies": {}, "secrets": {}, **meta}
    (root / "hooks" / f"{name}.json").write_text(json.dumps(fields, indent=2) + "\n")
    (root / "hooks" / f"{name}.js").write_text(script)


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for key, value in EXAMPLE_SECRETS.items():
            assert value not in text, f"the value of {key} leaked"


# ---------------------------------------------------------------------------- basics


def test_version(cli: Cli) -> None:
    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("hooktui 0.")


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["list"], ["new"], ["deps"],
                                     ["deps", "install"], ["login"]])
def test_help_on_every_command(cli: Cli, command: list[str]) -> None:
    proc = cli(*command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: hooktui")
    assert proc.stderr == ""


def test_no_command_prints_help_and_exits_2(cli: Cli) -> None:
    proc = cli()
    assert proc.returncode == 2
    assert "usage: hooktui" in proc.stderr
    assert "a command is needed" in proc.stderr
    assert proc.stdout == ""


def test_bad_usage_exits_2_and_keeps_json_on_stdout(cli: Cli) -> None:
    code, out, err = cli.json("run", "token-claims", "--timeout", "soon")
    assert code == 2
    assert out["status"] == "usage-error"
    assert "--timeout" in out["error"] and "--timeout" in err


def test_workspace_option_before_or_after_the_command(cli: Cli, tmp_path: Path) -> None:
    for args in (["-C", str(cli.workspace), "list", "--json"], ["list", "-C", str(cli.workspace), "--json"]):
        proc = cli(*args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert len(json.loads(proc.stdout)) == 5


def test_missing_workspace_is_an_input_error(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli.json("-C", str(tmp_path / "nope"), "list")
    assert code == 2
    assert out["status"] == "input-error"
    assert "no such folder" in err


# ---------------------------------------------------------------------------- run


@pytest.mark.parametrize(
    ("hook", "check"),
    [
        ("token-claims", lambda r: r["data"]["scope"] == ["read:connections", "read:reports"]
         and r["data"]["https://example.com/plan"] == "full"),
        ("signup-deny-list", lambda r: r["data"]["user"]["app_metadata"]
         == {"plan": "trial", "signup_source": "Username-Password-Authentication"}),
        ("welcome-notification", lambda r: r["data"] == {}
         and r["logs"][-1]["message"] == "welcome-notification: dry run, nothing posted"),
        ("password-change-audit", lambda r: r["data"] == {}
         and json.loads(r["logs"][0]["message"])["email"] == "u***@foo.com"),
        ("sms-provider", lambda r: r["data"] == {"MessageID": "dry-run-123456"}),
    ],
)
def test_run_every_example_hook(cli: Cli, hook: str, check) -> None:
    code, result, err = cli.json("run", hook)
    assert code == 0, err
    assert result["status"] == "success"
    assert result["hook"] == hook
    assert result["error"] is None and result["crash"] is None
    assert check(result), result
    assert set(result) >= {"hook", "trigger", "run_id", "status", "data", "error", "location", "crash",
                           "logs", "logs_dropped", "duration_ms", "warnings"}
    assert_no_secrets(json.dumps(result), err)


def test_denied_signup_exits_1_with_the_error(cli: Cli) -> None:
    code, result, _ = cli.json("run", "signup-deny-list", "--payload", "blocked-domain")
    assert code == 1
    assert result["status"] == "error"
    assert result["data"]["name"] == "PreUserRegistrationError"
    assert result["data"]["friendlyMessage"] == "Please sign up with your work email"
    assert result["error"] == "PreUserRegistrationError: Denied user registration in Pre-User Registration Hook"
    assert result["location"] == {"line": 17, "column": 15}


def test_denied_signup_human_output(cli: Cli) -> None:
    proc = cli("run", "signup-deny-list", "--payload", "blocked-domain")
    assert proc.returncode == 1
    out = proc.stdout
    assert "with payload blocked-domain (sample)" in out
    assert "PreUserRegistrationError: Denied user registration in Pre-User Registration Hook" in out
    assert "friendlyMessage: Please sign up with your work email" in out
    assert "at hooks/signup-deny-list.js:17:15" in out
    assert "stack:" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_workspace_payload_and_keyword_replacement(cli: Cli) -> None:
    # payloads/signup-deny-list/01-competitor-domain.json, denied through ##DENIED_DOMAIN##.
    code, result, _ = cli.json("run", "signup-deny-list", "--payload", "competitor-domain")
    assert code == 1
    assert result["data"]["name"] == "PreUserRegistrationError"


def test_payload_from_stdin(cli: Cli) -> None:
    payload = json.loads((EXAMPLE / "payloads/token-claims/01-blocked-client.json").read_text())
    payload["client"]["metadata"] = {"plan": "free"}
    code, result, _ = cli.json("run", "token-claims", "--payload", "-", input=json.dumps(payload))
    assert code == 0
    assert result["data"]["https://example.com/plan"] == "free"
    assert result["data"]["scope"] == []  # read:reports is stripped from other plans


def test_payload_file_path(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"audience": "a", "client": {"id": "1", "name": "n", "metadata": {"blocked": "true"}}}))
    code, result, _ = cli.json("run", "token-claims", "--payload", str(path))
    assert code == 1
    assert result["data"]["name"] == "InvalidRequestError"


def test_invalid_payload_json_names_file_line_and_column(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "audience": "x",\n  "client": {,}\n}\n')
    proc = cli("run", "token-claims", "--payload", str(path))
    assert proc.returncode == 2
    assert f"{path}:3:14:" in proc.stderr
    assert proc.stdout == ""

    code, out, err = cli.json("run", "token-claims", "--payload", "-", input='{"audience":\n')
    assert code == 2
    assert out["status"] == "input-error"
    assert "<stdin>:2:1" in out["error"] and "<stdin>:2:1" in err


def test_a_payload_with_a_repeated_key_is_refused_naming_it(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    path.write_text('{\n  "audience": "https://api.example.com",\n  "audience": "https://other.example.com"\n}\n')
    proc = cli("run", "token-claims", "--payload", str(path))
    assert proc.returncode == 2
    assert f"{path}:3:3" in proc.stderr and '"audience" appears twice (lines 2 and 3)' in proc.stderr


def test_a_payload_folder_is_named_as_a_folder(cli: Cli) -> None:
    proc = cli("run", "token-claims", "--payload", "payloads/token-claims")
    assert proc.returncode == 2
    assert "no such payload file" not in proc.stderr
    assert "is a folder" in proc.stderr
    assert "payloads/token-claims/" in proc.stderr and ".json" in proc.stderr


def test_unknown_payload_name_lists_the_available_ones(cli: Cli) -> None:
    proc = cli("run", "token-claims", "--payload", "nope")
    assert proc.returncode == 2
    assert "blocked-client" in proc.stderr and "free-plan-extra-scopes" in proc.stderr


def test_unknown_hook_suggests_close_matches(cli: Cli) -> None:
    proc = cli("run", "token-claim")
    assert proc.returncode == 2
    assert "did you mean 'token-claims'?" in proc.stderr
    code, out, _ = cli.json("run", "token-claim")
    assert code == 2
    assert out["status"] == "input-error" and "token-claims" in out["error"]


def test_human_output_streams_logs_then_the_result(cli: Cli) -> None:
    proc = cli("run", "welcome-notification")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "running welcome-notification (post-user-registration) with payload default (sample)"
    assert lines[1].startswith('[info] welcome-notification: {"text":"[dev] New user: user1')
    assert lines[2] == "[info] welcome-notification: dry run, nothing posted"
    assert lines[3].startswith("success in ")
    assert json.loads("\n".join(lines[4:])) == {}


def test_secret_values_never_appear(cli: Cli) -> None:
    outputs = []
    for args in (["run", "sms-provider"], ["run", "sms-provider", "--json"],
                 ["run", "welcome-notification"], ["run", "welcome-notification", "--json"],
                 ["list"], ["list", "--json"], ["validate"], ["validate", "--json"]):
        proc = cli(*args)
        assert proc.returncode == 0, proc.stderr
        outputs += [proc.stdout, proc.stderr]
    assert_no_secrets(*outputs)
    # sms-provider logs the sender number it was given as a secret: masked, the rest kept.
    assert '"from":"***","to":"18085555555"' in outputs[0]


def test_a_hook_that_logs_and_returns_its_secret_is_masked(cli: Cli) -> None:
    write_hook(cli.workspace, "leaky",
               "module.exports = function (user, context, cb) {\n"
               "  var key = context.webtask.secrets.API_KEY;\n"
               "  console.log('key is ' + key);\n"
               "  cb(new Error('bad key ' + key));\n"
               "};\n",
               secrets={"API_KEY": "sk_live_0123456789"})
    for args in (["run", "leaky"], ["run", "leaky", "--json"]):
        proc = cli(*args)
        assert proc.returncode == 1
        assert "sk_live_0123456789" not in proc.stdout + proc.stderr
        assert "key is ***" in proc.stdout


# ---------------------------------------------------------------------------- hostile hooks


def test_syntax_error_exits_1_with_its_location(cli: Cli) -> None:
    write_hook(cli.workspace, "broken", "module.exports = function (user, context, cb) {\n  var x = ;\n  cb();\n};\n")
    proc = cli("run", "broken")
    assert proc.returncode == 1
    assert "Unable to compile the extensibility code as javascript" in proc.stdout
    assert "SyntaxError: Unexpected token ';'" in proc.stdout
    assert "at hooks/broken.js:2:11" in proc.stdout
    code, result, _ = cli.json("run", "broken")
    assert code == 1
    assert result["location"] == {"line": 2, "column": 11}


def test_a_hook_that_never_calls_back_times_out(cli: Cli) -> None:
    write_hook(cli.workspace, "silent",
               "module.exports = function (user, context, cb) {\n  console.log('waiting');\n"
               "  setTimeout(function () {}, 60000);\n};\n")
    started = time.monotonic()
    proc = cli("run", "silent", "--timeout", "1")
    assert time.monotonic() - started < 15
    assert proc.returncode == 1
    assert "[info] waiting" in proc.stdout
    assert "error (timeout)" in proc.stdout
    assert "Request to Webtask exceeded allowed execution time" in proc.stdout
    assert "did not call its callback within 1 s" in proc.stdout

    code, result, _ = cli.json("run", "silent", "--timeout", "1")
    assert code == 1
    assert result["crash"] == "timeout"
    assert "did not call its callback" in result["error"]


def test_an_infinite_loop_is_stopped(cli: Cli) -> None:
    write_hook(cli.workspace, "spin", "module.exports = function (user, context, cb) {\n  while (true) {}\n};\n")
    started = time.monotonic()
    code, result, _ = cli.json("run", "spin", "--timeout", "1")
    assert time.monotonic() - started < 15
    assert code == 1
    assert result["crash"] == "timeout"
    assert "infinite loop" in result["error"]


def test_process_exit_is_reported(cli: Cli) -> None:
    write_hook(cli.workspace, "quitter", "module.exports = function (user, context, cb) {\n  process.exit(3);\n};\n")
    proc = cli("run", "quitter")
    assert proc.returncode == 1
    assert "error (exit)" in proc.stdout
    assert "The hook called process.exit(3)" in proc.stdout
    code, result, _ = cli.json("run", "quitter")
    assert code == 1 and result["crash"] == "exit"


def test_json_mode_prints_exactly_one_object_even_with_logs(cli: Cli) -> None:
    write_hook(cli.workspace, "chatty",
               "module.exports = function (user, context, cb) {\n"
               "  for (var i = 0; i < 50; i++) console.log('line ' + i);\n"
               "  process.stdout.write('raw\\n');\n  console.error('oops');\n  cb(null, {n: 50});\n};\n")
    proc = cli("run", "chatty", "--json")
    assert proc.returncode == 0
    result = json.loads(proc.stdout)  # nothing else on stdout
    assert [e["message"] for e in result["logs"]][-3:] == ["line 49", "raw", "oops"]
    assert result["logs"][-1]["level"] == "error"


def test_unrunnable_hook_exits_2_with_its_problems(cli: Cli) -> None:
    write_hook(cli.workspace, "typo", "module.exports = function (u, c, cb) { cb(); };\n",
               trigger="pre-user-registraton")
    proc = cli("run", "typo")
    assert proc.returncode == 2
    assert "cannot run" in proc.stderr
    assert "hooks/typo.json:3:3: triggerId: unknown trigger 'pre-user-registraton'" in proc.stderr
    code, out, _ = cli.json("run", "typo")
    assert code == 2 and out["status"] == "input-error"
    assert out["problems"][0]["field"] == "triggerId"


def test_problems_elsewhere_do_not_stop_a_run(cli: Cli) -> None:
    (cli.workspace / "hooks" / "junk.json").write_text("{ not json")
    # A second enabled hook on pre-user-registration: a deploy problem, a warning for a run.
    write_hook(cli.workspace, "second-signup", "module.exports = function (u, c, cb) { cb(); };\n",
               trigger="pre-user-registration", enabled=True)
    code, result, err = cli.json("run", "token-claims")
    assert code == 0 and result["status"] == "success"
    assert "junk" not in err
    code, result, err = cli.json("run", "signup-deny-list")
    assert code == 0 and result["status"] == "success"
    assert "warning: hooks/signup-deny-list.json" in err
    assert "2 enabled hooks use 'pre-user-registration'" in err


def test_without_node_the_message_says_how_to_get_it(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    code, out, err = cli.json("run", "token-claims", env=cli.env(PATH=str(empty)))
    assert code == 2
    assert "Node.js was not found" in out["error"] and "Node.js was not found" in err
    human = cli("run", "token-claims", env=cli.env(PATH=str(empty)))
    assert human.returncode == 2 and human.stdout == ""  # no "running ..." announced first
    assert "pip install 'hooktui[node]'" in human.stderr
    # validate cannot do its job without compiling, so it says why and exits 2 as push does;
    # what it could check is still reported.
    (cli.workspace / "hooks" / "token-claims.js").write_text("module.exports = function (c, s, a, x, cb) {\n  cb(;\n};\n")
    proc = cli("validate", env=cli.env(PATH=str(empty)))
    assert proc.returncode == 2
    assert "cannot compile the scripts" in proc.stderr and "Node.js was not found" in proc.stderr
    assert "pip install 'hooktui[node]'" in proc.stderr
    assert "5 hooks, 0 errors, 0 warnings (not compiled)" in proc.stdout
    code, out, _ = cli.json("validate", env=cli.env(PATH=str(empty)))
    assert code == 2 and out["compile_checks"] == "skipped"
    assert "Node.js was not found" in out["compile_skipped_because"]


# ---------------------------------------------------------------------------- validate


def test_validate_a_clean_workspace(cli: Cli) -> None:
    proc = cli("validate")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == "5 hooks, 0 errors, 0 warnings\n"
    code, out, _ = cli.json("validate")
    assert code == 0
    assert out["hooks"] == 5 and out["errors"] == 0 and out["problems"] == []
    assert out["compile_checks"] == "done"


def test_validate_lists_every_problem(cli: Cli) -> None:
    hooks = cli.workspace / "hooks"
    write_hook(cli.workspace, "syntax", "module.exports = function (u, c, cb) {\n  cb(null, {a: });\n};\n")
    (hooks / "no-script.json").write_text(json.dumps(
        {"name": "no-script", "triggerId": "post-change-password", "enabled": False,
         "script": "./missing.js"}, indent=2))
    (hooks / "bad-json.json").write_text('{\n  "name": "bad-json",\n  "enabled": tru\n}\n')
    write_hook(cli.workspace, "marker", "module.exports = function (u, c, cb) { cb(); };\n",
               secrets={"API_URL": "##NOPE##"})
    proc = cli("validate")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "hooks/syntax.js:2:16: SyntaxError: Unexpected token '}'" in lines
    assert any(line.startswith("hooks/no-script.json:5:3: script: script file hooks/missing.js not found")
               for line in lines)
    assert any(line.startswith("hooks/bad-json.json:3:14: invalid JSON") for line in lines)
    assert any(line.startswith("hooks/marker.json: warning: ##NOPE## has no keyword mapping") for line in lines)
    assert lines[-1] == "9 hooks, 3 errors, 1 warning"

    code, out, _ = cli.json("validate")
    assert code == 1
    assert (out["errors"], out["warnings"]) == (3, 1)
    compile_error = next(p for p in out["problems"] if p["file"] == "hooks/syntax.js")
    assert (compile_error["line"], compile_error["column"], compile_error["severity"]) == (2, 16, "error")


def test_validate_reports_a_broken_config_file(cli: Cli) -> None:
    (cli.workspace / "hooktui.toml").write_text("[executor\n")
    proc = cli("validate")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "hooktui.toml:1:10: invalid TOML: Expected ']' at the end of a table declaration",
        "0 hooks, 1 error, 0 warnings",
    ]


def test_validate_reports_what_push_and_deps_install_refuse(cli: Cli) -> None:
    write_hook(cli.workspace, "no-exports", "function hook(u, c, cb) { cb(); }\n")
    write_hook(cli.workspace, "wants-old", "module.exports = function (u, c, cb) { cb(); };\n",
               dependencies={"lodash": "4.17.20"})
    write_hook(cli.workspace, "wants-new", "module.exports = function (u, c, cb) { cb(); };\n",
               dependencies={"lodash": "4.17.21"})
    proc = cli("validate")
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stdout
    assert ("hooks/no-exports.js: warning: never assigns module.exports, so it exports no function: "
            "Auth0 will fail every call to it") in lines
    conflict = [line for line in lines if "lodash" in line]
    assert len(conflict) == 1, lines
    assert conflict[0].startswith("hooks/wants-new.json:")
    assert "wants-new wants '4.17.21'" in conflict[0] and "wants-old wants '4.17.20'" in conflict[0]
    assert lines[-1] == "8 hooks, 1 error, 1 warning"


def test_validate_names_an_unmapped_keyword_instead_of_a_bare_syntax_error(cli: Cli) -> None:
    write_hook(cli.workspace, "keyword", "module.exports = function (u, c, cb) {\n  cb(null, {limit: @@LIMIT@@});\n};\n")
    proc = cli("validate")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith("hooks/keyword.js:2:20: warning: @@LIMIT@@ has no keyword mapping") for line in lines), lines
    syntax = next(line for line in lines if "SyntaxError" in line)
    assert syntax.startswith("hooks/keyword.js:2:")
    assert "@@LIMIT@@ (line 2) has no keyword mapping" in syntax
    run = cli("run", "keyword")
    assert run.returncode == 1
    assert "hooks/keyword.js:2:20: warning: @@LIMIT@@ has no keyword mapping" in run.stderr


def test_validate_prints_one_problem_per_trigger_however_many_hooks(cli: Cli) -> None:
    hooks = cli.workspace / "hooks"
    for i in range(300):
        (hooks / f"many-{i:03}.json").write_text(json.dumps(
            {"name": f"many-{i:03}", "triggerId": "post-change-password", "enabled": True,
             "script": "./token-claims.js"}))
    code, out, _ = cli.json("validate", timeout=180)
    assert code == 1
    enabled = [p for p in out["problems"] if p["field"] == "enabled"]
    assert len(enabled) == 1, len(enabled)
    assert "301 enabled hooks use 'post-change-password'" in enabled[0]["message"]
    assert "and 296 more" in enabled[0]["message"]
    proc = cli("validate", timeout=180)
    assert len(proc.stdout) < 5000, len(proc.stdout)


def test_validate_names_the_rule_for_a_short_hook_name(cli: Cli) -> None:
    write_hook(cli.workspace, "ab", "module.exports = function (u, c, cb) { cb(); };\n")
    proc = cli("validate")
    assert "hooks/ab.json:2:3: warning: name:" in proc.stdout and "at least 3 characters" in proc.stdout


# ---------------------------------------------------------------------------- list


def test_list_table(cli: Cli) -> None:
    proc = cli("list")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["NAME", "TRIGGER", "ENABLED", "SCRIPT", "DEPENDENCIES", "SECRETS", "STATE"]
    sms = next(line for line in lines if line.startswith("sms-provider "))
    assert sms.split(None, 4)[:4] == ["sms-provider", "send-phone-message", "yes", "hooks/sms-provider.js"]
    assert "SMS_API_KEY, SMS_FROM, DRY_RUN" in sms and sms.endswith("ok")
    # The columns line up: every row's STATE starts where the header's does.
    column = lines[0].index("STATE")
    assert all(line[column:].strip() in ("ok",) for line in lines[1:])


def test_list_json(cli: Cli) -> None:
    write_hook(cli.workspace, "with-deps", "module.exports = function (u, c, cb) { cb(); };\n",
               dependencies={"lodash": "4.17.21"}, enabled=True)
    code, rows, _ = cli.json("list")
    assert code == 0
    by_name = {row["name"]: row for row in rows}
    assert set(rows[0]) == {"name", "trigger", "enabled", "script", "dependencies", "secrets", "problems"}
    assert by_name["sms-provider"]["secrets"] == ["SMS_API_KEY", "SMS_FROM", "DRY_RUN"]
    assert by_name["with-deps"]["dependencies"] == {"lodash": "4.17.21"}
    assert by_name["with-deps"]["script"] == "hooks/with-deps.js"
    assert any("2 enabled hooks use 'post-change-password'" in p for p in by_name["with-deps"]["problems"])
    assert by_name["token-claims"]["problems"] == []
    proc = cli("list")
    assert next(line for line in proc.stdout.splitlines() if line.startswith("with-deps")).endswith("1 problem")


def test_list_does_not_call_a_script_ok_that_validate_rejects(cli: Cli) -> None:
    (cli.workspace / "hooks" / "token-claims.js").write_bytes(b"module.exports = function () {}; // caf\xe9\n")
    proc = cli("list")
    row = next(line for line in proc.stdout.splitlines() if line.startswith("token-claims "))
    assert not row.endswith("ok") and row.endswith("1 problem"), row
    code, rows, _ = cli.json("list")
    [problem] = next(r for r in rows if r["name"] == "token-claims")["problems"]
    assert problem.startswith("hooks/token-claims.js:1: not UTF-8")


# ---------------------------------------------------------------------------- new


def test_new_creates_both_files_and_the_hook_runs(cli: Cli) -> None:
    proc = cli("new", "Audit Trail", "--trigger", "post-change-password")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == ["created hooks/audit-trail.js", "created hooks/audit-trail.json"]
    assert "hooktui run audit-trail" in proc.stdout
    meta = json.loads((cli.workspace / "hooks" / "audit-trail.json").read_text())
    assert meta["name"] == "Audit Trail" and meta["enabled"] is False
    code, result, _ = cli.json("run", "audit-trail")
    assert code == 0 and result["status"] == "success"


def test_new_refuses_to_overwrite(cli: Cli) -> None:
    before = (cli.workspace / "hooks" / "token-claims.js").read_text()
    proc = cli("new", "token-claims", "--trigger", "credentials-exchange")
    assert proc.returncode == 2
    assert "already exists" in proc.stderr
    assert (cli.workspace / "hooks" / "token-claims.js").read_text() == before


def test_new_enable_refuses_when_another_hook_is_enabled(cli: Cli) -> None:
    proc = cli("new", "second", "--trigger", "pre-user-registration", "--enable")
    assert proc.returncode == 2
    assert "signup-deny-list" in proc.stderr and "already enabled" in proc.stderr
    assert not (cli.workspace / "hooks" / "second.json").exists()
    assert json.loads((cli.workspace / "hooks" / "signup-deny-list.json").read_text())["enabled"] is True


def test_new_enable_in_a_fresh_workspace(cli: Cli, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    proc = cli("-C", str(fresh), "new", "first", "--trigger", "send-phone-message", "--enable")
    assert proc.returncode == 0, proc.stderr
    assert f"hooktui -C {fresh} run first" in proc.stdout
    assert json.loads((fresh / "hooks" / "first.json").read_text())["enabled"] is True


@pytest.mark.parametrize("name", ["a", "ab", "-abc"])
def test_new_refuses_a_name_auth0_refuses_and_states_the_rule(cli: Cli, name: str) -> None:
    proc = cli("new", "--trigger", "post-change-password", "--", name)
    assert proc.returncode == 2
    assert "at least 3 characters" in proc.stderr and "letters, digits, spaces and '-'" in proc.stderr
    assert not list((cli.workspace / "hooks").glob(f"{name}.*"))


def test_new_unknown_trigger_lists_the_valid_ones(cli: Cli) -> None:
    proc = cli("new", "x", "--trigger", "post-login")
    assert proc.returncode == 2
    assert "credentials-exchange" in proc.stderr and "send-phone-message" in proc.stderr


# ---------------------------------------------------------------------------- login


def test_login_stores_a_0600_file_and_never_prints_the_secret(cli: Cli) -> None:
    secret = "cs_9f8e7d6c5b4a3210"
    proc = cli("login", "--domain", "my-tenant.eu.auth0.com", "--client-id", "abc123",
               "--client-secret-stdin", input=secret + "\n")
    assert proc.returncode == 0, proc.stderr
    path = cli.config_dir / "credentials.toml"
    assert str(path) in proc.stdout
    assert "***" in proc.stdout
    assert secret not in proc.stdout + proc.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert 'domain = "my-tenant.eu.auth0.com"' in text and secret in text


def test_login_keeps_plain_http_for_a_local_emulator(cli: Cli) -> None:
    from hooktui.core.config import Credentials
    from hooktui.remote.client import tenant_base_url

    proc = cli("login", "--domain", "http://127.0.0.1:8765/", "--client-id", "abc",
               "--client-secret-stdin", input="cs_local_123456\n")
    assert proc.returncode == 0, proc.stderr
    creds = Credentials.resolve({"HOOKTUI_CONFIG_DIR": str(cli.config_dir)})
    assert creds.domain == "http://127.0.0.1:8765"
    assert tenant_base_url(creds.domain) == "http://127.0.0.1:8765"  # what later commands use
    proc = cli("login", "--domain", "https://my-tenant.eu.auth0.com/", "--client-id", "abc",
               "--client-secret-stdin", input="cs_local_123456\n")
    assert proc.returncode == 0, proc.stderr
    assert Credentials.resolve({"HOOKTUI_CONFIG_DIR": str(cli.config_dir)}).domain == "my-tenant.eu.auth0.com"


@pytest.mark.parametrize("domain", ["http://my-tenant.eu.auth0.com", "http://10.0.0.5:8080", "ftp://x.auth0.com"])
def test_login_refuses_to_send_credentials_over_plain_http_to_the_network(cli: Cli, domain: str) -> None:
    proc = cli("login", "--domain", domain, "--client-id", "abc", "--client-secret-stdin", input="cs_123456789\n")
    assert proc.returncode == 2
    assert "https://" in proc.stderr
    if domain.startswith("http:"):
        assert "plain http" in proc.stderr and "loopback" in proc.stderr
    assert not (cli.config_dir / "credentials.toml").exists()
    assert "cs_123456789" not in proc.stdout + proc.stderr


def test_login_tightens_an_existing_config_folder(cli: Cli) -> None:
    cli.config_dir.mkdir(mode=0o755)
    os.chmod(cli.config_dir, 0o755)
    path = cli.config_dir / "credentials.toml"
    path.write_text('domain = "old.auth0.com"\n')
    os.chmod(path, 0o644)
    proc = cli("login", "--domain", "t.auth0.com", "--client-id", "abc", "--client-secret-stdin",
               input="cs_123456789\n")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(cli.config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "0700" in proc.stdout


def test_login_without_a_terminal_needs_the_stdin_flag(cli: Cli) -> None:
    proc = cli("login", "--domain", "t.auth0.com", "--client-id", "abc")
    assert proc.returncode == 2
    assert "--client-secret-stdin" in proc.stderr
    assert not (cli.config_dir / "credentials.toml").exists()
    proc = cli("login", "--client-secret-stdin", input="x\n")
    assert proc.returncode == 2 and "--domain is required" in proc.stderr


def test_emulator_command_passes_its_options_through(cli: Cli) -> None:
    proc = cli("emulator", "--help")
    assert proc.returncode == 0 and "--rate PLAN" in proc.stdout
    bad = cli("emulator", "--rate", "fast")
    assert bad.returncode == 2 and "free" in bad.stderr  # names the accepted plans
    # A hook may be called "emulator": only the command position makes it the command.
    assert cli("run", "emulator").returncode == 2 and "no hook named 'emulator'" in cli("run", "emulator").stderr
