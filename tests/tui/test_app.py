"""The console as a whole: real keys through Pilot, the real executor, files on disk."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static, TextArea

from hooktui.core.resources import data_path
from hooktui.core.settings import UserSettings
from hooktui.tui.app import HooktuiApp
from hooktui.tui.dialogs import ConfirmDialog
from hooktui.tui.widgets.editor import HookEditor
from hooktui.tui.widgets.hook_list import HookList
from hooktui.tui.widgets.log_stream import LogStream
from hooktui.tui.widgets.payload_tester import PayloadTester


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("HOOKTUI_POLL", raising=False)
    root = tmp_path / "workspace"
    shutil.copytree(data_path("examples/workspace"), root)
    # Hostile hooks fail in a second here, not in Auth0's 20.
    toml = root / "hooktui.toml"
    toml.write_text(toml.read_text().replace("timeout = 20", "timeout = 1"))
    return root


def make_app(root: Path, **kw) -> HooktuiApp:
    kw.setdefault("watch", False)
    kw.setdefault("settings", UserSettings(run_on_save=True))
    return HooktuiApp(root, save_dir=root.parent, **kw)


async def until(pilot, condition: Callable[[], bool], timeout: float = 8.0) -> None:
    """Let the app work until `condition` holds; fail with a clear message if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)


def log_lines(app: HooktuiApp) -> list[str]:
    log = app.query_one(LogStream)
    log.flush_now()
    return log.visible_lines()


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


async def ready(app: HooktuiApp, pilot) -> None:
    await until(pilot, lambda: app._executor_ready)


async def open_hook(app: HooktuiApp, pilot, name: str) -> None:
    app.query_one(HookList).select(name)
    app.query_one(HookList).focus()
    await pilot.press("enter")
    await until(pilot, lambda: app.current == name)


async def test_open_edit_save_reload_and_run_on_save(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "password-change-audit")
        editor = app.query_one(HookEditor)
        assert editor.hook == "password-change-audit"
        assert "hooks/password-change-audit.js" in str(editor.border_title)
        area = app.query_one("#editor-script", TextArea)
        area.focus()
        area.move_cursor((0, 0))
        await pilot.press(*"// edited", "enter")
        assert editor.dirty and "●" in str(editor.border_title)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not editor.dirty)
        assert (workspace / "hooks" / "password-change-audit.js").read_text().startswith("// edited\n")
        # Saving reloaded the hook and, with run on save, ran the current payload.
        await until(pilot, lambda: any("password-change-audit" in l and "success in" in l for l in log_lines(app)))
        assert any("password-change-audit reloaded" in l for l in log_lines(app))
        assert app.last_results["password-change-audit"].ok


async def test_a_syntax_error_on_save_points_at_the_line(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "password-change-audit")
        area = app.query_one("#editor-script", TextArea)
        area.focus()
        area.move_cursor((0, 0))
        await pilot.press(*"let x = ;", "enter")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "password-change-audit" in app.load_errors)
        message, line, column = app.load_errors["password-change-audit"]
        assert (line, column) == (1, 9) and "Unexpected token" in message
        row = next(r for r in app.query_one(HookList).rows if r.name == "password-change-audit")
        assert row.state == "syntax error"
        assert any("hooks/password-change-audit.js:1:9" in l for l in log_lines(app))
        area.move_cursor((5, 0))
        await pilot.press("ctrl+g")
        assert area.cursor_location == (0, 8)  # the error's line and column (0-based)


async def test_run_a_payload_and_see_the_result(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "token-claims")
        await pilot.press("f5")
        await until(pilot, lambda: "token-claims" in app.last_results)
        result = app.last_results["token-claims"]
        assert result.ok and result.data["https://example.com/plan"] == "full"
        tester = app.query_one(PayloadTester)
        await until(pilot, lambda: "read:reports" in text_of(tester.query_one("#result-envelope", Static)))
        assert "success" in text_of(tester.query_one("#tester-status", Static))


