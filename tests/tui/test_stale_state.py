"""Nothing on screen outlives what it is about: an error bar goes when the error is gone (fixed by
undo, or from outside), and a deleted hook leaves no result, title or history in the payload pane."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static, TextArea
from waiting import until

from hooktui.core.settings import UserSettings
from hooktui.tui import messages as m
from hooktui.tui.app import HooktuiApp


def error_bar(app: HooktuiApp) -> str:
    bar = app.editor.query_one("#editor-error", Static)
    return str(bar.render()) if bar.display else ""


async def open_hook(app: HooktuiApp, pilot, name: str) -> None:
    app.hook_list.select(name)
    app.hook_list.focus()
    await pilot.press("enter")
    await until(pilot, lambda: app.current == name and app.tester.hook == name, f"{name} open")


async def test_a_settings_error_goes_when_undo_puts_the_valid_text_back(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_hook(app, pilot, "sms-provider")
        app.editor.action_show_tab("meta")
        area = app.query_one("#editor-meta", TextArea)
        valid = area.text
        row = next(i for i, line in enumerate(valid.splitlines()) if '"enabled": true' in line)
        column = valid.splitlines()[row].index("true")
        area.replace('"yes"', (row, column), (row, column + 4))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "enabled" in error_bar(app), "the error under the editor")
        assert json.loads((workspace / "hooks" / "sms-provider.json").read_text())["enabled"] is True
        area.undo()
        await until(pilot, lambda: area.text == valid, "the undo")
        await until(pilot, lambda: error_bar(app) == "", "the error bar gone with the error")
        # The same mistake again is found again at the next save.
        area.replace('"yes"', (row, column), (row, column + 4))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "enabled" in error_bar(app), "the error back with the mistake")


async def test_settings_made_invalid_and_fixed_outside_show_and_clear_the_error(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_hook(app, pilot, "sms-provider")
        meta = workspace / "hooks" / "sms-provider.json"
        good = meta.read_text()
        meta.write_text(good.replace('"enabled": true', '"enabled": tru'))
        app.files_changed_on_disk([str(meta)])
        tabs = app.editor.query_one("#editor-tabs", Static)
        await until(pilot, lambda: "settings ✗" in str(tabs.render()), "the settings tab marked")
        app.editor.action_show_tab("meta")
        await until(pilot, lambda: "hooks/sms-provider.json:4:" in error_bar(app), "the file's problem shown")
        meta.write_text(good)
        app.files_changed_on_disk([str(meta)])
        await until(pilot, lambda: error_bar(app) == "", "the error bar gone once the file is fixed")
        assert "✗" not in str(tabs.render())
        assert '"enabled": true' in app.editor.text("meta")


async def test_deleting_the_open_hook_clears_the_payload_pane(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app._executor_ready, "the executor")
        await open_hook(app, pilot, "token-claims")
        await pilot.press("f5")
        await until(pilot, lambda: "token-claims" in app.last_results and app.tester.view == "result", "the result")
        app.post_message(m.HookDeleteRequested("token-claims"))
        await until(pilot, lambda: app.current is None, "the hook gone")
        await pilot.pause()
        tester = app.tester
        assert tester.hook is None
        assert "token-claims" not in (tester.border_subtitle or "")
        status = str(tester.query_one("#tester-status", Static).render())
        assert "success" not in status and "token-claims" not in status
        assert tester.query_one("#result-empty", Static).display
        assert not any(part.display for part in tester.query("#result-envelope, #result-console"))
        assert tester.query_one("#tester-editor", TextArea).text == ""
        assert tester.history.for_hook("token-claims") == []
