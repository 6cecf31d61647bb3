"""The hook list pane in a tiny host app: the App's calls in, real keys, the Messages out."""

from __future__ import annotations

import time

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Input, OptionList, Static

from hooktui.tui.dialogs import ConfirmDialog, NewHookDialog, TextPromptDialog
from hooktui.tui.layout import HOOKS_MAX
from hooktui.tui.messages import (
    HookCreateRequested,
    HookDeleteRequested,
    HookOpenRequested,
    HookRenameRequested,
    HookToggleRequested,
)
from hooktui.tui.widgets.hook_list import HookList
from hooktui.tui.widgets.list_rows import (
    EMPTY_TEXT,
    STATE_SYMBOLS,
    HookRow,
    columns_for,
    last_run_label,
    pane_width_for,
)

HOOK_MESSAGES = (
    HookOpenRequested,
    HookCreateRequested,
    HookRenameRequested,
    HookDeleteRequested,
    HookToggleRequested,
)
NOW = 1_800_000_000.0


def workspace_rows() -> list[HookRow]:
    return [
        HookRow("token-claims", "credentials-exchange", True, "success", last_run=NOW - 12,
                duration_ms=3.2),
        HookRow("second-claims", "credentials-exchange", False, "ok"),
        HookRow("signup-deny-list", "pre-user-registration", True, "error",
                detail="Error: signups from competitor.example are closed"),
        HookRow("password-change-audit", "post-change-password", False, "syntax error",
                detail="hooks/password-change-audit.js:2:14: SyntaxError: Unexpected token ';'"),
        HookRow("sms-provider", "send-phone-message", True, "ok"),
    ]


class Host(App):
    """Composes the pane, plays the App's part and records what the pane asks for."""

    CSS = "HookList { width: 1fr; }"

    def __init__(self, rows: list[HookRow] | None = None, width: int | None = None) -> None:
        super().__init__()
        self.initial_rows = workspace_rows() if rows is None else rows
        self.pane_width = width
        self.requests: list[Message] = []

    def compose(self) -> ComposeResult:
        pane = HookList(clock=lambda: NOW)
        if self.pane_width:
            pane.styles.width = self.pane_width
        yield pane

    def on_mount(self) -> None:
        pane = self.query_one(HookList)
        pane.set_rows(self.initial_rows)
        pane.focus()

    @on(Message)
    def record(self, message: Message) -> None:
        if isinstance(message, HOOK_MESSAGES):
            self.requests.append(message)


def shown(app: App) -> list[str]:
    """The list's lines as the screen shows them, trailing blanks dropped."""
    options = app.query_one(HookList).query_one(OptionList)
    lines = [options.render_line(y).text.rstrip() for y in range(options.size.height)]
    return [line for line in lines if line]


def text_of(widget: Static) -> str:
    return str(widget.render())


# -------------------------------------------------------------------------------- showing


async def test_rows_grouped_by_trigger_with_states() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lines = shown(app)
        assert [line.split()[0] for line in lines] == [
            "credentials-exchange", "○", "●",
            "pre-user-registration", "●",
            "post-change-password", "○",
            "send-phone-message", "●",
        ]
        assert lines[0].split() == ["credentials-exchange", "2"]
        second, token = lines[1].split(), lines[2].split()
        assert second[:2] == ["○", "second-claims"] and second[-1] == "ok"
        assert token[:2] == ["●", "token-claims"] and "success" in token
        assert lines[2].endswith("12s ago")
        assert "syntax error" in lines[6]
        header = text_of(app.query_one("#columns", Static)).split()
        assert header == ["name", "trigger", "state", "last", "run"]


