"""The editor pane in a tiny host app: real keys, the Messages it posts, what the screen shows."""

from __future__ import annotations

import json

from textual import on
from textual.app import App, ComposeResult
from textual.message import Message

from hooktui.tui.dialogs import TextViewDialog
from hooktui.tui.messages import ExternalEditRequested, SaveRequested
from hooktui.tui.widgets.editor import (
    DiskBanner,
    EditorArea,
    EmptyHint,
    ErrorBar,
    HookEditor,
    TabBar,
)

SCRIPT = (
    "module.exports = function (client, scope, audience, context, cb) {\n"
    "  var access_token = {};\n"
    "  access_token.scope = scope;\n"
    "  cb(null, access_token);\n"
    "};\n"
)
META = json.dumps(
    {
        "name": "token-claims",
        "triggerId": "credentials-exchange",
        "enabled": True,
        "script": "./token-claims.js",
        "dependencies": {},
        "secrets": {"API_KEY": "••••••••"},
    },
    indent=2,
    ensure_ascii=False,
) + "\n"
JS_FILE = "hooks/token-claims.js"
JSON_FILE = "hooks/token-claims.json"


class Host(App):
    """Composes the editor alone and records what it posts, as the real App would receive it."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield HookEditor()

    @on(SaveRequested)
    @on(ExternalEditRequested)
    def _record(self, message: Message) -> None:
        self.posted.append(message)


async def opened(pilot, script: str = SCRIPT, meta: str = META) -> HookEditor:
    editor = pilot.app.query_one(HookEditor)
    editor.open("token-claims", script=script, meta=meta, script_file=JS_FILE, meta_file=JSON_FILE)
    editor.focus()
    await pilot.pause()
    return editor


async def show_tab(pilot, kind: str) -> None:
    """What the App's f7 / alt+s (or the palette) does: that buffer in front, focused."""
    pilot.app.query_one(HookEditor).action_show_tab(kind)
    await pilot.pause()


def area(pilot, kind: str = "script") -> EditorArea:
    return pilot.app.query_one(f"#editor-{kind}", EditorArea)


def shown(widget) -> str:
    return str(widget.content) if widget.display else ""


# ---------------------------------------------------------------------------- opening


async def test_no_hook_shows_a_hint_and_nothing_to_save():
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(HookEditor)
        hint = app.query_one(EmptyHint)
        assert hint.display and "open a hook or an action from the list (enter)" in str(hint.content)
        assert "create one (ctrl+n)" in str(hint.content)
        assert editor.hook is None and not editor.dirty and editor.border_title == "Editor"
        editor.focus()
        await pilot.press("ctrl+s", "f9")
        assert app.posted == []


async def test_open_shows_the_script_with_its_file_in_the_title():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        assert editor.hook == "token-claims"
        assert not app.query_one(EmptyHint).display
        assert editor.border_title == f"Editor · {JS_FILE}"
        assert editor.border_subtitle == "1:1"
        assert area(pilot).text == SCRIPT and area(pilot).cursor_location == (0, 0)
        assert app.focused is area(pilot)
        assert editor.text("meta") == META
        assert not editor.dirty and editor.dirty_kinds() == []
        assert str(app.query_one(TabBar).content).startswith(" script   settings ")


async def test_highlighting_is_switched_on_after_the_first_frame():
    seen_at_mount: list[str | None] = []

    class Probe(Host):
        def on_mount(self) -> None:
            seen_at_mount.append(self.query_one("#editor-script", EditorArea).language)

    app = Probe()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert seen_at_mount == [None]  # the first frame is painted without tree-sitter
        script, meta = area(pilot, "script"), area(pilot, "meta")
        assert script.language == "javascript" and script.is_syntax_aware
        assert meta.language == "json" and meta.is_syntax_aware
        await opened(pilot)
        assert script.is_syntax_aware and script.text == SCRIPT


async def test_a_hook_opened_before_highlighting_keeps_its_text_and_cursor():
    class Early(Host):
        def on_mount(self) -> None:
            editor = self.query_one(HookEditor)
            editor.open("token-claims", script=SCRIPT, meta=META, script_file=JS_FILE,
                        meta_file=JSON_FILE)
            self.query_one("#editor-script", EditorArea).move_cursor((2, 4))

    app = Early()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        script = area(pilot)
        assert script.is_syntax_aware
        assert script.text == SCRIPT and script.cursor_location == (2, 4)
        assert not app.query_one(HookEditor).dirty


# ---------------------------------------------------------------------------- dirty and save


