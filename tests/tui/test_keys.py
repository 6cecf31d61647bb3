"""Every global key, sent as the bytes a terminal (tmux, xterm, ssh) sends, with the focus in each
pane and each text field: the action happens and no buffer changes. Also: ctrl+s brings back a
hook whose files were deleted under unsaved edits, and the palette lists every tab."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, TextArea
from waiting import until

from hooktui.core.settings import UserSettings
from hooktui.tui import messages as m
from hooktui.tui.app import HelpScreen, HooktuiApp
from hooktui.tui.dialogs import ConfirmDialog


async def send(app: HooktuiApp, pilot, data: str) -> None:
    """Feed `data` through Textual's terminal parser, as the driver does with what tmux sends."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser(debug=False)
    for event in [*parser.feed(data), *parser.feed("")]:
        app.post_message(event)
    await pilot.pause()


# What a terminal sends for each key (xterm / tmux with its default TERM=screen).
BYTES = {
    "f1": "\x1bOP", "f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS", "f5": "\x1b[15~", "f6": "\x1b[17~",
    "f7": "\x1b[18~", "f8": "\x1b[19~", "ctrl+r": "\x12", "ctrl+p": "\x10", "ctrl+q": "\x11",
    "alt+1": "\x1b1", "alt+2": "\x1b2", "alt+3": "\x1b3", "alt+4": "\x1b4", "alt+s": "\x1bs", "alt+z": "\x1bz",
    "alt+x": "\x1bx", "alt+q": "\x1bq", "alt+r": "\x1br", "alt+d": "\x1bd", "alt+p": "\x1bp",
    "alt+shift+p": "\x1bP", "alt+l": "\x1bl", "alt+shift+l": "\x1bL", "alt+e": "\x1be", "alt+t": "\x1bt",
}
PANE_KEYS = {"f2": "hooks", "alt+1": "hooks", "f3": "editor", "alt+2": "editor", "f4": "tester",
             "alt+3": "tester", "f6": "log", "alt+4": "log"}
TENANT_KEYS = {"alt+r": "refresh", "alt+d": "diff", "alt+p": "push", "alt+shift+p": "push",
               "alt+l": "pull", "alt+shift+l": "pull", "alt+e": "enable", "alt+t": "tenant log"}


def focus_places(app: HooktuiApp) -> dict[str, Callable[[], None]]:
    """Where the focus can be, each a function that puts it there."""
    editor, tester, log = app.editor, app.tester, app.log_pane

    def script() -> None:
        editor.action_show_tab("script")

    def settings() -> None:
        editor.action_show_tab("meta")

    def log_filter() -> None:
        log.action_open_filter()

    return {
        "hook list": lambda: app.hook_list.focus(),
        "script editor": script,
        "settings editor": settings,
        "payload editor": lambda: tester.show_view("payload"),
        "result": lambda: tester.show_view("result"),
        "history": lambda: tester.show_view("history"),
        "log": lambda: app.action_focus_pane("log"),
        "log filter": log_filter,
    }


def buffers(app: HooktuiApp) -> dict[str, str]:
    return {
        "script": app.editor.text("script"),
        "settings": app.editor.text("meta"),
        "payload": app.query_one("#tester-editor", TextArea).text,
        "hook filter": app.hook_list.filter_text,
        "log filter": app.log_pane.query_one("#log-filter", Input).value,
    }


def tenant_lines(app: HooktuiApp, operation: str) -> int:
    app.log_pane.flush_now()
    return sum(1 for line in app.log_pane.visible_lines() if f"{operation}: not connected" in line)


@pytest.mark.parametrize("place", ["hook list", "hook list filtering", "script editor", "settings editor",
                                   "payload editor", "result", "history", "log", "log filter"])
