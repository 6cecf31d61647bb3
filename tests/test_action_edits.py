"""What the console writes for an action: its settings with secret values masked on screen and
put back on save, a buffer checked as loading would check the file, and a delete that unbinds
first."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hooktui.core.action_edits import SECRET_MASK, delete_action, masked_json, unmasked_json, write_json
from hooktui.core.actions import action_from_text
from hooktui.core.problems import WorkspaceError
from hooktui.core.workspace import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "actions-export"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "export"))


def with_secret(root: Path, value: str = "s3cr3t-value") -> Path:
    path = root / "actions" / "log-login.json"
    data = json.loads(path.read_text())
    data["secrets"] = [{"name": "API_KEY", "value": value}, {"name": "FROM_TENANT"}]
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def test_masked_json_hides_values_and_a_save_puts_them_back(export):
    path = with_secret(export)
    shown, known = masked_json(path.read_text())
    assert "s3cr3t-value" not in shown and SECRET_MASK in shown
    assert known == {"API_KEY": "s3cr3t-value"}
    edited = shown.replace('"runtime": "node22"', '"runtime": "node22"')  # the user touched nothing else
    data = json.loads(unmasked_json(edited, known))
    assert data["secrets"] == [{"name": "API_KEY", "value": "s3cr3t-value"}, {"name": "FROM_TENANT"}]


def test_keyword_markers_and_placeholders_are_not_masked(export):
    text = (export / "actions" / "add-roles-claim.json").read_text()
    shown, known = masked_json(text)
    assert "##CLAIM_NAMESPACE##" in shown and known == {}


def test_a_new_secret_left_masked_is_refused_by_name(export):
    path = with_secret(export)
    shown, known = masked_json(path.read_text())
    data = json.loads(shown)
    data["secrets"][0]["name"] = "RENAMED"
    with pytest.raises(ValueError, match=r"secrets\[0\] \('RENAMED'\) has no value yet"):
        unmasked_json(json.dumps(data), known)


def test_a_buffer_is_checked_as_the_file_would_be(export):
    ws = Workspace.open(export, env={})
    action = ws.action("log-login")
    text = action.meta_path.read_text().replace('"v3"', '"v9"')
    checked = action_from_text(ws.root, action.meta_path, text, ws.keywords)
    errors = [p for p in checked.problems if p.severity == "error"]
    assert errors and errors[0].file == "actions/log-login.json" and "v9" in errors[0].message
    assert errors[0].line is not None
    broken = action_from_text(ws.root, action.meta_path, "{\n  \"name\": ,\n}", ws.keywords)
    assert [p.line for p in broken.problems if p.severity == "error"] == [2]


def test_write_json_writes_and_reloads(export):
    ws = Workspace.open(export, env={})
    action = ws.action("log-login")
    text = action.meta_path.read_text().replace('"deployed": true', '"deployed": false')
    write_json(ws, action, text)
    assert action.meta_path.read_text() == text
    assert ws.action("log-login").deployed is False


def test_delete_unbinds_first_then_removes_both_files(export):
    ws = Workspace.open(export, env={})
    code = ws.action("log-login").code_path
    removed = delete_action(ws, "log-login")
    assert [p.name for p in removed] == ["log-login.json", "code.js"]
    assert not code.parent.exists()
    assert "log-login" not in ws.bindings.action_names("post-login")
    assert ws.bindings.action_names("post-login") == ["add-roles-claim"]
    assert all(a.name != "log-login" for a in ws.actions)
    triggers = json.loads((export / "triggers" / "triggers.json").read_text())
    assert [e["action_name"] for e in triggers["post-login"]] == ["add-roles-claim"]


def test_delete_keeps_other_files_in_the_code_folder(export):
    ws = Workspace.open(export, env={})
    code = ws.action("log-login").code_path
    (code.parent / "notes.md").write_text("mine\n")
    delete_action(ws, "log-login")
    assert not code.exists() and (code.parent / "notes.md").read_text() == "mine\n"


def test_delete_of_an_unknown_action_names_it(export):
    ws = Workspace.open(export, env={})
    with pytest.raises(WorkspaceError, match="no action named 'nope'"):
        delete_action(ws, "nope")
