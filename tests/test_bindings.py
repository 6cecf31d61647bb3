"""triggers/triggers.json: which actions each trigger runs, in order. Loading checks every
binding against the actions; bind, unbind and reorder write the file atomically and keep
everything else in it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooktui.core import bindings
from hooktui.core.problems import Problem, WorkspaceError
from hooktui.core.workspace import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "actions-export"
HANDLER = "exports.onExecutePostLogin = async (event, api) => {};\n"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "export"))


def open_ws(root: Path) -> Workspace:
    return Workspace.open(root, env={})


def triggers_file(root: Path) -> Path:
    return root / "triggers" / "triggers.json"


def write_triggers(root: Path, data: dict | str) -> Path:
    path = triggers_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2) + "\n")
    return path


def binding_problems(ws: Workspace, severity: str = "error") -> list[Problem]:
    return [p for p in ws.problems if p.file == "triggers/triggers.json" and p.severity == severity]


def one(ws: Workspace, text: str, severity: str = "error") -> Problem:
    found = [p for p in binding_problems(ws, severity) if text in p.message]
    assert len(found) == 1, [str(p) for p in ws.problems]
    return found[0]


# ---------------------------------------------------------------------------- loading


def test_the_export_binds_in_file_order(export):
    ws = open_ws(export)
    assert ws.bindings.exists
    assert ws.bindings.action_names("post-login") == ["add-roles-claim", "log-login"]
    assert ws.bindings.for_trigger("post-login")[0].display_name == "Add roles claim"
    assert ws.bindings.triggers_of("deny-na-m2m") == ["credentials-exchange"]
    assert ws.bindings.position("post-login", "log-login") == 1
    # Triggers an export lists with no bindings (even ones hooktui cannot run) load quietly.
    assert ws.bindings.for_trigger("login-post-identifier") == []
    assert ws.problems == []


def test_a_workspace_without_triggers_json_has_no_bindings(tmp_path):
    ws = open_ws(tmp_path)
    assert not ws.bindings.exists and ws.bindings.by_trigger == {} and ws.problems == []


def test_a_binding_to_an_action_that_does_not_exist(export):
    path = triggers_file(export)
    data = json.loads(path.read_text())
    data["post-login"].append({"action_name": "log-logins", "display_name": "x"})
    write_triggers(export, data)
    problem = one(open_ws(export), "no action named 'log-logins'")
    assert "did you mean 'log-login'" in problem.message
    assert problem.field == "post-login[2].action_name" and problem.action == "log-logins"
    lines = path.read_text().splitlines()
    assert '"action_name": "log-logins"' in lines[problem.line - 1]
    assert lines[problem.line - 1].index('"action_name"') + 1 == problem.column


def test_a_binding_to_an_action_of_another_trigger(export):
    data = json.loads(triggers_file(export).read_text())
    data["credentials-exchange"].append({"action_name": "log-login", "display_name": "log-login"})
    write_triggers(export, data)
    problem = one(open_ws(export), "'log-login' supports post-login, not credentials-exchange")
    assert problem.line is not None


def test_an_action_bound_twice_to_one_trigger(export):
    data = json.loads(triggers_file(export).read_text())
    data["post-login"].append({"action_name": "add-roles-claim", "display_name": "again"})
    write_triggers(export, data)
    ws = open_ws(export)
    problem = one(ws, "'add-roles-claim' is bound twice to post-login")
    assert "also at post-login[0]" in problem.message and problem.field == "post-login[2].action_name"
    # The flow keeps the first place only.
    assert ws.bindings.action_names("post-login") == ["add-roles-claim", "log-login"]


def test_unknown_triggers_bad_shapes_and_limits_all_at_once(tmp_path):
    (tmp_path / "actions").mkdir()
    write_triggers(tmp_path, {
        "post-logon": [],
        "credentials-exchange": {"action_name": "x"},
        "pre-user-registration": ["x", {"display_name": "no name"}],
        "post-change-password": [{"action_name": f"a{i}"} for i in range(21)],
    })
    ws = open_ws(tmp_path)
    unknown = one(ws, "unknown trigger 'post-logon'")
    assert "did you mean 'post-login'" in unknown.message and unknown.line == 2
    one(ws, "must be an array")
    one(ws, "must be an object like")
    one(ws, 'needs an "action_name" string')
    one(ws, "21 actions are bound, but Auth0 runs at most 20")


def test_an_entity_bound_trigger_and_a_never_deployed_action_warn(export):
    meta = export / "actions" / "log-login.json"
    data = json.loads(meta.read_text())
    data["deployed"] = False
    meta.write_text(json.dumps(data, indent=2))
    triggers = json.loads(triggers_file(export).read_text())
    triggers["custom-token-exchange"] = [{"action_name": "nobody"}]
    write_triggers(export, triggers)
    ws = open_ws(export)
    one(ws, "Auth0 refuses to bind an action that has never been deployed", "warning")
    one(ws, "Auth0 binds custom-token-exchange actions to the entity", "warning")


def test_a_repeated_trigger_key_and_invalid_json(tmp_path):
    write_triggers(tmp_path, '{\n  "post-login": [],\n  "post-login": []\n}\n')
    problem = one(open_ws(tmp_path), '"post-login" appears twice')
    assert (problem.line, problem.column) == (3, 3)
    write_triggers(tmp_path, '{\n  "post-login": [\n}\n')
    problem = one(open_ws(tmp_path), "invalid JSON")
    assert problem.line == 3


def test_other_json_files_in_triggers_warn_that_deploy_cli_reads_one(export):
    (export / "triggers" / "old.json").write_text("{}")
    (export / "triggers" / "._triggers.json").write_bytes(b"\x00\x05")  # a macOS fork: not a file of the format
    ws = open_ws(export)
    [warning] = [p for p in ws.problems if p.severity == "warning"]
    assert warning.file == "triggers/old.json" and "reads only one .json file" in warning.message


def test_a_triggers_file_instead_of_a_folder(tmp_path):
    (tmp_path / "triggers").write_text("junk")
    [problem] = open_ws(tmp_path).problems
    assert problem.file == "triggers" and "is a file" in problem.message


def test_keywords_in_triggers_json_are_replaced(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[keywords]\nLOGIN_FLOW = [{action_name = "a", display_name = "A"}]\n')
    actions = tmp_path / "actions"
    (actions / "a").mkdir(parents=True)
    (actions / "a.json").write_text(json.dumps({"name": "a", "code": "./actions/a/code.js", "deployed": True,
                                                "supported_triggers": [{"id": "post-login", "version": "v3"}]}))
    (actions / "a" / "code.js").write_text(HANDLER)
    write_triggers(tmp_path, '{"post-login": @@LOGIN_FLOW@@}\n')
    ws = open_ws(tmp_path)
    assert ws.problems == [] and ws.bindings.action_names("post-login") == ["a"]
    # A file that only parses after replacement cannot be rewritten without losing the marker.
    with pytest.raises(WorkspaceError, match="@@KEY@@ placeholders outside strings"):
        bindings.unbind(ws, "post-login", "a")
    assert triggers_file(tmp_path).read_text() == '{"post-login": @@LOGIN_FLOW@@}\n'


# ---------------------------------------------------------------------------- writes


def test_bind_appends_and_keeps_every_other_trigger_in_order(export):
    path = triggers_file(export)
    before = json.loads(path.read_text())
    before["x-extra-key"] = {"kept": True}  # not a trigger: reported, but never dropped by a write
    write_triggers(export, before)
    ws = open_ws(export)
    bindings.unbind(ws, "post-login", "log-login")
    bindings.bind(ws, "post-login", "log-login")
    after = json.loads(path.read_text())
    assert list(after) == list(before)
    assert {k: v for k, v in after.items() if k != "post-login"} == {k: v for k, v in before.items() if k != "post-login"}
    assert after["post-login"] == [{"action_name": "add-roles-claim", "display_name": "Add roles claim"},
                                   {"action_name": "log-login", "display_name": "log-login"}]
    assert ws.bindings.action_names("post-login") == ["add-roles-claim", "log-login"]
    assert not [n for n in os.listdir(path.parent) if n.endswith(".tmp")]


def test_bind_at_a_position_with_a_display_name(export):
    ws = open_ws(export)
    bindings.unbind(ws, "post-login", "log-login")
    bindings.bind(ws, "post-login", "log-login", display_name="Log every login", position=0)
    data = json.loads(triggers_file(export).read_text())
    assert data["post-login"][0] == {"action_name": "log-login", "display_name": "Log every login"}
    assert ws.bindings.action_names("post-login") == ["log-login", "add-roles-claim"]


def test_bind_refuses_what_auth0_would_and_changes_nothing(export):
    path = triggers_file(export)
    before = path.read_bytes()
    ws = open_ws(export)
    for args, expected in (
        (("post-login", "log-login"), "already bound"),
        (("post-login", "nobody"), "no action named 'nobody'"),
        (("credentials-exchange", "log-login"), "supports post-login, not credentials-exchange"),
        (("post-logon", "log-login"), "unknown trigger"),
        (("custom-token-exchange", "log-login"), "entity they serve"),
    ):
        with pytest.raises(WorkspaceError, match=expected):
            bindings.bind(ws, *args)
    assert path.read_bytes() == before


def test_bind_creates_the_file_when_there_is_none(tmp_path):
    actions = tmp_path / "actions"
    (actions / "a").mkdir(parents=True)
    (actions / "a.json").write_text(json.dumps({"name": "a", "code": "./actions/a/code.js", "deployed": True,
                                                "supported_triggers": [{"id": "post-login", "version": "v3"}]}))
    (actions / "a" / "code.js").write_text(HANDLER)
    ws = open_ws(tmp_path)
    bindings.bind(ws, "post-login", "a")
    assert json.loads(triggers_file(tmp_path).read_text()) == {"post-login": [{"action_name": "a", "display_name": "a"}]}
    assert ws.problems == []


def test_unbinding_the_last_action_keeps_the_trigger_with_an_empty_list(export):
    ws = open_ws(export)
    bindings.unbind(ws, "credentials-exchange", "deny-na-m2m")
    data = json.loads(triggers_file(export).read_text())
    # An empty list unbinds on deploy; a missing key would leave the tenant's bindings as they are.
    assert data["credentials-exchange"] == []
    with pytest.raises(WorkspaceError, match="is not bound to credentials-exchange"):
        bindings.unbind(ws, "credentials-exchange", "deny-na-m2m")


def test_reorder_and_move(export):
    ws = open_ws(export)
    bindings.reorder(ws, "post-login", ["log-login", "add-roles-claim"])
    assert ws.bindings.action_names("post-login") == ["log-login", "add-roles-claim"]
    data = json.loads(triggers_file(export).read_text())
    # Each entry moves whole, display name and all.
    assert data["post-login"][1] == {"action_name": "add-roles-claim", "display_name": "Add roles claim"}
    bindings.move(ws, "post-login", "add-roles-claim", -1)
    assert ws.bindings.action_names("post-login") == ["add-roles-claim", "log-login"]
    bindings.move(ws, "post-login", "add-roles-claim", -5)  # clamped at the top
    assert ws.bindings.action_names("post-login") == ["add-roles-claim", "log-login"]
    with pytest.raises(WorkspaceError, match="must name each bound action once"):
        bindings.reorder(ws, "post-login", ["log-login"])
    with pytest.raises(WorkspaceError, match="must name each bound action once"):
        bindings.reorder(ws, "post-login", ["log-login", "log-login"])


def test_writes_refuse_a_file_with_a_repeated_key_and_leave_it_alone(export):
    path = triggers_file(export)
    text = path.read_text().replace('  "credentials-exchange": [', '  "post-login": [],\n  "credentials-exchange": [', 1)
    path.write_text(text)
    ws = open_ws(export)
    with pytest.raises(WorkspaceError, match='"post-login" appears twice'):
        bindings.unbind(ws, "post-login", "log-login")
    assert path.read_text() == text


def test_writes_keep_keyword_placeholders_in_strings(export):
    path = triggers_file(export)
    data = json.loads(path.read_text())
    data["post-login"][0]["display_name"] = "##CLAIM_NAMESPACE## roles"
    write_triggers(export, data)
    ws = open_ws(export)
    bindings.move(ws, "post-login", "log-login", -1)
    assert json.loads(path.read_text())["post-login"][1]["display_name"] == "##CLAIM_NAMESPACE## roles"


def test_writes_go_through_a_symlinked_triggers_json_and_never_outside(export, tmp_path):
    shared = export / "shared-triggers.json"
    path = triggers_file(export)
    shutil.move(path, shared)
    path.symlink_to(Path("..") / "shared-triggers.json")
    ws = open_ws(export)
    bindings.unbind(ws, "post-login", "log-login")
    assert path.is_symlink()
    assert [b["action_name"] for b in json.loads(shared.read_text())["post-login"]] == ["add-roles-claim"]

    outside = tmp_path / "outside.json"
    shutil.copy(shared, outside)
    path.unlink()
    path.symlink_to(outside)
    ws.reload()
    with pytest.raises(WorkspaceError, match="outside the workspace"):
        bindings.bind(ws, "post-login", "log-login")
    assert outside.read_text() == shared.read_text()


# ---------------------------------------------------------------------------- a property of the writes

LOGIN_ACTIONS = ("a1", "a2", "a3", "a4")
_edit = st.one_of(
    st.tuples(st.just("bind"), st.sampled_from(LOGIN_ACTIONS), st.integers(-1, 5)),
    st.tuples(st.just("unbind"), st.sampled_from(LOGIN_ACTIONS), st.just(0)),
    st.tuples(st.just("move"), st.sampled_from(LOGIN_ACTIONS), st.integers(-4, 4)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_edit, max_size=8))
def test_any_sequence_of_edits_keeps_the_other_triggers_and_matches_a_model(tmp_path_factory, edits):
    root = tmp_path_factory.mktemp("ws")
    actions = root / "actions"
    for name in LOGIN_ACTIONS:
        (actions / name).mkdir(parents=True)
        (actions / f"{name}.json").write_text(json.dumps({
            "name": name, "code": f"./actions/{name}/code.js", "deployed": True,
            "supported_triggers": [{"id": "post-login", "version": "v3"}]}))
        (actions / name / "code.js").write_text(HANDLER)
    others = {"credentials-exchange": [], "send-phone-message": [], "x-note": {"kept": [1, 2]}}
    write_triggers(root, {"post-login": [{"action_name": "a1", "display_name": "first"}], **others})
    ws = open_ws(root)
    model = ["a1"]
    for op, name, n in edits:
        try:
            if op == "bind":
                bindings.bind(ws, "post-login", name, position=None if n < 0 else n)
            elif op == "unbind":
                bindings.unbind(ws, "post-login", name)
            else:
                bindings.move(ws, "post-login", name, n)
        except WorkspaceError:
            # Refused exactly when the model says so, and then nothing changed.
            assert (op == "bind") == (name in model)
            continue
        if op == "bind":
            model.insert(len(model) if n < 0 else min(n, len(model)), name)
        elif op == "unbind":
            model.remove(name)
        else:
            start = model.index(name)
            model.pop(start)
            model.insert(max(0, min(len(model), start + n)), name)
    data = json.loads(triggers_file(root).read_text())
    assert [e["action_name"] for e in data["post-login"]] == model == ws.bindings.action_names("post-login")
    assert {k: v for k, v in data.items() if k != "post-login"} == others
    assert list(data) == ["post-login", *others]
    if "a1" in model:
        # An entry moves whole: a1's display name is the one the file started with, unless re-bound.
        entry = next(e for e in data["post-login"] if e["action_name"] == "a1")
        assert entry["display_name"] in ("first", "a1")
