"""validate_meta_text: the workspace's checks of one hook's JSON, run on text before it is saved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hooktui.core.hook_meta import MAX_SECRETS, validate_meta_text
from hooktui.core.problems import Problem
from hooktui.core.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
FILE = "hooks/token-claims.json"


def meta(**changes) -> str:
    data = {
        "name": "token-claims",
        "triggerId": "credentials-exchange",
        "enabled": True,
        "script": "./token-claims.js",
        "dependencies": {"lodash": "4.17.21"},
        "secrets": {"API_KEY": "••••••"},
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return json.dumps(data, indent=2) + "\n"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def test_a_valid_hook_has_no_problem():
    assert validate_meta_text(meta(), file=FILE) == []


def test_invalid_json_names_line_and_column():
    text = '{\n  "name": "token-claims",\n  "enabled": true,\n}\n'
    [problem] = validate_meta_text(text, file=FILE)
    assert (problem.file, problem.line, problem.column) == (FILE, 4, 1)
    assert problem.message.startswith("invalid JSON: ")
    assert "trailing comma" in problem.message
    assert str(problem).startswith("hooks/token-claims.json:4:1: invalid JSON")


@pytest.mark.parametrize("text", ["NaN", '{"enabled": Infinity}'])
def test_json_constants_are_refused_as_json_parse_does(text):
    [problem] = validate_meta_text(text, file=FILE)
    assert "invalid JSON" in problem.message


def test_not_an_object():
    [problem] = validate_meta_text("\n  [1, 2]\n", file=FILE)
    assert "expected a JSON object" in problem.message and "an array" in problem.message
    assert (problem.line, problem.column) == (2, 3)


def test_enabled_must_be_a_boolean_and_points_at_the_key():
    text = meta(enabled="yes")
    [problem] = errors(validate_meta_text(text, file=FILE))
    assert problem.field == "enabled"
    assert problem.message == "must be true or false, got a string"
    assert (problem.line, problem.column) == (4, 3)


@pytest.mark.parametrize(
    ("changes", "field", "phrase"),
    [
        ({"name": "bad name!"}, "name", "Auth0 refuses"),
        ({"name": None}, "name", 'missing "name"; add "name": "token-claims"'),
        ({"triggerId": "credential-exchange"}, "triggerId", "did you mean 'credentials-exchange'"),
        ({"triggerId": None}, "triggerId", 'missing "triggerId"'),
        ({"triggerId": 3}, "triggerId", "must be a string"),
        ({"script": None}, "script", 'missing "script"'),
        ({"secrets": ["a"]}, "secrets", "must be an object"),
        ({"secrets": {"A": 1}}, "secrets.A", "secret values must be strings"),
        ({"dependencies": {"lodash": "latest"}}, "dependencies.lodash", "dist-tag"),
        ({"dependencies": {"lodash": "git+https://x/y"}}, "dependencies.lodash", "git source"),
        ({"dependencies": {".bad": "1.0.0"}}, "dependencies..bad", "cannot start with"),
        ({"dependencies": "lodash"}, "dependencies", "must be an object"),
    ],
)
def test_field_errors(changes, field, phrase):
    found = errors(validate_meta_text(meta(**changes), file=FILE))
    assert [p.field for p in found] == [field], [str(p) for p in found]
    assert phrase in found[0].message
    assert found[0].file == FILE


def test_more_secrets_than_auth0_allows():
    secrets = {f"S{i}": "x" for i in range(MAX_SECRETS + 1)}
    [problem] = errors(validate_meta_text(meta(secrets=secrets), file=FILE))
    assert problem.field == "secrets" and f"at most {MAX_SECRETS}" in problem.message
    assert errors(validate_meta_text(meta(secrets=dict(list(secrets.items())[:MAX_SECRETS])),
                                     file=FILE)) == []


def test_every_problem_at_once():
    found = errors(validate_meta_text(meta(enabled=1, triggerId="nope", name=""), file=FILE))
    assert [p.field for p in found] == ["name", "triggerId", "enabled"]


def test_warnings_do_not_count_as_errors():
    found = validate_meta_text(meta(dependencies={"crypto": "1.0.0"}), file=FILE)
    assert [p.severity for p in found] == ["warning"]
    assert "core module" in found[0].message


def test_the_hook_named_in_problems():
    text = meta(enabled="yes")
    assert {p.hook for p in validate_meta_text(text, file=FILE)} == {"token-claims"}
    assert {p.hook for p in validate_meta_text(text, file=FILE, hook_name="x")} == {"x"}
    assert validate_meta_text("{", file=FILE)[0].hook is None


def test_keywords_are_replaced_before_the_checks():
    text = '{"name": "kw-hook", "triggerId": "##TRIGGER##", "enabled": @@ON@@, "script": "./k.js"}'
    assert [p.field for p in errors(validate_meta_text(text, file=FILE))] == [None]  # bad JSON
    found = validate_meta_text(
        text, file=FILE, keywords={"TRIGGER": "credentials-exchange", "ON": True}
    )
    assert found == []


def test_the_script_file_is_not_looked_for():
    # Whether the .js exists needs the workspace; the text alone says nothing about it.
    assert validate_meta_text(meta(script="./elsewhere.js"), file=FILE) == []


def test_same_problems_as_the_workspace(tmp_path):
    """Field by field, what the text check reports is what loading the workspace reports."""
    shutil.copytree(ROOT / "examples" / "workspace", tmp_path / "ws")
    hooks = tmp_path / "ws" / "hooks"
    broken = {
        "token-claims.json": meta(enabled="yes", dependencies={"Lodash": "latest"}),
        "sms-provider.json": '{\n  "name": "sms-provider",\n  "enabled": true,,\n}\n',
        "welcome-notification.json": meta(name="welcome notification!", triggerId="post-user",
                                          script="./welcome-notification.js"),
    }
    for name, text in broken.items():
        (hooks / name).write_text(text)
    ws = Workspace.open(tmp_path / "ws", env={})
    compared = 0
    for hook in ws.hooks:
        rel = f"hooks/{hook.meta_path.name}"
        text = hook.meta_path.read_text()
        # Checks across hooks need the workspace.
        from_ws = [p for p in hook.problems
                   if "enabled hooks use" not in p.message and "hooks deploy as" not in p.message]
        assert validate_meta_text(text, file=rel) == from_ws, rel
        compared += len(from_ws)
    assert compared >= 6
    assert any(p.file == "hooks/sms-provider.json" and p.line == 3 for p in ws.problems)