async def test_typing_marks_dirty_and_ctrl_s_posts_the_buffer_then_saved_clears_it():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("down", "end", *"// hi")
        assert editor.dirty and editor.dirty_kinds() == ["script"]
        assert editor.border_title == f"Editor · {JS_FILE} ●"
        assert editor.border_subtitle == "2:30"
        assert "script ●" in str(app.query_one(TabBar).content)

        await pilot.press("ctrl+s")
        [message] = app.posted
        assert isinstance(message, SaveRequested)
        assert (message.hook, message.kind) == ("token-claims", "script")
        assert message.text == editor.text("script") and "// hi" in message.text
        assert editor.dirty  # nothing is clean until the App says it wrote it

        editor.saved("script", message.text)
        await pilot.pause()
        assert not editor.dirty and editor.border_title == f"Editor · {JS_FILE}"
        assert "●" not in str(app.query_one(TabBar).content)


async def test_saved_text_that_is_no_longer_the_buffer_stays_dirty():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("x", "ctrl+s", "y")
        editor.saved("script", app.posted[0].text)
        await pilot.pause()
        assert editor.dirty and editor.border_title.endswith("●")


async def test_undoing_back_to_the_saved_text_is_clean_again():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press(*"abc")
        assert editor.dirty
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.text("script") == SCRIPT
        assert not editor.dirty and "●" not in editor.border_title


# ---------------------------------------------------------------------------- changes on disk


async def test_disk_change_while_clean_reloads_and_keeps_the_cursor():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("down", "down", "right", "right", "right")
        assert area(pilot).cursor_location == (2, 3)
        changed = SCRIPT.replace("access_token.scope = scope;", "access_token.scope = ['a'];")
        editor.disk_changed("script", changed)
        await pilot.pause()
        assert editor.text("script") == changed and not editor.dirty
        assert area(pilot).cursor_location == (2, 3)
        assert editor.border_subtitle == "3:4"
        assert not app.query_one(DiskBanner).display

        editor.disk_changed("script", "// short\n")  # the cursor is clamped to the new text
        await pilot.pause()
        assert editor.text("script") == "// short\n"
        assert area(pilot).cursor_location == (1, 0)


async def test_our_own_save_coming_back_from_the_watcher_changes_nothing():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("x", "ctrl+s")
        editor.saved("script", app.posted[0].text)
        await pilot.press("y")  # typed before the watcher reports the write
        editor.disk_changed("script", app.posted[0].text)
        await pilot.pause()
        assert not app.query_one(DiskBanner).display
        assert editor.text("script").startswith("xy") and editor.dirty


async def test_disk_change_while_dirty_keeps_the_buffer_and_asks():
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await opened(pilot)
        await pilot.press("m", "enter")
        mine = editor.text("script")
        editor.disk_changed("script", SCRIPT + "// theirs\n")
        await pilot.pause()
        assert editor.text("script") == mine and editor.dirty
        banner = app.query_one(DiskBanner)
        await pilot.pause()
        assert banner.display and app.focused is banner
        assert shown(banner) == (
            f"{JS_FILE} changed on disk — r reload · k keep mine · d show diff"
        )
        assert banner.region.width and banner.region.y < 24  # visible at 80x24


async def test_keep_mine_hides_the_banner_and_the_next_save_overwrites_the_disk():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("m", "enter")
        mine = editor.text("script")
        editor.disk_changed("script", SCRIPT + "// theirs\n")
        await pilot.pause()
        await pilot.press("k")
        assert not app.query_one(DiskBanner).display
        assert editor.text("script") == mine and editor.dirty
        assert app.focused is area(pilot)
        await pilot.press("ctrl+s")
        assert [m.text for m in app.posted] == [mine]


async def test_reload_replaces_the_buffer_and_ctrl_z_brings_mine_back():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("m", "enter")
        mine = editor.text("script")
        theirs = SCRIPT + "// theirs\n"
        editor.disk_changed("script", theirs)
        await pilot.pause()
        await pilot.press("r")
        assert editor.text("script") == theirs and not editor.dirty
        assert not app.query_one(DiskBanner).display
        assert app.focused is area(pilot)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.text("script") == mine and editor.dirty


async def test_show_diff_opens_both_versions_and_the_question_stays():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("down", "end", "space", "m")
        editor.disk_changed("script", SCRIPT.replace("var access_token = {};", "var theirs = 1;"))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TextViewDialog)
        assert "-  var theirs = 1;" in dialog.text
        assert "+  var access_token = {}; m" in dialog.text
        assert f"--- {JS_FILE} (on disk)" in dialog.text and f"+++ {JS_FILE} (yours)" in dialog.text
        await pilot.press("escape")
        await pilot.pause()
        assert app.query_one(DiskBanner).display and "{}; m\n" in editor.text("script")