async def test_bad_payload_json_runs_nothing(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "token-claims")
        payload = app.query_one("#tester-editor", TextArea)
        payload.focus()
        payload.move_cursor((0, 0))
        await pilot.press(*"oops ")
        await pilot.press("f5")
        await pilot.pause(0.3)
        assert "token-claims" not in app.last_results
        problem = text_of(app.query_one("#tester-problem", Static))
        assert "1:1" in problem


async def test_a_run_that_goes_on_says_running_in_the_list_and_the_tester(workspace: Path) -> None:
    # A quick run draws no "running" (a repaint between a save and its result); a slow one does.
    (workspace / "hooks" / "token-claims.js").write_text(
        "module.exports = function (client, scope, audience, context, cb) { setTimeout(function () {"
        " cb(null, { scope: scope }); }, 600); };\n")
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "token-claims")
        await pilot.press("f5")

        def row_state() -> str:
            return next(r.state for r in app.query_one(HookList).rows if r.name == "token-claims")

        await until(pilot, lambda: row_state() == "running", timeout=5)
        assert "running token-claims" in text_of(app.query_one("#tester-status", Static))
        await until(pilot, lambda: "token-claims" in app.last_results, timeout=10)
        assert row_state() == "success"
        assert "running" not in text_of(app.query_one("#tester-status", Static))


async def test_a_hook_that_never_calls_back_times_out_without_harming_the_console(workspace: Path) -> None:
    (workspace / "hooks" / "token-claims.js").write_text(
        "module.exports = function (client, scope, audience, context, cb) { while (true) {} };\n")
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "token-claims")
        await pilot.press("f5")
        await until(pilot, lambda: "token-claims" in app.last_results, timeout=10)
        assert app.last_results["token-claims"].crash == "timeout"
        row = next(r for r in app.query_one(HookList).rows if r.name == "token-claims")
        assert row.state == "timeout"
        assert any("exceeded allowed execution time" in l for l in log_lines(app))
        assert app.is_running


async def test_change_on_disk_while_clean_reloads_the_buffer(workspace: Path) -> None:
    app = make_app(workspace, watch=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "password-change-audit")
        await until(pilot, lambda: any("watching" in l for l in log_lines(app)))
        await pilot.pause(0.3)
        script = workspace / "hooks" / "password-change-audit.js"
        script.write_text(script.read_text() + "\n// changed elsewhere\n")
        editor = app.query_one(HookEditor)
        await until(pilot, lambda: "changed elsewhere" in editor.text("script"))
        assert not editor.dirty


async def test_change_on_disk_while_dirty_keeps_the_typing(workspace: Path) -> None:
    app = make_app(workspace, watch=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "password-change-audit")
        await until(pilot, lambda: any("watching" in l for l in log_lines(app)))
        await pilot.pause(0.3)
        area = app.query_one("#editor-script", TextArea)
        area.focus()
        area.move_cursor((0, 0))
        await pilot.press(*"// mine", "enter")
        script = workspace / "hooks" / "password-change-audit.js"
        script.write_text("// theirs\n" + script.read_text())
        banner = app.query_one("#editor-banner")
        await until(pilot, lambda: banner.display)
        editor = app.query_one(HookEditor)
        assert editor.text("script").startswith("// mine\n") and editor.dirty
        await pilot.press("k")  # keep mine
        assert editor.text("script").startswith("// mine\n")