async def test_states_are_coloured_by_the_theme() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        variables = app.theme_variables
        options = app.query_one(OptionList)
        colours = {}
        for y in range(options.size.height):
            for segment in options.render_line(y):
                word = segment.text.strip()
                if word in ("ok", "success", "error", "syntax error") and word not in colours:
                    colours[word] = segment.style.color.triplet.hex
        from textual.color import Color

        def theme(name: str) -> str:
            return Color.parse(variables[name]).hex.lower()

        assert colours["success"] == colours["ok"] == theme("text-success")
        assert colours["error"] == colours["syntax error"] == theme("text-error")


async def test_empty_workspace_says_how_to_start() -> None:
    app = Host(rows=[])
    async with app.run_test() as pilot:
        await pilot.pause()
        assert shown(app) == [EMPTY_TEXT]
        assert app.query_one(HookList).selected is None
        await pilot.press("enter", "space", "delete")
        assert app.requests == []


async def test_detail_line_explains_the_highlighted_state() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        detail = pane.query_one("#detail", Static)
        pane.select("password-change-audit")
        await pilot.pause()
        assert detail.display and "js:2:14: SyntaxError" in text_of(detail)
        pane.select("token-claims")
        await pilot.pause()
        assert "success in 3.2 ms" in text_of(detail)


async def test_ctrl_t_switches_between_grouped_and_flat() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        lines = shown(app)
        assert [line.split()[1] for line in lines] == [
            "password-change-audit", "second-claims", "signup-deny-list", "sms-provider",
            "token-claims",
        ]
        assert lines[0].split()[2] == "post-change-password"  # the trigger column, flat
        await pilot.press("ctrl+t")
        assert shown(app)[0].split()[0] == "credentials-exchange"


# -------------------------------------------------------------------------------- filter


async def test_typing_filters_and_escape_clears() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await pilot.press(*"CLA")
        assert pane.filter_text == "CLA"
        assert "CLA" in pane.border_subtitle and "2/5" in pane.border_subtitle
        names = [line.split()[1] for line in shown(app) if line.startswith(("●", "○"))]
        assert names == ["second-claims", "token-claims"]
        await pilot.press("backspace", "backspace", "backspace", *"pre-user")
        assert [line.split()[1] for line in shown(app)[1:]] == ["signup-deny-list"]  # by trigger
        await pilot.press(*"zzz")
        assert shown(app) == ["no hook matches “pre-userzzz” — escape clears the filter"]
        await pilot.press("escape")
        assert pane.filter_text == ""
        assert "filter" not in pane.border_subtitle
        assert len(shown(app)) == 9


async def test_escape_without_a_filter_is_left_to_the_app() -> None:
    escapes = []

    class EscapeHost(Host):
        BINDINGS = [("escape", "seen", "Seen")]

        def action_seen(self) -> None:
            escapes.append(True)

    app = EscapeHost()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("a", "escape")
        assert escapes == []
        await pilot.press("escape")
        assert escapes == [True]


# -------------------------------------------------------------------------------- keys


async def test_enter_opens_the_highlighted_hook() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        assert app.requests == [HookOpenRequested("token-claims")]


async def test_double_click_opens() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        options = app.query_one(OptionList)
        await pilot.click(options, offset=(4, 2))  # a single click only highlights
        assert app.query_one(HookList).selected == "token-claims"
        assert app.requests == []
        await pilot.double_click(options, offset=(4, 2))
        assert app.requests == [HookOpenRequested("token-claims")]


async def test_space_toggles() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("space")
        assert app.requests == [HookToggleRequested("second-claims")]
        assert app.query_one(HookList).filter_text == ""


async def test_ctrl_n_creates_a_hook() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.query_one(HookList).select("signup-deny-list")
        await pilot.press("ctrl+n")
        dialog = app.screen
        assert isinstance(dialog, NewHookDialog)
        # The trigger of the highlighted hook is preselected.
        assert dialog.trigger == "pre-user-registration"
        await pilot.press(*"Welcome Mail", "enter", "down", "enter")
        assert app.requests == [HookCreateRequested("Welcome Mail", "post-user-registration")]
        assert not isinstance(app.screen, NewHookDialog)