async def test_every_global_key_acts_from_every_pane_and_types_nothing(workspace: Path, place: str) -> None:
    runs: list[m.RunRequested] = []

    def hook(message) -> None:
        if isinstance(message, m.RunRequested):
            runs.append(message)

    app = HooktuiApp(workspace, settings=UserSettings(), watch=False, save_dir=workspace.parent)
    async with app.run_test(size=(160, 50), message_hook=hook) as pilot:
        app.hook_list.select("token-claims")
        app.hook_list.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "token-claims" and app.tester.hook == "token-claims",
                    "token-claims open")
        places = focus_places(app)
        if place == "hook list filtering":
            app.hook_list.focus()
            await pilot.press("t", "o", "k")  # the filter the user is typing
            assert app.hook_list.filter_text == "tok"

            def put_focus() -> None:
                app.hook_list.focus()
        else:
            put_focus = places[place]
        before = buffers(app)

        async def focused_at(key: str) -> None:
            put_focus()
            await pilot.pause()
            assert app.screen is app._main, f"{key}: a screen left open"

        for key, data in BYTES.items():
            if key in ("ctrl+q", "alt+q"):
                continue  # quitting is the next test's
            await focused_at(key)
            where = f"{key} from the {place}"
            kind, zoomed, runs_before = app.editor.active_kind, app.zoomed, len(runs)
            tenant_before = tenant_lines(app, TENANT_KEYS[key]) if key in TENANT_KEYS else 0
            await send(app, pilot, data)
            if key == "f1":
                await until(pilot, lambda: isinstance(app.screen, HelpScreen), f"{where}: help")
                await pilot.press("escape")
            elif key in PANE_KEYS:
                pane = PANE_KEYS[key]
                widget = app._pane(pane)
                await until(pilot, lambda: app.active_pane == pane and app.focused is not None
                            and widget in app.focused.ancestors_with_self, f"{where}: the {pane} pane focused")
            elif key in ("f5", "ctrl+r"):
                await until(pilot, lambda: len(runs) > runs_before, f"{where}: a run requested")
            elif key in ("f7", "alt+s"):
                await until(pilot, lambda: app.editor.active_kind != kind and app.active_pane == "editor",
                            f"{where}: the editor's other tab")
            elif key in ("f8", "alt+z"):
                await until(pilot, lambda: app.zoomed != zoomed, f"{where}: zoom")
                await send(app, pilot, data)
                await until(pilot, lambda: app.zoomed == zoomed, f"{where}: zoom back")
            elif key in ("ctrl+p", "alt+x"):
                await until(pilot, lambda: CommandPalette.is_open(app), f"{where}: the palette")
                await pilot.press("escape")
                await until(pilot, lambda: not CommandPalette.is_open(app), f"{where}: the palette closed")
            elif key in TENANT_KEYS:
                operation = TENANT_KEYS[key]
                await until(pilot, lambda: tenant_lines(app, operation) > tenant_before,
                            f"{where}: the tenant's {operation} (offline: it says how to connect)")
            else:
                raise AssertionError(f"no check for {key}")
            await until(pilot, lambda: app.screen is app._main, f"{where}: back to the panes")
            assert buffers(app) == before, f"{where} changed a buffer"
            if key in ("f7", "alt+s"):
                app.editor.action_show_tab(kind)  # the place under test is on that tab


async def test_quit_from_every_pane_asks_about_unsaved_settings(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False, save_dir=workspace.parent)
    async with app.run_test(size=(160, 50)) as pilot:
        app.hook_list.select("token-claims")
        app.hook_list.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "token-claims", "token-claims open")
        area = app.query_one("#editor-meta", TextArea)
        area.insert(" ", (0, 0))  # an unsaved change in the settings
        before = buffers(app)
        for place, put_focus in focus_places(app).items():
            for key in ("ctrl+q", "alt+q"):
                put_focus()
                await pilot.pause()
                await send(app, pilot, BYTES[key])
                await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), f"{key} from the {place}: asked")
                message = str(app.screen.query_one("#message").render())
                assert "(settings)" in message and "meta" not in message
                await pilot.press("escape")
                await until(pilot, lambda: app.screen is app._main, "the quit dialog closed")
                assert buffers(app) == before, f"{key} from the {place} changed a buffer"
        assert app.is_running