async def test_escape_on_the_banner_goes_back_to_typing():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("a")
        editor.disk_changed("script", "// theirs\n")
        await pilot.pause()
        await pilot.press("escape", *"rkd")
        assert editor.text("script").startswith("arkd")  # typed, not answered
        banner = app.query_one(DiskBanner)
        assert banner.display and shown(banner).endswith("d show diff (esc to answer)")
        await pilot.press("escape")  # in the buffer, escape goes to the banner
        await pilot.pause()
        assert app.focused is banner and shown(banner).endswith("d show diff")
        await pilot.press("escape")
        editor.focus()  # F3 again: the banner asks
        await pilot.pause()
        assert app.focused is app.query_one(DiskBanner)


async def test_a_change_on_disk_of_the_settings_names_the_json():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await show_tab(pilot, "meta")
        await pilot.press("down", "end", " ")
        editor.disk_changed("meta", META.replace('"enabled": true', '"enabled": false'))
        await pilot.pause()
        assert shown(app.query_one(DiskBanner)).startswith(f"{JSON_FILE} changed on disk")
        await pilot.press("r")
        assert '"enabled": false' in editor.text("meta") and not editor.dirty


async def test_a_disk_change_back_to_the_buffer_is_clean():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("x")
        editor.disk_changed("script", editor.text("script"))
        await pilot.pause()
        assert not editor.dirty and not app.query_one(DiskBanner).display


# ---------------------------------------------------------------------------- settings


async def test_settings_tab_shows_the_json_and_the_switch_key():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        assert "f7 switches" in shown(app.query_one(TabBar))  # the App's editor.switch_tab, from any pane
        await show_tab(pilot, "meta")
        assert editor.active_kind == "meta" and app.focused is area(pilot, "meta")
        assert editor.border_title == f"Editor · {JSON_FILE}"
        assert '"API_KEY": "••••••••"' in area(pilot, "meta").text
        editor.action_switch_tab()
        await pilot.pause()
        assert editor.active_kind == "script" and app.focused is area(pilot, "script")
        editor.switch_key = "alt+s"
        editor.action_switch_tab()
        await pilot.pause()
        assert editor.active_kind == "meta" and "alt+s switches" in shown(app.query_one(TabBar))


async def test_invalid_settings_json_shows_line_and_column_and_posts_nothing():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await show_tab(pilot, "meta")
        await pilot.press("down", "end", ",", ",")  # "name": "token-claims",,
        await pilot.press("ctrl+s")
        assert app.posted == []
        error = shown(app.query_one(ErrorBar))
        assert error.startswith("2:26 invalid JSON: Expecting property name")
        assert "ctrl+g go to error" in error
        assert area(pilot, "meta").error_line == 1
        await show_tab(pilot, "script")
        assert not app.query_one(ErrorBar).display  # the script has no error
        assert editor.dirty_kinds() == ["meta"]


async def test_a_field_error_in_the_settings_posts_nothing():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot, meta=META.replace('"enabled": true', '"enabled": "yes"'))
        await show_tab(pilot, "meta")
        await pilot.press("ctrl+s")
        assert app.posted == []
        error = shown(app.query_one(ErrorBar))
        assert error.startswith("4:3 enabled: must be true or false, got a string")
        await pilot.press("ctrl+g")
        assert area(pilot, "meta").cursor_location == (3, 2)
        assert editor.active_kind == "meta"


async def test_valid_settings_are_posted_and_the_error_goes():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await show_tab(pilot, "meta")
        await pilot.press("down", "end", ",", "ctrl+s")
        assert app.posted == [] and app.query_one(ErrorBar).display
        await pilot.press("backspace", "ctrl+s")
        [message] = app.posted
        assert isinstance(message, SaveRequested)
        assert (message.hook, message.kind, message.text) == ("token-claims", "meta", META)
        assert not app.query_one(ErrorBar).display
        assert editor.text("meta") == META


async def test_many_problems_are_listed_at_once():
    bad = META.replace('"enabled": true', '"enabled": 1').replace(
        '"credentials-exchange"', '"nope"').replace('"dependencies": {}', '"dependencies": 3')
    bad = bad.replace('"name": "token-claims"', '"name": "bad name!"')
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, meta=bad)
        await show_tab(pilot, "meta")
        await pilot.press("ctrl+s")
        lines = shown(app.query_one(ErrorBar)).splitlines()
        assert lines[0].startswith("2:3 name: ")
        assert lines[1].startswith("3:3 triggerId: unknown trigger 'nope'")
        assert lines[2].startswith("4:3 enabled: ")
        assert lines[3].startswith("+1 more problem")
        assert app.posted == []


# ---------------------------------------------------------------------------- executor errors