async def test_ctrl_n_refuses_bad_and_existing_names() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+n", *"bad name!", "enter")
        dialog = app.screen
        assert isinstance(dialog, NewHookDialog)
        error = text_of(dialog.query_one("#error", Static))
        assert "“bad name!” deploys as “bad-name!”" in error
        assert "not a valid Auth0 hook name" in error
        name = dialog.query_one("#name", Input)
        name.value = ""
        await pilot.press(*"Token Claims", "tab", "enter")
        assert "a hook named “token-claims” already exists" in text_of(
            dialog.query_one("#error", Static)
        )
        assert app.screen is dialog
        await pilot.press("escape")
        assert app.requests == []


async def test_ctrl_e_renames() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.query_one(HookList).select("token-claims")
        await pilot.press("ctrl+e")
        prompt = app.screen
        assert isinstance(prompt, TextPromptDialog)
        field = prompt.query_one("#input", Input)
        assert field.value == "token-claims"
        await pilot.press("end", *"-v2", "enter")
        assert app.requests == [HookRenameRequested("token-claims", "token-claims-v2")]


async def test_rename_refuses_an_existing_name_and_ignores_no_change() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.query_one(HookList).select("token-claims")
        await pilot.press("ctrl+e")
        prompt = app.screen
        prompt.query_one("#input", Input).value = "second-claims"
        await pilot.press("enter")
        assert app.screen is prompt
        assert "already exists" in text_of(prompt.query_one("#error", Static))
        prompt.query_one("#input", Input).value = "token-claims"
        await pilot.press("enter")  # its own name is fine, and not a rename
        assert app.screen is not prompt
        assert app.requests == []


@pytest.mark.parametrize(("key", "posted"), [("y", True), ("n", False), ("escape", False),
                                             ("enter", False)])
async def test_delete_asks_naming_both_files(key: str, posted: bool) -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.query_one(HookList).select("sms-provider")
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        message = text_of(dialog.query_one("#message", Static))
        assert "hooks/sms-provider.js" in message and "hooks/sms-provider.json" in message
        await pilot.press(key)
        assert not isinstance(app.screen, ConfirmDialog)
        assert app.requests == ([HookDeleteRequested("sms-provider")] if posted else [])


async def test_delete_names_the_files_the_app_gives() -> None:
    rows = [HookRow("x", "credentials-exchange", False, files=("hooks/X.json", "scripts/x.js"))]
    app = Host(rows=rows)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+d")  # delete's second key, for keyboards without one
        message = text_of(app.screen.query_one("#message", Static))
        assert "hooks/X.json" in message and "scripts/x.js" in message


# -------------------------------------------------------------------------------- the App's calls


async def test_update_row_changes_one_row() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        before = shown(app)
        pane.update_row(HookRow("token-claims", "credentials-exchange", True, "running"))
        await pilot.pause()
        after = shown(app)
        assert after[2].split()[-1] == "running"
        assert [a for a, b in zip(after, before) if a != b] == [after[2]]
        pane.update_row(HookRow("token-claims", "credentials-exchange", True, "timeout",
                                detail="the hook did not call its callback", last_run=NOW - 90))
        await pilot.pause()
        assert shown(app)[2].split()[-3:] == ["timeout", "1m", "ago"]


async def test_update_row_with_a_new_trigger_regroups() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        pane.update_row(HookRow("token-claims", "send-phone-message", False, "ok"))
        await pilot.pause()
        assert shown(app)[0].split() == ["credentials-exchange", "1"]
        assert shown(app)[-1].split()[1] == "token-claims"