def test_escape_digit_is_alt_digit_not_a_macos_character() -> None:
    import hooktui.tui.app  # noqa: F401  (the console's key layer)
    from textual._xterm_parser import XTermParser

    for digit in "1234":
        parser = XTermParser(debug=False)
        events = [*parser.feed(f"\x1b{digit}"), *parser.feed("")]
        assert [e.key for e in events] == [f"alt+{digit}"], f"ESC {digit} read as {events}"


async def test_an_alt_letter_nothing_binds_types_nothing(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.hook_list.select("token-claims")
        app.hook_list.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "token-claims", "token-claims open")
        before = buffers(app)
        for place, put_focus in focus_places(app).items():
            put_focus()
            await pilot.pause()
            for data in ("\x1bm", "\x1bk", "\x1b9"):  # alt+m, alt+k, alt+9: bound to nothing
                await send(app, pilot, data)
            assert buffers(app) == before, f"an unbound alt key typed into the {place}"
        app.hook_list.focus()
        await send(app, pilot, "\x1bm")
        assert app.hook_list.filter_text == ""


async def test_the_palette_reaches_every_tab(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.hook_list.select("token-claims")
        app.hook_list.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "token-claims", "token-claims open")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for wanted in ("editor: Script tab", "editor: Settings tab", "payload: Payload tab", "payload: Result tab",
                       "payload: History tab", "help: Keys", "log: Filter", "hook: Rename", "view: Log"):
            assert any(title.startswith(wanted) for title in titles), f"no palette command {wanted!r}"
        await pilot.press("ctrl+p")
        await until(pilot, lambda: CommandPalette.is_open(app), "the palette")
        await pilot.press(*"settings tab")
        await until(pilot, lambda: app.screen.query("CommandList Option") is not None, "matches")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: app.editor.active_kind == "meta" and app.focused is app.query_one("#editor-meta"),
                    "the settings tab shown and focused")


async def test_ctrl_s_recreates_a_hook_deleted_on_disk_under_unsaved_edits(workspace: Path) -> None:
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        app.hook_list.select("sms-provider")
        app.hook_list.focus()
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "sms-provider", "sms-provider open")
        script_file, meta_file = workspace / "hooks" / "sms-provider.js", workspace / "hooks" / "sms-provider.json"
        secrets_before = json.loads(meta_file.read_text())["secrets"]
        script_area = app.query_one("#editor-script", TextArea)
        script_area.insert("// kept\n", (0, 0))
        meta_area = app.query_one("#editor-meta", TextArea)
        meta_area.load_text(meta_area.text.replace('"enabled": true', '"enabled": false'))
        script, meta = script_area.text, meta_area.text
        assert "••••" in meta
        script_file.unlink()
        meta_file.unlink()
        app.files_changed_on_disk([str(script_file), str(meta_file)])
        await pilot.pause()
        assert app.editor.dirty and app.editor.hook == "sms-provider"
        script_area.focus()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: script_file.exists() and meta_file.exists() and not app.editor.dirty,
                    "both files written back")
        assert script_file.read_text() == script
        written = json.loads(meta_file.read_text())
        assert written["secrets"] == secrets_before  # the masks stood for these values
        assert written["enabled"] is False  # the settings buffer, not the old file
        shown = json.loads(meta)
        assert {k: v for k, v in written.items() if k != "secrets"} == {k: v for k, v in shown.items() if k != "secrets"}
        assert app.current == "sms-provider" and any(r.name == "sms-provider" for r in app.hook_list.rows)
        assert app.editor.text("meta") == meta  # what is on screen is what was written (masked)


def test_the_readme_documents_every_binding_id() -> None:
    import ast

    ids: set[str] = set()
    root = Path(__file__).resolve().parents[2]
    for path in root.joinpath("hooktui", "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding":
                ids.update(k.value.value for k in node.keywords if k.arg == "id" and isinstance(k.value, ast.Constant))
    readme = root.joinpath("README.md").read_text()
    assert len(ids) > 40
    missing = sorted(i for i in ids if f"`{i}`" not in readme)
    assert not missing, f"binding ids the README does not document: {missing}"
