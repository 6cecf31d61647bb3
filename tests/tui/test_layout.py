"""The console at the sizes people use: 120x40 (the most common SSH size) and 80x24. What a
person reads: every hook name in full, 80 columns of code, the result's header with its payload
and run id, the history's status and duration, dialogs not cut; at 80x24 a run started from the
editor says how it went where the user is, and the footer keeps the keys that matter."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static, TextArea
from textual.widgets._footer import FooterKey
from waiting import until

from hooktui.core.settings import UserSettings
from hooktui.tui.app import HooktuiApp
from hooktui.tui.dialogs import TextPromptDialog
from hooktui.tui.layout import EDITOR_CODE, HOOKS_MAX, editor_code_columns, plan_layout
from hooktui.tui.widgets.hook_list import pane_width_for


def screen_lines(app: HooktuiApp) -> list[str]:
    """The screen as text, one string per row (what a person reads)."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def text_of(widget: Static) -> str:
    return str(widget.render())


async def open_hook(app: HooktuiApp, pilot, name: str) -> None:
    app.hook_list.select(name)
    app.hook_list.focus()
    await pilot.press("enter")
    await until(pilot, lambda: app.current == name and app.tester.hook == name, f"{name} open")


# -------------------------------------------------------------------------------- the plan


def test_120_columns_give_the_names_and_80_columns_of_code() -> None:
    example = pane_width_for(len("password-change-audit"), sync=True)
    layout = plan_layout(120, 40, example)
    assert layout.mode == "medium" and layout.hooks == example
    assert editor_code_columns(120, layout.hooks) >= EDITOR_CODE
    # Names of 24 characters still leave the editor its 80 columns.
    assert editor_code_columns(120, plan_layout(120, 40, pane_width_for(24, sync=True)).hooks) >= EDITOR_CODE
    # Longer names win over the editor, up to a cap: a name of 30 is read in full.
    long = pane_width_for(30, sync=True)
    assert plan_layout(120, 40, long).hooks == long <= HOOKS_MAX
    assert plan_layout(120, 40, 200).hooks == HOOKS_MAX
    assert plan_layout(160, 50, example).mode == "wide"
    assert plan_layout(80, 24, example).mode == "single"
    assert plan_layout(160, 50, example, zoomed=True).mode == "single"


# -------------------------------------------------------------------------------- 120x40


async def test_at_120x40_names_code_result_and_history_are_readable(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app._executor_ready, "the executor")
        assert app.screen.has_class("-medium")
        assert all(app._pane(pane).display for pane in ("hooks", "editor", "tester", "log"))
        lines = screen_lines(app)
        for row in app.hook_list.rows:
            assert any(f" {row.name} " in line for line in lines), f"{row.name} is not shown in full"
        await open_hook(app, pilot, "signup-deny-list")
        area = app.query_one("#editor-script", TextArea)
        code = area.scrollable_content_region.width - area.gutter_width
        assert code >= EDITOR_CODE, f"the editor shows {code} columns of code"
        longest = max(area.text.splitlines(), key=len)
        assert len(longest) > EDITOR_CODE
        assert any(longest[:EDITOR_CODE] in line for line in screen_lines(app)), "not 80 columns of code on screen"

        await pilot.press("f5")
        await until(pilot, lambda: app.tester.history.latest("signup-deny-list") is not None, "the run")
        status = text_of(app.query_one("#tester-status", Static))
        run_id = app.last_results["signup-deny-list"].run_id
        assert "success" in status and "default" in status and run_id in status, status
        assert any(status.strip() in line for line in screen_lines(app)), f"the result header is cut: {status}"

        app.tester.show_view("history")
        await pilot.pause()
        table = app.query_one("#tester-history", DataTable)
        rows = [line for line in screen_lines(app) if run_id in line and "success" in line]
        assert rows and " ms" in rows[0], "the history row shows no status or duration"
        assert table.region.right <= app.tester.region.right

        # The save-payload dialog's sentence is read in full.
        app.tester.show_view("payload")
        await pilot.pause()
        app.tester.action_save_payload()
        await until(pilot, lambda: isinstance(app.screen, TextPromptDialog) and app.screen.query(".field-label"),
                    "the save-payload dialog")
        await pilot.pause()
        label = app.screen.query_one(".field-label")
        wanted = "Save this payload of signup-deny-list as payloads/signup-deny-list/<name>.json"
        lines, box = screen_lines(app), label.region
        shown = " ".join(lines[y][box.x:box.right].strip() for y in range(box.y, box.bottom))
        assert shown == wanted, f"the dialog's sentence is cut: {shown!r}"
        await pilot.press("escape")


# -------------------------------------------------------------------------------- 80x24


async def test_at_80x24_f5_from_the_editor_says_how_the_run_went(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app._executor_ready, "the executor")
        await open_hook(app, pilot, "signup-deny-list")
        assert app.active_pane == "editor" and not app.tester.display
        before = app.editor.text("script")
        await pilot.press("f5")
        await until(pilot, lambda: "signup-deny-list" in app.last_results, "the run")
        run_id = app.last_results["signup-deny-list"].run_id
        await until(pilot, lambda: "success" in app.flash_line.text, "the flash line")
        flash = app.flash_line.text
        assert f"signup-deny-list#{run_id}" in flash and "f4" in flash
        assert any(flash.strip() in line for line in screen_lines(app)), "the flash line is not on screen"
        assert app.editor.text("script") == before and app.active_pane == "editor"
        await pilot.press("f4")
        await until(pilot, lambda: app.tester.display and not app.flash_line.display, "the tester, flash gone")

        # A payload that cannot run says so from the editor too.
        app.tester.query_one("#tester-editor", TextArea).load_text("{ not json")
        await pilot.press("f3")
        await pilot.press("f5")
        await until(pilot, lambda: "payload" in app.flash_line.text, "the payload's problem in the flash line")


async def test_at_80x24_the_footer_fits_and_keeps_help_and_run_in_every_pane(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_hook(app, pilot, "signup-deny-list")
        first = {"hooks": "Open", "editor": "Save", "tester": "Payloads", "log": "Follow/pause"}
        for pane, key in (("hooks", "f2"), ("editor", "f3"), ("tester", "f4"), ("log", "f6")):
            await pilot.press(key)
            await until(pilot, lambda: app.active_pane == pane, f"the {pane} pane")
            await pilot.pause(0.2)
            keys = [k for k in app.screen.query(FooterKey) if "-command-palette" not in k.classes]
            descriptions = [k.description for k in keys]
            assert descriptions and descriptions[0] == first[pane], f"{pane}: {descriptions}"
            assert "Help" in descriptions and "Run" in descriptions, f"{pane}: {descriptions}"
            # The pane bar names the pane keys: the footer does not repeat them.
            assert not {"Hooks", "Editor", "Payload", "Log"} & set(descriptions), f"{pane}: {descriptions}"
            footer = screen_lines(app)[-1]
            assert "Palette" in footer and "Help" in footer, f"{pane}: the footer is cut: {footer!r}"
            last = keys[-1]
            assert last.region.right <= 80 - len("▏^p Palette"), f"{pane}: {descriptions} overflow"