async def test_cursor_stays_on_the_same_hook_across_set_rows() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        pane.select("signup-deny-list")
        rows = workspace_rows()
        rows.insert(0, HookRow("a-new-one", "credentials-exchange", False, "ok"))
        del rows[1]  # token-claims goes
        pane.set_rows(rows)
        await pilot.pause()
        assert pane.selected == "signup-deny-list"
        # When the highlighted hook itself goes, the highlight moves to its neighbour.
        pane.set_rows([r for r in rows if r.name != "signup-deny-list"])
        await pilot.pause()
        assert pane.selected == "password-change-audit"
        await pilot.press("enter")
        assert app.requests == [HookOpenRequested("password-change-audit")]


async def test_select_clears_a_filter_hiding_the_hook() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await pilot.press(*"sms")
        assert pane.select("token-claims")
        assert pane.filter_text == ""
        assert pane.selected == "token-claims"
        assert not pane.select("nope")


# -------------------------------------------------------------------------------- 80x24


async def test_a_narrow_pane_shows_names_in_full_and_the_state_as_a_symbol() -> None:
    app = Host(width=32)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = shown(app)
        assert lines[0].split()[0] == "credentials-exchange"  # the group header names the trigger
        token = lines[2]
        assert token.split() == ["●", "token-claims", STATE_SYMBOLS["success"]]
        assert lines[6].split() == ["○", "password-change-audit", STATE_SYMBOLS["syntax error"]]
        assert all(len(line) <= 30 for line in lines)
        # The words are under the list, for the highlighted hook.
        pane = app.query_one(HookList)
        pane.select("password-change-audit")
        await pilot.pause()
        assert "SyntaxError" in text_of(pane.query_one("#detail", Static))


async def test_a_thirty_character_name_is_read_in_full_at_the_width_the_pane_asks_for() -> None:
    name = "a-thirty-character-hook-name-x"
    assert len(name) == 30
    rows = [*workspace_rows(), HookRow(name, "credentials-exchange", True, "timeout")]
    app = Host(rows=rows, width=pane_width_for(30, sync=True))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(HookList)
        pane.show_sync(True)
        await pilot.pause()
        assert pane.wanted_width == pane_width_for(30, sync=True) <= HOOKS_MAX
        line = next(line for line in shown(app) if name[:10] in line)
        assert line.split() == ["●", "?", name, STATE_SYMBOLS["timeout"]]


async def test_80x24_full_width_shows_every_column() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        token = shown(app)[2].split()
        assert token == ["●", "token-claims", "credentials-exchange", "success", "12s", "ago"]


# -------------------------------------------------------------------------------- pure parts


def test_columns_give_way_in_order() -> None:
    # The full name first, then the state in words, then the last run, then the trigger.
    wide, medium, narrow = columns_for(100, 21), columns_for(45, 21), columns_for(36, 21)
    assert wide.name >= 21 and wide.trigger and wide.last_run and wide.state == 12
    assert medium.name >= 21 and not medium.trigger and medium.last_run and medium.state == 12
    assert narrow.name >= 21 and not narrow.trigger and not narrow.last_run and narrow.state == 12
    symbol = columns_for(28, 21)
    assert symbol.name >= 21 and symbol.state == 1 and not symbol.last_run
    cut = columns_for(20, 21)
    assert cut.name < 21 and cut.state == 1  # only now is the name cut
    tiny = columns_for(8)
    assert tiny.name >= 1 and tiny.state == 1


def test_last_run_label() -> None:
    assert last_run_label(None, NOW) == ""
    assert last_run_label(NOW, NOW) == "now"
    assert last_run_label(NOW - 12, NOW) == "12s ago"
    assert last_run_label(NOW - 300, NOW) == "5m ago"
    assert last_run_label(NOW - 7200, NOW) == time.strftime("%H:%M:%S", time.localtime(NOW - 7200))


async def test_name_rules() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        assert pane.name_problem("My Hook") is None  # deploys as my-hook
        assert pane.name_problem("x") is None
        assert "not a valid" in pane.name_problem("-x")
        assert "not a valid" in pane.name_problem("x_y")
        assert "already exists" in pane.name_problem("SMS Provider")
        assert pane.name_problem("sms-provider", current="sms-provider") is None
