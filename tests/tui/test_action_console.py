"""Actions in the whole console, with real `node`: a deploy-cli export that holds actions opens with
them in the list, an action and a trigger's flow run from the tester and say what the application
would get, an edit re-runs on save, the settings show secrets masked and keep them on save, and
bind / unbind / reorder / new / delete from the list's keys are written to the workspace."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest
from textual.widgets import TextArea
from waiting import until

from hooktui.core.settings import UserSettings
from hooktui.tui.app import HooktuiApp, demo_workspace
from hooktui.tui.widgets.hook_list import HookList
from hooktui.tui.widgets.log_stream import LogStream

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "actions-export"
SECRET = "sk_live_9f8e7d6c5b4a"


@pytest.fixture
def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The deploy-cli export of the actions tests, with a secret that has a value in the workspace."""
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    root = Path(shutil.copytree(FIXTURE, tmp_path / "export"))
    meta = root / "actions" / "log-login.json"
    data = json.loads(meta.read_text())
    data["secrets"] = [{"name": "AUDIT_KEY", "value": SECRET}]
    meta.write_text(json.dumps(data, indent=2) + "\n")
    code = root / "actions" / "log-login" / "code.js"
    code.write_text(code.read_text().replace("console.log(`login", "console.log(`key ${event.secrets.AUDIT_KEY} login"))
    return root


def make_app(root: Path, **kw) -> HooktuiApp:
    kw.setdefault("watch", False)
    kw.setdefault("settings", UserSettings(run_on_save=True))
    return HooktuiApp(root, save_dir=root.parent, **kw)


def log_lines(app: HooktuiApp) -> list[str]:
    log = app.query_one(LogStream)
    log.flush_now()
    return log.visible_lines()


async def ready(app: HooktuiApp, pilot) -> None:
    await until(pilot, lambda: app.runs.ready, "the executor started")


async def open_action(app: HooktuiApp, pilot, name: str) -> None:
    pane = app.query_one(HookList)
    pane.focus()
    assert pane.select(name, kind="action"), f"{name} not in the list"
    await pilot.press("enter")
    await until(pilot, lambda: app.editor.holds("action", name), f"{name} open in the editor")


def all_rows(app: HooktuiApp) -> list:
    pane = app.query_one(HookList)
    return [*pane.rows, *pane.action_rows]


def action_row(app: HooktuiApp, name: str):
    return next(r for r in app.query_one(HookList).action_rows if r.name == name)


def triggers(root: Path) -> dict:
    return json.loads((root / "triggers" / "triggers.json").read_text())


def flow_of(root: Path, trigger: str) -> list[str]:
    return [entry["action_name"] for entry in triggers(root)[trigger]]


