"""Layout snapshots (SVG, pytest-textual-snapshot) at the two sizes people use: 80x24 over SSH
and a large terminal. Regenerate after an intended change with `pytest --snapshot-update`."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from hooktui.core.resources import data_path
from hooktui.core.settings import UserSettings
from hooktui.tui.app import HooktuiApp


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HooktuiApp:
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    root = tmp_path / "workspace"
    shutil.copytree(data_path("examples/workspace"), root)
    return HooktuiApp(root, settings=UserSettings(), watch=False)


async def settle(pilot) -> None:
    app = pilot.app
    while not app._executor_ready:
        await asyncio.sleep(0.02)
    # What differs between machines and runs (Node's version, times, the temp path) goes.
    app.sub_title = "examples/workspace"
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
        for _ in range(500):
            if script.text and script.language == "javascript" and payload.text and payload.language == "json":
                break
            await asyncio.sleep(0.01)
        # The focused editor's cursor blinks every 0.5 s: without this the picture depends on when
        # it is taken (a loaded machine once caught it off). The stored picture has it on.
        for area in app.query(TextArea):
            area.cursor_blink = False
        await pilot.pause(0.3)

    assert snap_compare(console, terminal_size=(160, 50), run_before=open_token_claims)
