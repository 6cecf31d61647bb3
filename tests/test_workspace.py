"""The workspace on disk: deploy-cli's directory format, keyword replacement, validation, edits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hooktui.core import files
from hooktui.core.hook_meta import deployed_name
from hooktui.core.keywords import js_string, js_stringify, keyword_replace
from hooktui.core.npm import package_name_problems, version_problem
from hooktui.core.problems import HookNotFound, Problem, WorkspaceError
from hooktui.core.triggers import Trigger
from hooktui.core.workspace import Workspace

SCRIPT = "module.exports = function (user, context, cb) { cb(null, {}); };\n"
NO_ENV: dict[str, str] = {}


def write_hook(
    root: Path,
    stem: str,
    meta: dict | str | None = None,
    js: str | None = SCRIPT,
    **fields,
) -> Path:
    """hooks/<stem>.json (a dict is dumped, a str written as is) and hooks/<stem>.js."""
    hooks = root / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    if meta is None:
        meta = {
            "name": stem,
            "triggerId": "pre-user-registration",
            "enabled": False,
            "script": f"./{stem}.js",
            "dependencies": {},
            "secrets": {},
        }
        meta.update(fields)
    text = meta if isinstance(meta, str) else json.dumps(meta, indent=2) + "\n"
    (hooks / f"{stem}.json").write_text(text)
    if js is not None:
        (hooks / f"{stem}.js").write_text(js)
    return hooks / f"{stem}.json"


def open_ws(root: Path, env: dict[str, str] | None = None) -> Workspace:
    return Workspace.open(root, env=NO_ENV if env is None else env)


def problems_of(ws: Workspace, stem: str) -> list[Problem]:
    return [p for p in ws.problems if p.file == f"hooks/{stem}.json"]


def only_problem(ws: Workspace, stem: str, field: str | None) -> Problem:
    found = [p for p in problems_of(ws, stem) if p.field == field and p.severity == "error"]
    assert len(found) == 1, [str(p) for p in ws.problems]
    return found[0]


# ---------------------------------------------------------------------------- loading


def test_loads_the_directory_format(tmp_path):
    write_hook(
        tmp_path, "signup", name="Signup Guard", enabled=True,
        dependencies={"lodash": "4.17.21"}, secrets={"API_KEY": "k"},
    )
    write_hook(tmp_path, "audit", triggerId="post-user-registration")

    ws = open_ws(tmp_path)

    assert ws.problems == []
    assert [h.deployed_name for h in ws.hooks] == ["audit", "signup-guard"]
    hook = ws.hook("signup-guard")
    assert hook.name == "Signup Guard"
    assert hook.trigger == "pre-user-registration"
    assert hook.trigger_enum is Trigger.PRE_USER_REGISTRATION
    assert hook.enabled is True
    assert hook.meta_path == tmp_path.resolve() / "hooks" / "signup.json"
    assert hook.script_path == tmp_path.resolve() / "hooks" / "signup.js"
    assert hook.script == "./signup.js"
    assert hook.dependencies == {"lodash": "4.17.21"}
    assert hook.secrets == {"API_KEY": "k"}
    assert hook.valid
    assert ws.state_dir == tmp_path.resolve() / ".hooktui"
    assert ws.node_modules == tmp_path.resolve() / ".hooktui" / "node_modules"


def test_script_may_live_elsewhere_in_the_workspace(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "guard.js").write_text(SCRIPT)
    write_hook(tmp_path, "guard", js=None, script="../src/guard.js")
    ws = open_ws(tmp_path)
    assert ws.problems == []
    assert ws.hook("guard").script_path == tmp_path.resolve() / "src" / "guard.js"


def test_missing_optional_fields_default(tmp_path):
    write_hook(tmp_path, "min", {"name": "min", "triggerId": "send-phone-message", "script": "./min.js"})
    hook = open_ws(tmp_path).hook("min")
    assert (hook.enabled, hook.dependencies, hook.secrets, hook.valid) == (False, {}, {}, True)


def test_no_hooks_folder_is_an_empty_workspace(tmp_path):
    ws = open_ws(tmp_path)
    assert ws.hooks == [] and ws.problems == []


def test_hooks_that_is_a_file_is_an_error(tmp_path):
    (tmp_path / "hooks").write_text("oops")
    with pytest.raises(WorkspaceError, match="hooks is a file"):
        open_ws(tmp_path)


def test_root_must_be_an_existing_folder(tmp_path):
    with pytest.raises(WorkspaceError, match="no such folder"):
        open_ws(tmp_path / "nope")
    (tmp_path / "file").write_text("")
    with pytest.raises(WorkspaceError, match="is a file"):
        open_ws(tmp_path / "file")


def test_unknown_files_in_hooks_are_ignored(tmp_path):
    write_hook(tmp_path, "real")
    hooks = tmp_path / "hooks"
    (hooks / "README.md").write_text("# hooks")
    (hooks / ".DS_Store").write_bytes(b"\x00\x01binary")
    (hooks / "._real.json").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (hooks / ".real.json.swp").write_bytes(b"b0VIM")
    (hooks / "real.json~").write_text("{ broken")
    (hooks / ".real.json.abc123.tmp").write_text("{ half written")
    (hooks / "real.remote.js").write_text("remote copy")
    (hooks / "orphan.js").write_text(SCRIPT)
    (hooks / "folder.json").mkdir()
    os.symlink(hooks / "missing-target.json", hooks / ".#real.json")  # emacs lock file

    ws = open_ws(tmp_path)

    assert [h.deployed_name for h in ws.hooks] == ["real"]
    assert ws.problems == []


def test_reload_sees_added_and_removed_hooks(tmp_path):
    write_hook(tmp_path, "one")
    ws = open_ws(tmp_path)
    write_hook(tmp_path, "two")
    (tmp_path / "hooks" / "one.json").unlink()
    ws.reload()
    assert [h.deployed_name for h in ws.hooks] == ["two"]


# ---------------------------------------------------------------------------- deployed names


@pytest.mark.parametrize(
    ("name", "deployed"),
    [
        ("My Hook", "my-hook"),
        ("My\tBig\nHook", "my-big-hook"),
        ("a  b", "a--b"),
        ("Tab\r\x0b\x0cEnd", "tab---end"),
        ("nbsp\u00a0here", "nbsp-here"),
        ("bom\ufeffx", "bom-x"),  # JS \s includes U+FEFF
        ("sep\x1cx", "sep\x1cx"),  # Python's \s would include U+001C, JS's does not
        ("already-fine", "already-fine"),
    ],
)
def test_deployed_name_follows_deploy_cli(name, deployed):
    assert deployed_name(name) == deployed


def test_hook_is_found_by_deployed_name_json_name_or_stem(tmp_path):
    write_hook(tmp_path, "file-stem", name="Pretty Name")
    ws = open_ws(tmp_path)
    assert ws.hook("pretty-name") is ws.hook("Pretty Name") is ws.hook("file-stem")
    assert ws.hook("PRETTY NAME").deployed_name == "pretty-name"


def test_hook_not_found_lists_close_matches(tmp_path):
    write_hook(tmp_path, "signup-guard")
    write_hook(tmp_path, "audit")
    ws = open_ws(tmp_path)
    with pytest.raises(HookNotFound) as caught:
        ws.hook("signup-gaurd")
    assert isinstance(caught.value, KeyError)
    message = str(caught.value)
    assert "'signup-guard'" in message and "audit" not in message
    assert "hooktui list" in message


# ---------------------------------------------------------------------------- keywords


def test_keywords_are_replaced_in_json_and_script(tmp_path):
    (tmp_path / "hooktui.toml").write_text(
        '[keywords]\nENV = "dev"\nSCOPES = ["read:a", "read:b"]\nLIMIT = 5\n'
        'API = "https://dev.example.com"\n'
    )
    write_hook(
        tmp_path, "kw",
        '{"name": "kw-##ENV##", "triggerId": "credentials-exchange", "script": "./kw.js",\n'
        ' "secrets": {"URL": "##API##/v1", "SCOPES": "##SCOPES##", "LIMIT": "##LIMIT##"},\n'
        ' "extra": @@SCOPES@@, "quoted": "@@LIMIT@@"}\n',
        js="const scopes = @@SCOPES@@; const env = '##ENV##'; const api = @@API@@;\n",
    )
    ws = open_ws(tmp_path)
    hook = ws.hook("kw-dev")
    assert hook.valid, [str(p) for p in hook.problems]
    assert hook.secrets == {
        "URL": "https://dev.example.com/v1",
        "SCOPES": "read:a,read:b",  # String(array) joins with ','
        "LIMIT": "5",
    }
    assert ws.read_script(hook) == (
        'const scopes = ["read:a","read:b"]; const env = \'dev\'; '
        'const api = "https://dev.example.com";\n'
    )
    assert "@@SCOPES@@" in ws.raw_script(hook)
    with pytest.raises(WorkspaceError, match="placeholders outside strings"):
        ws.raw_meta(hook)  # bare @@SCOPES@@ only parses after replacement


def test_quoted_at_marker_swallows_its_quotes():
    mappings = {"LIST": ["a", "b"], "N": 3}
    assert keyword_replace('{"x": "@@LIST@@", "y": \'@@N@@\', "z": @@N@@}', mappings) == (
        '{"x": ["a","b"], "y": 3, "z": 3}'
    )


def test_replacement_values_are_never_regex_templates():
    assert keyword_replace("##K##", {"K": r"$1 \1 \g<0> $&"}) == r"$1 \1 \g<0> $&"


@pytest.mark.parametrize(
    ("value", "stringified", "string"),
    [
        ("a\"b\n", '"a\\"b\\n"', 'a"b\n'),
        ("é☃", '"é☃"', "é☃"),
        (5, "5", "5"),
        (2.0, "2", "2"),
        (0.5, "0.5", "0.5"),
        (1e21, "1e+21", "1e+21"),
        (1e-7, "1e-7", "1e-7"),
        (True, "true", "true"),
        (None, "null", "null"),
        (["a", 1, None, ["b", "c"]], '["a",1,null,["b","c"]]', "a,1,,b,c"),
        ({"b": 1, "10": 2, "2": 3}, '{"2":3,"10":2,"b":1}', "[object Object]"),
    ],
)
def test_js_stringify_and_string_match_javascript(value, stringified, string):
    assert js_stringify(value) == stringified
    assert js_string(value) == string


def test_env_mappings_win_over_config(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[keywords]\nENV = "from-config"\nOTHER = "kept"\n')
    write_hook(tmp_path, "h", secrets={"A": "##ENV##", "B": "##OTHER##"})
    env = {"AUTH0_KEYWORD_REPLACE_MAPPINGS": '{"ENV": "from-env"}'}
    ws = open_ws(tmp_path, env)
    assert ws.hook("h").secrets == {"A": "from-env", "B": "kept"}
    assert ws.keywords == {"ENV": "from-env", "OTHER": "kept"}


@pytest.mark.parametrize("raw", ["{not json", '["a", "b"]', '"text"'])
def test_bad_env_mappings_are_a_clear_error(tmp_path, raw):
    with pytest.raises(WorkspaceError, match="AUTH0_KEYWORD_REPLACE_MAPPINGS"):
        open_ws(tmp_path, {"AUTH0_KEYWORD_REPLACE_MAPPINGS": raw})


def test_unmapped_placeholder_is_a_warning_and_explained_in_syntax_errors(tmp_path):
    write_hook(tmp_path, "warn", secrets={"A": "##NOPE##"})
    write_hook(tmp_path, "bare", '{"name": "bare", "triggerId": @@TRIGGER@@, "script": "./bare.js"}')
    ws = open_ws(tmp_path)
    warnings = [p for p in problems_of(ws, "warn") if p.severity == "warning"]
    assert len(warnings) == 1 and "##NOPE##" in warnings[0].message
    assert ws.hook("warn").valid  # a warning does not make a hook invalid
    syntax = only_problem(ws, "bare", None)
    assert "@@TRIGGER@@ has no keyword mapping" in syntax.message


# ---------------------------------------------------------------------------- script paths


@pytest.mark.parametrize("script", ["../../etc/passwd", "/etc/passwd", "..\\..\\etc\\passwd"])
def test_script_outside_the_workspace_is_refused(tmp_path, script):
    root = tmp_path / "ws"
    write_hook(root, "evil", js=None, script=script)
    ws = open_ws(root)
    hook = ws.hook("evil")
    assert hook.script_path is None and not hook.valid
    problem = only_problem(ws, "evil", "script")
    assert "outside the workspace" in problem.message
    with pytest.raises(WorkspaceError, match="no usable script"):
        ws.read_script(hook)


def test_script_symlink_pointing_out_is_refused(tmp_path):
    outside = tmp_path / "secret.js"
    outside.write_text("stolen")
    root = tmp_path / "ws"
    write_hook(root, "link", js=None)
    os.symlink(outside, root / "hooks" / "link.js")
    ws = open_ws(root)
    assert ws.hook("link").script_path is None
    assert "through a symlink" in only_problem(ws, "link", "script").message


def test_script_symlink_inside_is_written_through(tmp_path):
    write_hook(tmp_path, "link", js=None)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "real.js").write_text(SCRIPT)
    os.symlink(tmp_path / "src" / "real.js", tmp_path / "hooks" / "link.js")
    ws = open_ws(tmp_path)
    assert ws.problems == []
    ws.write_script("link", "// new\n")
    assert (tmp_path / "hooks" / "link.js").is_symlink()
    assert (tmp_path / "src" / "real.js").read_text() == "// new\n"


def test_missing_script_file_is_a_problem_until_written(tmp_path):
    write_hook(tmp_path, "lost", js=None)
    ws = open_ws(tmp_path)
    problem = only_problem(ws, "lost", "script")
    assert "hooks/lost.js not found" in problem.message
    ws.write_script("lost", SCRIPT)
    assert ws.problems == [] and ws.raw_script("lost") == SCRIPT


# ---------------------------------------------------------------------------- validation


def test_json_syntax_error_has_line_and_column(tmp_path):
    write_hook(tmp_path, "broken", '{\n  "name": "broken",\n  "triggerId": "pre-user-registration",,\n}\n')
    ws = open_ws(tmp_path)
    problem = only_problem(ws, "broken", None)
    assert (problem.line, problem.column) == (3, 40)
    assert problem.message.startswith("invalid JSON")
    assert str(problem).startswith("hooks/broken.json:3:40: invalid JSON")
    hook = ws.hook("broken")  # still listed, under its file name
    assert not hook.valid and hook.script_path is None


@pytest.mark.parametrize(
    ("meta", "field", "expect"),
    [
        ("[1, 2]", None, "expected a JSON object"),
        ('{"triggerId": "pre-user-registration", "script": "./x.js"}', "name", 'missing "name"'),
        ('{"name": 5, "triggerId": "pre-user-registration", "script": "./x.js"}', "name", "must be a string"),
        ('{"name": "x", "script": "./x.js"}', "triggerId", 'missing "triggerId"'),
        ('{"name": "x", "triggerId": "pre-user-registation", "script": "./x.js"}', "triggerId",
         "unknown trigger 'pre-user-registation' (expected one of credentials-exchange, "
         "pre-user-registration, post-user-registration, post-change-password, send-phone-message)"),
        ('{"name": "x", "triggerId": "pre-user-registration"}', "script", 'missing "script"'),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": 3}', "script", "must be a path"),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": "./x.js", "enabled": "yes"}',
         "enabled", "must be true or false"),
        ('{"name": "x_y", "triggerId": "pre-user-registration", "script": "./x.js"}', "name",
         "'x_y' deploys as 'x_y', which Auth0 refuses"),
        ('{"name": "-x", "triggerId": "pre-user-registration", "script": "./x.js"}', "name", "deploys as '-x'"),
        ('{"name": "x ", "triggerId": "pre-user-registration", "script": "./x.js"}', "name", "deploys as 'x-'"),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": "./x.js", "secrets": []}',
         "secrets", "must be an object"),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": "./x.js", "secrets": {"A": 1}}',
         "secrets.A", "must be strings"),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": "./x.js", "dependencies": ["lodash"]}',
         "dependencies", "must be an object"),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": "./x.js", "dependencies": {"a": "latest"}}',
         "dependencies.a", "dist-tag"),
        ('{"name": "x", "triggerId": "pre-user-registration", "script": "./x.js", "dependencies": {"_a": "1.0.0"}}',
         "dependencies._a", "cannot start with"),
    ],
)
def test_each_problem_names_file_and_field(tmp_path, meta, field, expect):
    write_hook(tmp_path, "x", meta)
    ws = open_ws(tmp_path)
    problem = only_problem(ws, "x", field)
    assert problem.file == "hooks/x.json"
    assert expect in problem.message
    assert not ws.hook("x").valid


def test_unknown_trigger_suggests_the_close_one(tmp_path):
    write_hook(tmp_path, "x", triggerId="pre-user-registation")
    assert "did you mean 'pre-user-registration'" in only_problem(open_ws(tmp_path), "x", "triggerId").message


def test_field_problems_carry_the_line_of_their_key(tmp_path):
    write_hook(
        tmp_path, "x",
        '{\n  "name": "x",\n  "triggerId": "nope",\n  "script": "./x.js",\n'
        '  "dependencies": {\n    "ok": "1.0.0",\n    "bad": "git+https://github.com/a/b"\n  }\n}\n',
    )
    ws = open_ws(tmp_path)
    trigger = only_problem(ws, "x", "triggerId")
    dep = only_problem(ws, "x", "dependencies.bad")
    assert (trigger.line, trigger.column) == (3, 3)
    assert (dep.line, dep.column) == (7, 5)
    assert str(dep).startswith("hooks/x.json:7:5: dependencies.bad: ")
    assert dep.hook == "x"


def test_more_than_20_secrets(tmp_path):
    write_hook(tmp_path, "ok", secrets={f"S{i}": "v" for i in range(20)})
    write_hook(tmp_path, "many", secrets={f"S{i}": "v" for i in range(21)})
    ws = open_ws(tmp_path)
    assert ws.hook("ok").valid
    assert "21 secrets" in only_problem(ws, "many", "secrets").message


@pytest.mark.parametrize(
    "version",
    ["4.17.21", "^1.2.3", "~1.2", "~1.2.3", ">=1.0.0 <2", "1.x", "1.2.x", "*", "x",
     "1.2.3 - 2.0.0", "^1.0.0 || ^2.0.0", "1.x || >=2.5.0 || 5.0.0 - 7.2.3", "1.2.3-beta.1",
     "1.0.0+build.5", "v1.2.3", "=1.2.3", "<=2", ">= 1.2.3", "~>1.2", "1"],
)
def test_good_versions(version):
    assert version_problem(version) is None


@pytest.mark.parametrize(
    ("version", "expect"),
    [
        ("latest", "dist-tag"),
        ("next", "dist-tag"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "must be a string"),
        (4, "must be a string"),
        (["1.0.0"], "must be a string"),
        ("https://registry.example.com/x.tgz", "URL"),
        ("http://example.com/x.tgz", "URL"),
        ("git+https://github.com/a/b.git", "git"),
        ("git://github.com/a/b.git", "git"),
        ("github:a/b", "git"),
        ("a/b", "GitHub shorthand"),
        ("a/b#v1.0.0", "GitHub shorthand"),
        ("file:../lib", "local path"),
        ("./lib", "local path"),
        ("../lib", "local path"),
        ("/opt/lib", "local path"),
        ("~/lib", "local path"),
        ("npm:lodash@4", "alias"),
        ("01.2.3", "not a semver"),
        ("1.2.3.4", "not a semver"),
        ("^1.2.3 ||", "not a semver"),
        (">=", "not a semver"),
    ],
)
def test_bad_versions_tell_to_pin(version, expect):
    message = version_problem(version)
    assert message is not None and expect in message
    assert "pin a version" in message


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("lodash", None),
        ("@auth0/auth0", None),
        ("node-fetch", None),
        ("", "error"),
        (".hidden", "error"),
        ("_private", "error"),
        (" space", "error"),
        ("node_modules", "error"),
        ("a/b", "error"),
        ("has space", "error"),
        ("a" * 215, "error"),
        ("@scope/", "error"),
        ("JSONStream", "warning"),  # exists on npm, from before the lowercase rule
        ("fs", "warning"),  # a core module shadows it
    ],
)
def test_package_names(name, severity):
    found = package_name_problems(name)
    assert (found[0][0] if found else None) == severity


def test_every_problem_is_reported_at_once_and_good_hooks_still_load(tmp_path):
    write_hook(tmp_path, "good")
    write_hook(tmp_path, "syntax", '{"name": "syntax",')
    write_hook(tmp_path, "trigger", triggerId="nope")
    write_hook(tmp_path, "deps", dependencies={"a": "latest", "b": "file:../b"}, enabled="true")

    ws = open_ws(tmp_path)

    assert ws.hook("good").valid
    assert {p.file for p in ws.problems} == {
        "hooks/syntax.json", "hooks/trigger.json", "hooks/deps.json",
    }
    assert {p.field for p in problems_of(ws, "deps")} == {"dependencies.a", "dependencies.b", "enabled"}
    assert [h.deployed_name for h in ws.hooks] == ["deps", "good", "syntax", "trigger"]


def test_only_one_enabled_hook_per_trigger(tmp_path):
    for stem in ("one", "two", "three"):
        write_hook(tmp_path, stem, enabled=True, triggerId="credentials-exchange")
    write_hook(tmp_path, "four", enabled=False, triggerId="credentials-exchange")
    write_hook(tmp_path, "five", enabled=True, triggerId="send-phone-message")

    ws = open_ws(tmp_path)

    for stem in ("one", "two", "three"):
        problem = only_problem(ws, stem, "enabled")
        for other in ("one", "two", "three"):
            assert f"{other} (hooks/{other}.json)" in problem.message
        assert "only one enabled hook per trigger" in problem.message
        assert "credentials-exchange" in problem.message
        assert problem.line == 4  # where "enabled" is in the file
    assert problems_of(ws, "four") == [] and problems_of(ws, "five") == []


def test_two_hooks_with_the_same_deployed_name(tmp_path):
    write_hook(tmp_path, "one", name="My Hook")
    write_hook(tmp_path, "two", name="my hook")
    ws = open_ws(tmp_path)
    for stem in ("one", "two"):
        problem = only_problem(ws, stem, "name")
        assert "'my-hook'" in problem.message
        assert "hooks/one.json" in problem.message and "hooks/two.json" in problem.message


def test_problem_str_formats():
    assert str(Problem("hooks/a.json", "bad", "triggerId", 3, 5)) == "hooks/a.json:3:5: triggerId: bad"
    assert str(Problem("hooks/a.json", "bad")) == "hooks/a.json: bad"
    assert str(Problem("hooks/a.json", "hm", "x", severity="warning")) == "hooks/a.json: warning: x: hm"


# ---------------------------------------------------------------------------- edits


def test_update_meta_keeps_order_indent_and_other_keys(tmp_path):
    write_hook(
        tmp_path, "h",
        '{\n    "custom": 1,\n    "secrets": {"K": "##KEY##"},\n    "script": "./h.js",\n'
        '    "name": "h",\n    "triggerId": "pre-user-registration",\n    "zzz": [1]\n}',
    )
    ws = open_ws(tmp_path)
    updated = ws.update_meta(ws.hook("h"), enabled=True, dependencies={"lodash": "4.17.21"})

    text = (tmp_path / "hooks" / "h.json").read_text()
    assert text == (
        "{\n"
        '  "name": "h",\n'
        '  "triggerId": "pre-user-registration",\n'
        '  "enabled": true,\n'
        '  "script": "./h.js",\n'
        '  "dependencies": {\n    "lodash": "4.17.21"\n  },\n'
        '  "secrets": {\n    "K": "##KEY##"\n  },\n'
        '  "custom": 1,\n'
        '  "zzz": [\n    1\n  ]\n'
        "}\n"
    )
    assert updated.enabled and updated.dependencies == {"lodash": "4.17.21"}
    assert ws.hook("h") is updated


def test_update_meta_none_removes_and_trigger_alias(tmp_path):
    write_hook(tmp_path, "h", secrets={"A": "b"})
    ws = open_ws(tmp_path)
    ws.update_meta("h", secrets=None, trigger=Trigger.SEND_PHONE_MESSAGE)
    data = json.loads((tmp_path / "hooks" / "h.json").read_text())
    assert "secrets" not in data and data["triggerId"] == "send-phone-message"


def test_update_meta_refuses_placeholders_outside_strings(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[keywords]\nON = true\n')
    original = '{"name": "h", "triggerId": "pre-user-registration", "script": "./h.js", "enabled": @@ON@@}'
    write_hook(tmp_path, "h", original)
    ws = open_ws(tmp_path)
    assert ws.hook("h").enabled is True
    with pytest.raises(WorkspaceError, match="@@KEY@@ placeholders outside strings"):
        ws.update_meta("h", enabled=False)
    assert (tmp_path / "hooks" / "h.json").read_text() == original


def test_update_meta_is_atomic(tmp_path, monkeypatch):
    path = write_hook(tmp_path, "h")
    original = path.read_text()
    ws = open_ws(tmp_path)

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        ws.update_meta("h", enabled=True)

    assert path.read_text() == original
    assert sorted(p.name for p in path.parent.iterdir()) == ["h.js", "h.json"]


def test_create_hook_writes_both_files(tmp_path):
    ws = open_ws(tmp_path)
    hook = ws.create_hook("My New Hook", Trigger.POST_CHANGE_PASSWORD, SCRIPT)
    assert hook.deployed_name == "my-new-hook" and hook.valid and not hook.enabled
    assert (tmp_path / "hooks" / "my-new-hook.js").read_text() == SCRIPT
    assert json.loads((tmp_path / "hooks" / "my-new-hook.json").read_text()) == {
        "name": "My New Hook",
        "triggerId": "post-change-password",
        "enabled": False,
        "script": "./my-new-hook.js",
        "dependencies": {},
        "secrets": {},
    }
    assert [h.deployed_name for h in ws.hooks] == ["my-new-hook"]


def test_create_hook_never_overwrites(tmp_path):
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "taken.js").write_text("// mine")
    ws = open_ws(tmp_path)
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.create_hook("taken", Trigger.PRE_USER_REGISTRATION, SCRIPT)
    assert (tmp_path / "hooks" / "taken.js").read_text() == "// mine"
    assert not (tmp_path / "hooks" / "taken.json").exists()

    write_hook(tmp_path, "other-file", name="Same Name")
    ws.reload()
    with pytest.raises(WorkspaceError, match="'same-name' already exists"):
        ws.create_hook("same name", Trigger.PRE_USER_REGISTRATION, SCRIPT)
    with pytest.raises(WorkspaceError, match="refuses"):
        ws.create_hook("bad_name", Trigger.PRE_USER_REGISTRATION, SCRIPT)


def test_create_enabled_hook_disables_the_others(tmp_path):
    write_hook(tmp_path, "old", enabled=True)
    ws = open_ws(tmp_path)
    hook = ws.create_hook("new", "pre-user-registration", SCRIPT, enabled=True)
    assert hook.enabled and not ws.hook("old").enabled
    assert ws.problems == []


def test_set_enabled_disables_the_others_of_the_trigger(tmp_path):
    write_hook(tmp_path, "one", enabled=True)
    write_hook(tmp_path, "two", enabled=True)  # already a conflict on disk
    write_hook(tmp_path, "three")
    write_hook(tmp_path, "other", enabled=True, triggerId="send-phone-message")
    ws = open_ws(tmp_path)
    stale = ws.hook("three")

    disabled = ws.set_enabled(stale, True)

    assert sorted(h.deployed_name for h in disabled) == ["one", "two"]
    assert all(not h.enabled for h in disabled)
    assert [h.deployed_name for h in ws.hooks if h.enabled] == ["other", "three"]
    assert ws.problems == []
    assert ws.set_enabled("three", False) == [] and not ws.hook("three").enabled


def test_set_enabled_changes_nothing_when_a_file_cannot_be_edited(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[keywords]\nON = true\n')
    locked = '{"name": "a", "triggerId": "pre-user-registration", "script": "./a.js", "enabled": @@ON@@}'
    write_hook(tmp_path, "a", locked)
    write_hook(tmp_path, "b")
    ws = open_ws(tmp_path)
    with pytest.raises(WorkspaceError, match="cannot edit hooks/a.json"):
        ws.set_enabled("b", True)
    assert (tmp_path / "hooks" / "a.json").read_text() == locked
    assert not ws.hook("b").enabled


def test_a_refused_enable_leaves_every_file_unchanged(tmp_path):
    """The hook being enabled is the one that cannot be edited: the others of its trigger must
    not be disabled first and left so."""
    (tmp_path / "hooktui.toml").write_text('[keywords]\nOFF = false\n')
    locked = '{"name": "target", "triggerId": "pre-user-registration", "script": "./target.js", "enabled": @@OFF@@}'
    write_hook(tmp_path, "target", locked)
    enabled = write_hook(tmp_path, "enabled-one", enabled=True)
    before = {p.name: p.read_bytes() for p in (tmp_path / "hooks").iterdir()}
    ws = open_ws(tmp_path)
    with pytest.raises(WorkspaceError, match="cannot edit hooks/target.json"):
        ws.set_enabled("target", True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "hooks").iterdir()} == before
    assert json.loads(enabled.read_text())["enabled"] is True
    assert ws.hook("enabled-one").enabled and not ws.hook("target").enabled


def test_hooks_for_trigger(tmp_path):
    write_hook(tmp_path, "a")
    write_hook(tmp_path, "b", triggerId="send-phone-message")
    ws = open_ws(tmp_path)
    assert [h.deployed_name for h in ws.hooks_for(Trigger.SEND_PHONE_MESSAGE)] == ["b"]
    assert [h.deployed_name for h in ws.hooks_for("pre-user-registration")] == ["a"]


def test_config_errors_surface_as_workspace_errors(tmp_path):
    (tmp_path / "hooktui.toml").write_text("[executor\n")
    with pytest.raises(WorkspaceError, match="hooktui.toml"):
        open_ws(tmp_path)


def test_core_does_not_import_textual():
    code = (
        "import sys, hooktui.core.workspace, hooktui.core.config; "
        "sys.exit('textual' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# ---------------------------------------------------------------------------- rename and delete


def _one_hook_workspace(tmp_path, name="old-name", script_name=None):
    ws_root = tmp_path / "ws"
    (ws_root / "hooks").mkdir(parents=True)
    script_name = script_name or f"{name}.js"
    (ws_root / "hooks" / script_name).write_text("module.exports = function (u, c, cb) { cb(); };\n")
    meta = {"name": name, "triggerId": "post-change-password", "enabled": True, "script": f"./{script_name}",
            "dependencies": {}, "secrets": {"KEY": "v"}, "extra": 1}
    (ws_root / "hooks" / f"{name}.json").write_text(json.dumps(meta, indent=2))
    return Workspace.open(ws_root, env={})


def test_rename_moves_both_files_and_keeps_everything_else(tmp_path):
    ws = _one_hook_workspace(tmp_path)
    renamed = ws.rename_hook("old-name", "New Name")
    hooks = ws.root / "hooks"
    assert sorted(p.name for p in hooks.iterdir()) == ["new-name.js", "new-name.json"]
    data = json.loads((hooks / "new-name.json").read_text())
    assert data == {"name": "New Name", "triggerId": "post-change-password", "enabled": True,
                    "script": "./new-name.js", "dependencies": {}, "secrets": {"KEY": "v"}, "extra": 1}
    assert list(data) == ["name", "triggerId", "enabled", "script", "dependencies", "secrets", "extra"]
    assert renamed.deployed_name == "new-name" and renamed.valid
    assert (hooks / "new-name.js").read_text().startswith("module.exports")


def test_rename_refuses_bad_names_and_collisions(tmp_path):
    ws = _one_hook_workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="which Auth0 refuses"):
        ws.rename_hook("old-name", "bad_name")
    (ws.root / "hooks" / "taken.js").write_text("// someone else's\n")
    with pytest.raises(WorkspaceError, match="hooks/taken.js already exists"):
        ws.rename_hook("old-name", "taken")
    assert (ws.root / "hooks" / "old-name.json").exists()  # nothing moved


def test_rename_leaves_a_shared_script_where_it_is(tmp_path):
    ws = _one_hook_workspace(tmp_path, script_name="shared.js")
    ws.rename_hook("old-name", "fresh")
    assert json.loads((ws.root / "hooks" / "fresh.json").read_text())["script"] == "./shared.js"
    assert (ws.root / "hooks" / "shared.js").exists()


def test_delete_removes_both_files(tmp_path):
    ws = _one_hook_workspace(tmp_path)
    removed = ws.delete_hook("old-name")
    assert sorted(p.name for p in removed) == ["old-name.js", "old-name.json"]
    assert list((ws.root / "hooks").iterdir()) == []
    assert ws.hooks == []


# ---------------------------------------------------------------------------- hardening (issue 8)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.fail("git is needed for the .gitignore tests")
    root = tmp_path / "repo"
    write_hook(root, "token-claims")
    _git(root, "init", "-q")
    return root


def test_the_state_folder_stays_out_of_git_from_the_first_write(repo):
    from hooktui.runtime import deps
    from hooktui.sync.state import SyncState

    ws = open_ws(repo)
    state = SyncState.load(ws.state_dir)
    state.save()  # what the first push or pull does
    deps.write_manifest(ws.state_dir, {"lodash": "4.17.21"})
    (ws.node_modules / "lodash").mkdir(parents=True)
    (ws.node_modules / "lodash" / "index.js").write_text("module.exports = {};\n")
    status = _git(repo, "status", "--porcelain", "--untracked-files=all")
    assert ".hooktui" not in status, status
    assert "hooks/token-claims.json" in status  # the workspace itself is not hidden


def test_an_existing_state_folder_is_hidden_whatever_the_top_level_gitignore_says(repo):
    # What earlier versions left: state.json beside a .gitignore that only named node_modules.
    state_dir = repo / ".hooktui"
    state_dir.mkdir()
    (state_dir / "state.json").write_text("{}\n")
    (state_dir / ".gitignore").write_text("node_modules/\n")
    (repo / ".gitignore").write_text("!.hooktui/\n")
    assert ".hooktui/state.json" in _git(repo, "status", "--porcelain", "--untracked-files=all")
    open_ws(repo)
    assert ".hooktui" not in _git(repo, "status", "--porcelain", "--untracked-files=all")
    assert (state_dir / ".gitignore").read_text().splitlines()[-2:] == ["node_modules/", "*"]


def test_a_workspace_without_a_state_folder_gets_none_from_opening(repo):
    open_ws(repo)
    assert not (repo / ".hooktui").exists()


DUPLICATE = """{
  "name": "dup",
  "triggerId": "pre-user-registration",
  "script": "./dup.js",
  "secrets": {"A": "1", "A": "2"},
  "script": "./other.js"
}
"""


def test_a_duplicated_key_is_an_error_naming_file_line_and_key(tmp_path):
    write_hook(tmp_path, "dup", DUPLICATE)
    (tmp_path / "hooks" / "other.js").write_text(SCRIPT)
    ws = open_ws(tmp_path)
    errors = [p for p in problems_of(ws, "dup") if p.severity == "error"]
    by_field = {p.field: p for p in errors}
    assert set(by_field) == {"script", "secrets.A"}, [str(p) for p in errors]
    script = by_field["script"]
    assert (script.line, script.column) == (6, 3)
    assert '"script" appears twice (lines 4 and 6)' in script.message
    assert by_field["secrets.A"].line == 5
    assert not ws.hook("dup").valid
    # Editing would silently keep one of the two: refused, and the file stays as it is.
    with pytest.raises(WorkspaceError, match='"script" appears twice'):
        ws.update_meta("dup", enabled=True)
    assert (tmp_path / "hooks" / "dup.json").read_text() == DUPLICATE


def test_a_duplicated_key_in_the_keyword_mappings_is_refused(tmp_path):
    write_hook(tmp_path, "a-hook")
    with pytest.raises(WorkspaceError, match='AUTH0_KEYWORD_REPLACE_MAPPINGS.*"ENV" appears twice'):
        open_ws(tmp_path, {"AUTH0_KEYWORD_REPLACE_MAPPINGS": '{"ENV": "dev", "ENV": "prod"}'})


@pytest.mark.parametrize("name", ["a", "ab", "-ab", "ab-", "a_b", "é-hook"])
def test_new_and_rename_refuse_names_auth0_deploy_cli_refuses(tmp_path, name):
    ws = _one_hook_workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="at least 3 characters") as caught:
        ws.create_hook(name, "pre-user-registration", SCRIPT)
    assert "letters, digits, spaces and '-'" in str(caught.value)
    with pytest.raises(WorkspaceError, match="at least 3 characters"):
        ws.rename_hook("old-name", name)
    assert sorted(p.name for p in (ws.root / "hooks").iterdir()) == ["old-name.js", "old-name.json"]
    assert ws.create_hook("abc", "pre-user-registration", SCRIPT).deployed_name == "abc"


def test_validate_warns_about_a_name_shorter_than_deploy_cli_allows(tmp_path):
    write_hook(tmp_path, "ab")
    ws = open_ws(tmp_path)
    [problem] = problems_of(ws, "ab")
    assert problem.severity == "warning" and problem.field == "name" and problem.line == 2
    assert "at least 3 characters" in problem.message and "auth0-deploy-cli" in problem.message


def test_an_unmapped_keyword_in_a_script_is_named_with_its_line(tmp_path):
    write_hook(tmp_path, "kw", js="module.exports = function (u, c, cb) {\n  cb(null, {url: @@API_URL@@, env: '##ENV##'});\n};\n")
    ws = open_ws(tmp_path)
    found = ws.script_problems("kw")
    assert [(p.file, p.line, p.column, p.severity) for p in found] == [
        ("hooks/kw.js", 2, 18, "warning"), ("hooks/kw.js", 2, 37, "warning")]
    assert "@@API_URL@@ has no keyword mapping" in found[0].message
    assert "[keywords] in hooktui.toml" in found[0].message
    mapped = open_ws(tmp_path, {"AUTH0_KEYWORD_REPLACE_MAPPINGS": '{"API_URL": "x", "ENV": "dev"}'})
    assert mapped.script_problems("kw") == []


def test_a_script_that_is_not_utf8_is_a_script_problem(tmp_path):
    write_hook(tmp_path, "latin", js=None)
    (tmp_path / "hooks" / "latin.js").write_bytes(b"module.exports = function (u, c, cb) {\n  cb(null, '\xe9');\n};\n")
    ws = open_ws(tmp_path)
    [problem] = ws.script_problems("latin")
    assert (problem.file, problem.line, problem.severity) == ("hooks/latin.js", 2, "error")
    assert "not UTF-8" in problem.message and "save it as UTF-8" in problem.message


def test_many_enabled_hooks_of_one_trigger_cost_linear_output(tmp_path):
    count = 2000
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for i in range(count):
        (hooks / f"hook-{i:04}.json").write_text(json.dumps(
            {"name": f"hook-{i:04}", "triggerId": "credentials-exchange", "enabled": True,
             "script": "./shared.js"}))
    (hooks / "shared.js").write_text(SCRIPT)
    ws = open_ws(tmp_path)
    problems = [p for p in ws.problems if p.field == "enabled"]
    assert len(problems) == count  # every hook still carries its problem (list, console)
    assert max(len(str(p)) for p in problems) < 600
    message = problems[0].message
    assert "2000 enabled hooks use 'credentials-exchange'" in message
    assert "hook-0000 (hooks/hook-0000.json)" in message and "and 1995 more" in message
    # One group per trigger, so that validate can print it once.
    assert len({p.group for p in problems}) == 1 and problems[0].group