async def test_an_export_opens_with_its_actions_and_an_action_runs_from_the_tester(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        rows = {(r.kind, r.name) for r in all_rows(app)}
        assert ("action", "add-roles-claim") in rows and ("action", "sms-gateway") in rows
        await open_action(app, pilot, "add-roles-claim")
        assert "actions/add-roles-claim/code.js" in str(app.editor.border_title)
        assert app.tester.target == ("action", "add-roles-claim")
        await pilot.press("f5")
        await until(pilot, lambda: "add-roles-claim" in app.actions.last_results, "the run's result")
        result = app.actions.last_results["add-roles-claim"]
        assert result.ok, result.error
        # The namespace is the secret CLAIM_NAMESPACE (##CLAIM_NAMESPACE## replaced from hooktui.toml's
        # [keywords]): what the console keeps and shows has it masked.
        [claim] = result.outcome["access_token_claims"]
        assert claim.endswith("/roles") and "acme.io" not in claim
        assert any("add-roles-claim" in line and "success" in line for line in log_lines(app))
        row = action_row(app, "add-roles-claim")
        assert row.state == "success" and row.position == 0


async def test_a_trigger_flow_runs_from_its_header_and_shows_each_step(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        pane = app.query_one(HookList)
        pane.focus()
        await open_action(app, pilot, "add-roles-claim")
        pane.focus()
        await pilot.pause()
        await pilot.press("up")  # from the first action of post-login to its header
        await until(pilot, lambda: pane.highlighted_row is None and pane.highlighted_trigger == "post-login",
                    "the post-login header highlighted")
        await pilot.press("enter")
        await until(pilot, lambda: app.tester.target == ("flow", "post-login"), "the flow in the tester")
        await pilot.press("f5")
        await until(pilot, lambda: "log-login" in app.actions.last_results, "the flow's result")
        assert app.actions.last_results["add-roles-claim"].ok and app.actions.last_results["log-login"].ok
        lines = log_lines(app)
        assert any("post-login" in line and "2 actions ran" in line for line in lines), lines[-5:]
        # The secret the action logs is masked in the log pane.
        assert not any(SECRET in line for line in lines)
        assert any("key " in line and "login" in line for line in lines)


async def test_an_edit_of_code_js_reruns_on_save(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_action(app, pilot, "add-roles-claim")
        await pilot.press("f5")
        await until(pilot, lambda: "add-roles-claim" in app.actions.last_results, "the first run")
        first = app.actions.last_results["add-roles-claim"]
        area = app.query_one("#editor-script", TextArea)
        area.focus()
        line = next(i for i, text in enumerate(area.text.splitlines()) if "accessToken.setCustomClaim" in text)
        area.move_cursor((line + 1, 0))
        await pilot.press(*"  api.accessToken.setCustomClaim('https://example.com/edited', true);", "enter")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not app.editor.dirty, "the save")
        assert "https://example.com/edited" in (export / "actions" / "add-roles-claim" / "code.js").read_text()
        await until(pilot, lambda: app.actions.last_results["add-roles-claim"] is not first, "the run on save")
        claims = app.actions.last_results["add-roles-claim"].outcome["access_token_claims"]
        assert claims["https://example.com/edited"] is True


async def test_an_error_in_the_action_points_the_editor_at_its_line(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_action(app, pilot, "add-roles-claim")
        area = app.query_one("#editor-script", TextArea)
        area.focus()
        line = next(i for i, text in enumerate(area.text.splitlines()) if "const roles" in text)
        area.move_cursor((line + 1, 0))
        await pilot.press(*"  null.boom;", "enter")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not app.actions.last_results.get("add-roles-claim", None) is None
                    and not app.actions.last_results["add-roles-claim"].ok, "the failing run")
        result = app.actions.last_results["add-roles-claim"]
        assert result.location is not None and result.location.line == line + 2
        await until(pilot, lambda: area.error_line == line + 1, "the error line marked")
        row = action_row(app, "add-roles-claim")
        assert row.state == "error"


async def test_the_settings_show_secrets_masked_and_a_save_keeps_them(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_action(app, pilot, "log-login")
        app.action_switch_tab("meta")
        await pilot.pause()
        meta = app.query_one("#editor-meta", TextArea)
        assert SECRET not in meta.text and "••••••••" in meta.text
        assert SECRET not in app.export_screenshot()
        start = meta.text.index('"deployed": true')
        row, column = meta.text[:start].count("\n"), start - meta.text.rfind("\n", 0, start) - 1
        meta.replace('"deployed": false', (row, column), (row, column + len('"deployed": true')))
        meta.focus()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not app.editor.dirty, "the settings saved")
        data = json.loads((export / "actions" / "log-login.json").read_text())
        assert data["deployed"] is False
        assert data["secrets"] == [{"name": "AUDIT_KEY", "value": SECRET}]
        # An invalid trigger version is refused before anything is written, at its line.
        version = meta.text.index('"v3"')
        row = meta.text[:version].count("\n")
        column = version - meta.text.rfind("\n", 0, version) - 1
        meta.replace('"v9"', (row, column), (row, column + 4))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.editor.dirty
        assert json.loads((export / "actions" / "log-login.json").read_text())["supported_triggers"][0]["version"] == "v3"


async def test_bind_unbind_and_reorder_from_the_list_are_written_to_triggers_json(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        pane = app.query_one(HookList)
        pane.focus()
        assert pane.select("add-roles-claim", kind="action")
        await pilot.press("shift+down")
        await until(pilot, lambda: flow_of(export, "post-login") == ["log-login", "add-roles-claim"], "the reorder")
        await until(pilot, lambda: pane.highlighted_row is not None and pane.highlighted_row.name == "add-roles-claim",
                    "the cursor stays on the moved action")
        await pilot.press("space")
        await until(pilot, lambda: flow_of(export, "post-login") == ["log-login"], "the unbind")
        row = action_row(app, "add-roles-claim")
        assert row.position is None
        assert pane.select("add-roles-claim", kind="action")
        await pilot.press("space")
        await until(pilot, lambda: flow_of(export, "post-login") == ["log-login", "add-roles-claim"], "the bind")
        assert triggers(export)["credentials-exchange"] == [{"action_name": "deny-na-m2m",
                                                              "display_name": "deny-na-m2m"}]


async def test_new_and_delete_an_action_from_the_list(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        pane = app.query_one(HookList)
        pane.focus()
        assert pane.select("log-login", kind="action")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"geo-block", "enter")  # the name: on to the trigger list (post-login, the row's)
        await pilot.pause()
        await pilot.press("enter")  # the trigger: create
        await until(pilot, lambda: (export / "actions" / "geo-block.json").exists(), "the new action's files")
        assert "onExecutePostLogin" in (export / "actions" / "geo-block" / "code.js").read_text()
        assert flow_of(export, "post-login")[-1] == "geo-block"
        await until(pilot, lambda: app.editor.holds("action", "geo-block"), "the new action open")
        pane.focus()
        assert pane.select("geo-block", kind="action")
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")  # the confirmation (enter keeps: the safe default)
        await until(pilot, lambda: not (export / "actions" / "geo-block.json").exists(), "the delete")
        assert not (export / "actions" / "geo-block").exists()
        assert "geo-block" not in flow_of(export, "post-login")
        assert not app.editor.holds("action", "geo-block")
        assert all(r.name != "geo-block" for r in pane.action_rows)


async def test_a_change_on_disk_reloads_the_open_action_and_reruns_it(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_action(app, pilot, "add-roles-claim")
        code = export / "actions" / "add-roles-claim" / "code.js"
        code.write_text(code.read_text().replace("const roles", "api.idToken.setCustomClaim('https://example.com/disk', 1);\n"
                                                 "  const roles"))
        app.files_changed_on_disk([str(code)])
        await until(pilot, lambda: "https://example.com/disk" in app.query_one("#editor-script", TextArea).text,
                    "the buffer reloaded")
        await until(pilot, lambda: "add-roles-claim" in app.actions.last_results, "the run after the change")
        assert app.actions.last_results["add-roles-claim"].outcome["id_token_claims"]["https://example.com/disk"] == 1
        (export / "triggers" / "triggers.json").write_text(json.dumps({"post-login": [
            {"action_name": "log-login", "display_name": "log-login"}]}, indent=2))
        app.files_changed_on_disk([str(export / "triggers" / "triggers.json")])
        pane = app.query_one(HookList)
        await until(pilot, lambda: action_row(app, "add-roles-claim").position is None, "the list follows triggers.json")


async def test_the_demo_opens_both_kinds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    root = demo_workspace()
    app = make_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        kinds = {(r.kind, r.name) for r in all_rows(app)}
        assert ("hook", "token-claims") in kinds and ("action", "token-claims") in kinds
        assert ("action", "deny-blocked-users") in kinds
    shutil.rmtree(root.parent, ignore_errors=True)


async def test_external_edit_of_an_action_reloads_it(export: Path, tmp_path: Path) -> None:
    editor = tmp_path / "fake-editor.sh"
    editor.write_text("#!/bin/sh\nprintf '// from my editor\\n' >> \"$1\"\n")
    editor.chmod(0o755)
    app = make_app(export, env={"EDITOR": str(editor), "HOOKTUI_CONFIG_DIR": str(tmp_path / "config")})
    # A test terminal cannot be handed over: suspending is the one thing not exercised here.
    app.suspend = contextlib.nullcontext  # type: ignore[method-assign]
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_action(app, pilot, "log-login")
        await pilot.press("f9")
        await until(pilot, lambda: "// from my editor" in app.query_one("#editor-script", TextArea).text,
                    "the buffer shows the external edit")
        assert (export / "actions" / "log-login" / "code.js").read_text().endswith("// from my editor\n")


async def test_the_palette_opens_a_flow_and_binds_an_action(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        pane = app.query_one(HookList)
        pane.focus()
        assert pane.select("log-login", kind="action")
        await pilot.press("ctrl+p")
        await pilot.press(*"action: Open the trigger's flow")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: app.tester.target == ("flow", "post-login"), "the flow from the palette")
        pane.focus()
        assert pane.select("log-login", kind="action")
        await pilot.press("ctrl+p")
        await pilot.press(*"action: Bind / unbind the selected action")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: flow_of(export, "post-login") == ["add-roles-claim"], "the unbind from the palette")


async def test_a_tenant_key_on_an_action_says_what_it_does_not_do_yet(export: Path) -> None:
    app = make_app(export)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        pane = app.query_one(HookList)
        pane.focus()
        assert pane.select("log-login", kind="action")
        await pilot.press("alt+p")
        await until(pilot, lambda: any("tenant keys work on hooks" in n.message for n in app._notifications),
                    "the notice")
        assert not app.screen_stack[1:], "a push plan opened for an action"