async def test_create_rename_toggle_and_delete_a_hook(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        hooks = workspace / "hooks"
        app.query_one(HookList).focus()
        await pilot.press("ctrl+n")
        await pilot.press(*"Audit Two")
        await pilot.press("enter")  # to the trigger list
        await pilot.pause()
        await pilot.press("enter")  # the highlighted trigger
        await until(pilot, lambda: (hooks / "audit-two.json").exists())
        assert (hooks / "audit-two.js").exists()
        assert app.current == "audit-two"
        # Rename.
        app.query_one(HookList).select("audit-two")
        app.query_one(HookList).focus()
        await pilot.press("ctrl+e")
        for _ in range(len("Audit Two")):
            await pilot.press("backspace")
        await pilot.press(*"audit-three", "enter")
        await until(pilot, lambda: (hooks / "audit-three.json").exists())
        assert not (hooks / "audit-two.json").exists() and (hooks / "audit-three.js").exists()
        assert app.current == "audit-three"
        # Enable it: the other hook of its trigger gets disabled, and the list says so.
        trigger = json.loads((hooks / "audit-three.json").read_text())["triggerId"]
        app.query_one(HookList).select("audit-three")
        app.query_one(HookList).focus()
        await pilot.press("space")
        await until(pilot, lambda: json.loads((hooks / "audit-three.json").read_text())["enabled"] is True)
        others = [json.loads(p.read_text()) for p in hooks.glob("*.json") if p.name != "audit-three.json"]
        assert not any(o["enabled"] and o["triggerId"] == trigger for o in others)
        assert any("disabled" in l and "one enabled hook per trigger" in l for l in log_lines(app))
        # Delete, confirmed.
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: not (hooks / "audit-three.json").exists())
        assert not (hooks / "audit-three.js").exists()
        assert "audit-three" not in [r.name for r in app.query_one(HookList).rows]


async def test_filter_the_log(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        app.log_buffer.add("info", "token-claims", "alpha line", hook="token-claims")
        app.log_buffer.add("error", "sms-provider", "beta line", hook="sms-provider")
        await pilot.press("f6")
        await pilot.press("slash", *"beta", "enter")
        await pilot.pause()
        lines = log_lines(app)
        assert any("beta line" in l for l in lines) and not any("alpha line" in l for l in lines)


async def test_switch_theme_from_the_palette_and_it_persists(workspace: Path, tmp_path: Path) -> None:
    app = make_app(workspace, settings=None)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"theme: hooktui-light")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: app.theme == "hooktui-light")
    saved = (tmp_path / "config" / "config.toml").read_text()
    assert 'theme = "hooktui-light"' in saved


async def test_quit_with_unsaved_changes_asks_first(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "token-claims")
        area = app.query_one("#editor-script", TextArea)
        area.focus()
        await pilot.press(*"x")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.query_one(HookEditor).dirty
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running)


async def test_narrow_terminal_shows_one_pane_at_a_time(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.pause()
        assert app.query_one("#panebar").display
        assert app.query_one("#hooks").display and not app.query_one("#log").display
        await pilot.press("f6")
        assert app.query_one("#log").display and not app.query_one("#hooks").display
        await pilot.press("f3")
        assert app.query_one("#editor").display and not app.query_one("#log").display


async def test_zoom_and_help(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await pilot.press("f2")
        await pilot.press("f8")
        assert app.query_one("#hooks").display and not app.query_one("#editor").display
        await pilot.press("f8")
        assert app.query_one("#editor").display and app.query_one("#log").display
        await pilot.press("f1")
        await pilot.pause()
        from textual.widgets import Markdown

        help_text = app.screen.query_one(Markdown).source
        assert "ctrl+n" in help_text and "Hooks" in help_text and "f5" in help_text
        await pilot.press("escape")
        assert not app.screen.query(Markdown)


async def test_secrets_never_show_in_the_console(workspace: Path) -> None:
    meta_path = workspace / "hooks" / "password-change-audit.json"
    meta = json.loads(meta_path.read_text())
    meta["secrets"] = {"AUDIT_TOKEN": "super-secret-value-123"}
    meta_path.write_text(json.dumps(meta, indent=2))
    (workspace / "hooks" / "password-change-audit.js").write_text(
        "module.exports = function (user, context, cb) {\n"
        "  console.log('token is ' + context.webtask.secrets.AUDIT_TOKEN);\n"
        "  cb(null, { leaked: context.webtask.secrets.AUDIT_TOKEN });\n};\n")
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "password-change-audit")
        editor = app.query_one(HookEditor)
        assert "super-secret-value-123" not in editor.text("meta") and "AUDIT_TOKEN" in editor.text("meta")
        await pilot.press("f5")
        await until(pilot, lambda: "password-change-audit" in app.last_results)
        await pilot.pause(0.2)
        shown = "\n".join(log_lines(app))
        tester = app.query_one(PayloadTester)
        shown += "\n".join(text_of(w) for w in tester.query(Static))
        assert "token is" in shown
        assert "super-secret-value-123" not in shown
        # Saving the settings with the mask in place keeps the real value on disk.
        editor_meta = app.query_one("#editor-meta", TextArea)
        await pilot.press("f3", "f7")  # the settings tab
        editor_meta.focus()
        editor_meta.move_cursor((0, 0))
        editor_meta.insert(" ")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not editor.dirty)
        assert json.loads(meta_path.read_text())["secrets"] == {"AUDIT_TOKEN": "super-secret-value-123"}


