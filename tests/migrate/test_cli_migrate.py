"""`hooktui migrate` as a subprocess: the preview writes nothing and never prints a secret value,
--write writes the action, its code and its binding, an existing action is refused without
--force, --json's shape, and the exit codes (0 nothing manual, 1 manual work or a failure, 2 usage)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def hooktui(ws: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "hooktui", "-C", str(ws), "migrate", *args],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "workspace", tmp_path / "ws")
    return tmp_path / "ws"


def test_preview_shows_files_and_a_diff_writes_nothing_and_masks_secrets(ws):
    out = hooktui(ws, "sms-provider")
    assert out.returncode == 0, out.stderr
    assert "new: actions/sms-provider/code.js" in out.stdout
    assert "+exports.onExecuteSendPhoneMessage = async (event, api) => {" in out.stdout
    assert "replace-with-your-provider-api-key" not in out.stdout + out.stderr
    assert '"value": "********"' in out.stdout
    assert not (ws / "actions").exists() and not (ws / "triggers").exists()


def test_write_creates_the_action_its_code_and_the_binding_and_refuses_to_overwrite(ws):
    out = hooktui(ws, "token-claims", "--write")
    assert out.returncode == 0, out.stderr
    meta = json.loads((ws / "actions" / "token-claims.json").read_text())
    assert meta["supported_triggers"] == [{"id": "credentials-exchange", "version": "v2"}]
    assert meta["code"] == "./actions/token-claims/code.js"
    assert "exports.onExecuteCredentialsExchange" in (ws / "actions" / "token-claims" / "code.js").read_text()
    assert json.loads((ws / "triggers" / "triggers.json").read_text()) == {
        "credentials-exchange": [{"action_name": "token-claims", "display_name": "token-claims"}]}
    # The user edits the action; a second migrate must not lose that edit.
    code = ws / "actions" / "token-claims" / "code.js"
    code.write_text(code.read_text() + "// my edit\n")
    again = hooktui(ws, "token-claims", "--write")
    assert again.returncode == 1
    assert "exists already" in again.stderr and "--force" in again.stderr
    assert code.read_text().endswith("// my edit\n")
    forced = hooktui(ws, "token-claims", "--write", "--force")
    assert forced.returncode == 0, forced.stderr
    assert not code.read_text().endswith("// my edit\n")
    # Bound once only.
    assert len(json.loads((ws / "triggers" / "triggers.json").read_text())["credentials-exchange"]) == 1


def test_secret_values_go_to_the_action_file_only_with_mode_0600(ws):
    assert hooktui(ws, "sms-provider", "--write").returncode == 0
    meta_path = ws / "actions" / "sms-provider.json"
    meta = json.loads(meta_path.read_text())
    assert {s["name"]: s["value"] for s in meta["secrets"]}["SMS_API_KEY"] == "replace-with-your-provider-api-key"
    assert meta_path.stat().st_mode & 0o777 == 0o600


def test_json_lists_each_hook_with_its_files_and_manual_items_and_exits_1_when_manual(ws):
    (ws / "hooks" / "stateful.js").write_text(
        "module.exports = function (user, context, cb) {\n  auth0.users.get();\n  cb();\n};\n")
    (ws / "hooks" / "stateful.json").write_text(json.dumps(
        {"name": "stateful", "triggerId": "post-change-password", "enabled": False, "script": "./stateful.js"}))
    out = hooktui(ws, "--all", "--json")
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    by_hook = {h["hook"]: h for h in report["hooks"]}
    assert set(by_hook) == {"password-change-audit", "signup-deny-list", "sms-provider", "stateful", "token-claims",
                            "welcome-notification"}
    item, = by_hook["stateful"]["manual"]
    assert item["construct"] == "auth0" and item["hook_line"] == 2 and "Management API" in item["reason"]
    assert by_hook["stateful"]["files"] == ["actions/stateful.json", "actions/stateful/code.js"]  # disabled: no binding
    assert by_hook["token-claims"]["manual"] == [] and "triggers/triggers.json" in by_hook["token-claims"]["files"]
    assert "replace-with-your-provider-api-key" not in out.stdout


def test_a_hook_that_cannot_be_converted_is_reported_and_exits_1(ws):
    (ws / "hooks" / "broken.js").write_text("module.exports = function (user, context, cb) {\n  cb(;\n};\n")
    (ws / "hooks" / "broken.json").write_text(json.dumps(
        {"name": "broken", "triggerId": "post-change-password", "script": "./broken.js"}))
    out = hooktui(ws, "broken")
    assert out.returncode == 1
    assert "broken.js:2" in out.stderr and "not valid JavaScript" in out.stderr


@pytest.mark.parametrize("args", [[], ["--all", "token-claims"], ["token-claims", "--force"]])
def test_usage_errors_exit_2(ws, args):
    out = hooktui(ws, *args)
    assert out.returncode == 2, out.stderr
    assert "hooktui migrate" in out.stderr


def test_an_unknown_hook_exits_2(ws):
    assert hooktui(ws, "nope").returncode == 2


def test_a_binding_that_cannot_be_added_says_what_was_written(ws):
    (ws / "triggers").mkdir()
    full = [{"action_name": f"a{i}", "display_name": f"a{i}"} for i in range(20)]
    (ws / "triggers" / "triggers.json").write_text(json.dumps({"credentials-exchange": full}))
    out = hooktui(ws, "token-claims", "--write")
    assert out.returncode == 1
    assert "wrote actions/token-claims/code.js, actions/token-claims.json, but did not bind" in out.stderr
    assert "Auth0's limit" in out.stderr
    assert (ws / "actions" / "token-claims.json").exists()