async def test_show_error_marks_the_line_and_ctrl_g_goes_there():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        editor.show_error("script", 3, 14, "SyntaxError: Unexpected token ';'")
        await pilot.pause()
        error = shown(app.query_one(ErrorBar))
        assert error.startswith("3:14 SyntaxError: Unexpected token ';'")
        assert area(pilot).error_line == 2
        assert area(pilot).cursor_location == (0, 0)
        await pilot.press("ctrl+g")
        assert area(pilot).cursor_location == (2, 13)
        assert editor.border_subtitle == "3:14"

        editor.clear_error("script")
        await pilot.pause()
        assert not app.query_one(ErrorBar).display and area(pilot).error_line is None
        await pilot.press("ctrl+g", "x")  # nothing to go to: the key does nothing
        assert area(pilot).cursor_location == (2, 14)


async def test_ctrl_g_from_the_other_tab_goes_to_the_error():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await show_tab(pilot, "meta")
        editor.show_error("script", 2, None, "ReferenceError: x is not defined")
        await pilot.pause()
        assert not app.query_one(ErrorBar).display  # shown with the script
        await pilot.press("ctrl+g")
        assert editor.active_kind == "script" and area(pilot).cursor_location == (1, 0)
        assert shown(app.query_one(ErrorBar)).startswith("2 ReferenceError")


async def test_the_error_line_is_drawn_marked():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        script = area(pilot)
        plain = script.get_line(2)
        script.error_line = 2
        marked = script.get_line(2)
        assert plain.spans == [] and marked.spans and marked.spans[0].style.bgcolor is not None


async def test_open_clears_errors_and_banner():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("x")
        editor.show_error("script", 1, 1, "SyntaxError: boom")
        editor.disk_changed("script", "// theirs\n")
        await pilot.pause()
        editor = await opened(pilot)
        assert not app.query_one(ErrorBar).display and not app.query_one(DiskBanner).display
        assert area(pilot).error_line is None and not editor.dirty
        assert app.focused is area(pilot)


# ---------------------------------------------------------------------------- the rest


async def test_f9_asks_for_the_external_editor_for_the_tab_shown():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot)
        await pilot.press("f9")
        await show_tab(pilot, "meta")
        await pilot.press("f9")
        assert [(type(m), m.hook, m.kind) for m in app.posted] == [
            (ExternalEditRequested, "token-claims", "script"),
            (ExternalEditRequested, "token-claims", "meta"),
        ]


async def test_close_goes_back_to_the_hint():
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await opened(pilot)
        await pilot.press("x")
        editor.close()
        await pilot.pause()
        assert editor.hook is None and not editor.dirty
        assert app.query_one(EmptyHint).display and editor.border_title == "Editor"
        assert app.focused is app.query_one(EmptyHint)


async def test_every_binding_has_a_namespaced_id():
    ids = {binding.id for binding in HookEditor.BINDINGS}
    assert {"editor.save", "editor.external", "editor.goto_error", "editor.reload_disk",
            "editor.keep_mine", "editor.show_diff"} <= ids
    assert all(i and i.startswith("editor.") for i in ids)
    assert HookEditor.HELP and HookEditor.BORDER_TITLE == "Editor"


async def test_an_action_is_saved_as_an_action_and_its_settings_checked_by_the_apps_check() -> None:
    from hooktui.core.problems import Problem

    checked: list[str] = []

    def check(text: str) -> list[Problem]:
        checked.append(text)
        return [Problem("actions/add-claims.json", "unknown trigger version v9", "supported_triggers[0].version",
                        3, 5)] if "v9" in text else []

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        editor = pilot.app.query_one(HookEditor)
        meta = '{\n  "name": "add-claims",\n  "supported_triggers": [{"id": "post-login", "version": "v3"}]\n}\n'
        editor.open("add-claims", script="exports.onExecutePostLogin = async () => {};\n", meta=meta,
                    script_file="actions/add-claims/code.js", meta_file="actions/add-claims.json", target="action",
                    meta_check=check)
        editor.focus()
        await pilot.pause()
        assert editor.target == "action" and editor.holds("action", "add-claims")
        assert not editor.holds("hook", "add-claims")
        assert "actions/add-claims/code.js" in str(editor.border_title)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [(m.hook, m.kind, m.target) for m in app.posted] == [("add-claims", "script", "action")]
        await show_tab(pilot, "meta")
        area(pilot, "meta").replace("v9", (2, 60), (2, 62))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert len(app.posted) == 1, "settings with an error were saved"
        assert checked and "unknown trigger version v9" in shown(editor.query_one(ErrorBar))
        # A hook opened next is a hook again: its settings are checked as a hook's.
        await opened(pilot)
        assert editor.target == "hook"