async def test_keys_are_remapped_from_the_user_config(workspace: Path) -> None:
    settings = UserSettings(run_on_save=True, keymap={"app.run": "f7", "app.focus_log": "f12"})
    app = make_app(workspace, settings=settings)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await open_hook(app, pilot, "token-claims")
        await pilot.press("f7")
        await until(pilot, lambda: "token-claims" in app.last_results)
        await pilot.press("f12")
        assert app.active_pane == "log"


async def test_a_bad_theme_file_gives_one_notification_naming_it(workspace: Path, tmp_path: Path) -> None:
    themes = tmp_path / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    (themes / "worse.toml").write_text("name = \n")
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        notes = [n for n in app._notifications if n.title == "themes"]
        assert len(notes) == 1
        assert "broken.toml" in notes[0].message and "worse.toml" in notes[0].message
        assert "hooktui-dark" in app.available_themes  # the good ones still load


async def test_hooks_added_and_deleted_on_disk_show_up(workspace: Path) -> None:
    app = make_app(workspace, watch=True)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        await until(pilot, lambda: any("watching" in l for l in log_lines(app)))
        await pilot.pause(0.3)
        hooks = workspace / "hooks"
        (hooks / "from-git.js").write_text("module.exports = function (u, c, cb) { cb(); };\n")
        (hooks / "from-git.json").write_text(json.dumps({
            "name": "from-git", "triggerId": "post-change-password", "enabled": False,
            "script": "./from-git.js", "dependencies": {}, "secrets": {}}))
        names = lambda: [r.name for r in app.hook_list.rows]  # noqa: E731
        await until(pilot, lambda: "from-git" in names())
        (hooks / "sms-provider.json").unlink()
        (hooks / "sms-provider.js").unlink()
        await until(pilot, lambda: "sms-provider" not in names())
        assert any("from-git appeared on disk" in l for l in log_lines(app))
        assert any("sms-provider is gone from disk" in l for l in log_lines(app))


async def test_a_workspace_with_invalid_hooks_still_opens_and_says_what_is_wrong(workspace: Path) -> None:
    (workspace / "hooks" / "welcome-notification.json").write_text('{"name": "welcome-notification", "triggerId": }')
    meta = workspace / "hooks" / "sms-provider.json"
    meta.write_text(meta.read_text().replace('"send-phone-message"', '"send-fax"'))
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        rows = {r.name: r for r in app.hook_list.rows}
        assert rows["sms-provider"].state == "invalid" and "send-fax" in rows["sms-provider"].detail
        assert "token-claims" in rows and rows["token-claims"].state == "ok"
        lines = "\n".join(log_lines(app))
        assert "hooks/welcome-notification.json:1:" in lines and "invalid JSON" in lines
        assert "hooks/sms-provider.json" in lines and "send-fax" in lines


async def test_a_failing_worker_becomes_a_notification(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)

        async def broken() -> None:
            raise RuntimeError("disk on fire")

        app.run_worker(broken, name="broken task", exit_on_error=False)
        await until(pilot, lambda: any(n.title == "error" for n in app._notifications))
        note = next(n for n in app._notifications if n.title == "error")
        assert "broken task failed: RuntimeError: disk on fire" in note.message
        assert app.is_running


async def test_log_settings_from_the_user_config_apply(workspace: Path) -> None:
    app = make_app(workspace, settings=UserSettings(log_timestamps=False))
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(app, pilot)
        app.log_buffer.add("info", "token-claims", "plain line")
        line = next(l for l in log_lines(app) if "plain line" in l)
        assert line.startswith("INFO"), line  # no time column
