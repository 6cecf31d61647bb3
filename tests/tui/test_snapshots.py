"""Layout snapshots (SVG, pytest-textual-snapshot) at the two sizes people use: 80x24 over SSH
and a large terminal. Regenerate after an intended change with `pytest --snapshot-update`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from waiting import until

from hooktui.core.settings import UserSettings
from hooktui.tui.app import HooktuiApp


@pytest.fixture
def console(workspace: Path) -> HooktuiApp:
    return HooktuiApp(workspace, settings=UserSettings(), watch=False)


async def settle(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app._executor_ready or app._executor_failed, "the executor starting")
    assert app._executor_ready, "the executor failed to start: " + " / ".join(app.log_pane.visible_lines()[-5:])
    # What differs between machines and runs (Node's version, times, the temp path) goes.
    app.sub_title = "examples/workspace"
    # The executor's worker goes on to compile every hook: the rows show the outcome.
    await until(pilot, lambda: not any(w.group == "executor" and not w.is_finished for w in app.workers),
                "the hooks compiled")
    app.log_pane.clear()
    await pilot.pause(0.3)


def test_layout_80x24(snap_compare, console: HooktuiApp) -> None:
    assert snap_compare(console, terminal_size=(80, 24), run_before=settle)


def test_layout_160x50_with_a_hook_open(snap_compare, console: HooktuiApp) -> None:
    async def open_token_claims(pilot) -> None:
        from textual.widgets import TextArea

        await settle(pilot)
        app = pilot.app
        app.hook_list.select("token-claims")
        app.hook_list.focus()
        await pilot.press("enter")
        script = app.query_one("#editor-script", TextArea)
        payload = app.query_one("#tester-editor", TextArea)
        # Wait for what the picture shows, not for a fixed time: a loaded machine is slower.
        await until(pilot, lambda: bool(script.text and script.language == "javascript" and payload.text
                                        and payload.language == "json"), "the hook open and highlighted")
        # The focused editor's cursor blinks every 0.5 s: without this the picture depends on when
        # it is taken (a loaded machine once caught it off). The stored picture has it on.
        for area in app.query(TextArea):
            area.cursor_blink = False
        await pilot.pause(0.3)

    assert snap_compare(console, terminal_size=(160, 50), run_before=open_token_claims)


def test_layout_120x40_with_a_hook_open_and_a_result(snap_compare, console: HooktuiApp) -> None:
    """The most common SSH size: names in full, 80 columns of code, the result beside the log."""

    async def open_and_run(pilot) -> None:
        from textual.widgets import TextArea

        await settle(pilot)
        app = pilot.app
        app.hook_list.select("signup-deny-list")
        app.hook_list.focus()
        await pilot.press("enter")
        script = app.query_one("#editor-script", TextArea)
        payload = app.query_one("#tester-editor", TextArea)
        await until(pilot, lambda: bool(script.text and script.language == "javascript" and payload.text
                                        and payload.language == "json"), "the hook open and highlighted")
        await pilot.press("f5")
        await until(pilot, lambda: "signup-deny-list" in app.last_results and app.tester.view == "result",
                    "the result shown")
        app.log_pane.clear()  # its lines carry the time of day
        app.hook_list.set_rows([replace(row, last_run=None) for row in app.hook_list.rows])
        # The duration varies from run to run: the picture shows a fixed one, styled as ever.
        result = app.last_results["signup-deny-list"]
        app.tester._last[("hook", "signup-deny-list")] = replace(result, duration_ms=0.7)
        app.tester._update_status()
        # The stored picture has the cursor in its off phase; with blinking stopped a loaded machine
        # once caught it on. Its phase is set, not left to when the blink timer last fired.
        # The picture is taken with the focus back in the hook list: a focused editor draws its
        # cursor wherever its blink and scroll stand when the picture is taken, which a loaded
        # machine changes.
        app.hook_list.focus()
        await until(pilot, lambda: app.hook_list.has_focus_within, "the hook list focused")
        for area in app.query(TextArea):
            area.cursor_blink = False
        await pilot.pause(0.3)

    assert snap_compare(console, terminal_size=(120, 40), run_before=open_and_run)
