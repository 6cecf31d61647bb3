"""The list pane with both kinds in a tiny host app: actions grouped by trigger in binding order beside
hooks, the keys that bind, unbind and reorder, and the Messages they post (the pane writes nothing)."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import OptionList, Static

from hooktui.tui.dialogs import ConfirmDialog, NewHookDialog
from hooktui.tui.messages import (
    ActionBindRequested,
    ActionCreateRequested,
    ActionDeleteRequested,
    ActionOpenRequested,
    ActionReorderRequested,
    FlowOpenRequested,
    HookCreateRequested,
    HookDeleteRequested,
    HookOpenRequested,
    HookRenameRequested,
    HookToggleRequested,
)
from hooktui.tui.widgets.hook_list import HookList
from hooktui.tui.widgets.list_rows import ActionRow, HookRow
from waiting import until

REQUESTS = (ActionBindRequested, ActionCreateRequested, ActionDeleteRequested, ActionOpenRequested,
            ActionReorderRequested, FlowOpenRequested, HookCreateRequested, HookDeleteRequested,
            HookOpenRequested, HookRenameRequested, HookToggleRequested)
NOW = 1_800_000_000.0


def mixed_rows() -> list[HookRow | ActionRow]:
    return [
        HookRow("token-claims", "credentials-exchange", True, "success", last_run=NOW - 12),
        HookRow("second-claims", "credentials-exchange", False, "ok"),
        HookRow("signup-deny-list", "pre-user-registration", True, "ok"),
        # post-login: bound out of name order, so the list must follow the flow, not the names
        ActionRow("deny-blocked", "post-login", position=1, state="denied",
                  detail="denied: access_denied (blocked users may not log in)"),
        ActionRow("add-claims", "post-login", position=0, state="success", last_run=NOW - 5, duration_ms=1.5),
        ActionRow("audit-log", "post-login", position=2, state="crash"),
        ActionRow("experiment", "post-login"),
        ActionRow("token-claims", "credentials-exchange", position=0, state="error",
                  detail="Error: no audience"),
        ActionRow("exchange-profile", "custom-token-exchange"),
    ]


class Host(App):
    CSS = "HookList { width: 1fr; }"

    def __init__(self, rows: list[HookRow | ActionRow] | None = None, width: int | None = None) -> None:
        super().__init__()
        self.initial_rows = mixed_rows() if rows is None else rows
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
        if isinstance(message, REQUESTS):
            self.requests.append(message)


def shown(app: App) -> list[str]:
    options = app.query_one(HookList).query_one(OptionList)
    lines = [options.render_line(y).text.rstrip() for y in range(options.size.height)]
    return [line for line in lines if line]


def detail(app: App) -> str:
    return str(app.query_one(HookList).query_one("#detail", Static).render())


def flashes(app: App) -> list[str]:
    return [n.message for n in app._notifications]


async def highlight(pilot, pane: HookList, kind: str, name: str) -> None:
    assert pane.select(name, kind=kind), f"{kind} {name} not listed"
    await pilot.pause()
    row = pane.highlighted_row
    assert row is not None and (row.kind, row.name) == (kind, name)


# -------------------------------------------------------------------------------- showing


async def test_grouped_bound_actions_in_flow_order_then_unbound_then_hooks() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rows = [line.split()[:3] for line in shown(app)]
        assert rows == [
            ["post-login", "4"],
            ["1.", "act", "add-claims"],
            ["2.", "act", "deny-blocked"],
            ["3.", "act", "audit-log"],
            ["○", "act", "experiment"],
            ["credentials-exchange", "3"],
            ["1.", "act", "token-claims"],
            ["○", "hook", "second-claims"],
            ["●", "hook", "token-claims"],
            ["pre-user-registration", "1"],
            ["●", "hook", "signup-deny-list"],
            ["custom-token-exchange", "1"],
            ["○", "act", "exchange-profile"],
        ]
        lines = shown(app)
        assert "denied" in lines[2] and "crash" in lines[3] and "not run" in lines[4]
        assert app.query_one(HookList).border_title == "Hooks and actions"


async def test_a_hooks_only_list_looks_as_before() -> None:
    app = Host(rows=[row for row in mixed_rows() if isinstance(row, HookRow)])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert [line.split()[:2] for line in shown(app)][1] == ["○", "second-claims"]
        assert app.query_one(HookList).border_title == "Hooks"


async def test_the_kind_is_shown_in_a_narrow_pane_at_80x24() -> None:
    app = Host(width=30)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = [line.split() for line in shown(app) if not line.split()[0].endswith(("login", "exchange"))]
        kinds = {row[2]: row[1] for row in rows if len(row) > 2 and row[1] in ("act", "hook")}
        assert kinds["add-claims"] == "act" and kinds["second-claims"] == "hook"
        assert all(row[1] in ("act", "hook") for row in rows if row[0] != "pre-user-registration"), rows


async def test_flat_mode_sorts_by_name_with_the_kind_shown() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        rows = [line.split()[1:3] for line in shown(app)]
        assert rows == [
            ["act", "add-claims"], ["act", "audit-log"], ["act", "deny-blocked"],
            ["act", "exchange-profile"], ["act", "experiment"], ["hook", "second-claims"],
            ["hook", "signup-deny-list"], ["act", "token-claims"], ["hook", "token-claims"],
        ]


async def test_a_hook_and_an_action_of_one_name_are_two_rows() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        options = pane.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "hook:token-claims" in ids and "action:token-claims" in ids
        assert len(ids) == len(set(ids))
        await highlight(pilot, pane, "action", "token-claims")
        assert pane.selected is None and pane.selected_action == "token-claims"
        await pilot.press("enter")
        await highlight(pilot, pane, "hook", "token-claims")
        assert pane.selected == "token-claims" and pane.selected_action is None
        await pilot.press("enter")
        assert app.requests == [ActionOpenRequested("token-claims"), HookOpenRequested("token-claims")]


async def test_detail_line_says_the_binding_and_the_state_in_words() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "deny-blocked")
        assert "bound 2nd of 3 in post-login" in detail(app)
        assert "denied: access_denied" in detail(app)
        await highlight(pilot, pane, "action", "add-claims")
        assert "bound 1st of 3 in post-login" in detail(app) and "success in 1.5 ms" in detail(app)
        await highlight(pilot, pane, "action", "experiment")
        assert "not bound to post-login: space binds it" in detail(app)
        assert "not run yet" in detail(app)


async def test_selection_survives_a_refresh_by_kind_and_name() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "token-claims")
        rows = mixed_rows()
        rows.insert(0, ActionRow("aaa-first", "credentials-exchange", position=0))
        for row in rows:
            if isinstance(row, ActionRow) and row.name == "token-claims":
                row.position = 1
        pane.set_rows(rows)
        await pilot.pause()
        assert (pane.highlighted_row.kind, pane.highlighted_row.name) == ("action", "token-claims")
        assert "bound 2nd of 2 in credentials-exchange" in detail(app)


async def test_typing_filters_both_kinds() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await pilot.press(*"claims")
        rows = [line.split()[:3] for line in shown(app)]
        assert rows == [
            ["post-login", "1"], ["1.", "act", "add-claims"],
            ["credentials-exchange", "3"], ["1.", "act", "token-claims"], ["○", "hook", "second-claims"],
            ["●", "hook", "token-claims"],
        ]
        assert "4/9" in pane.border_subtitle


# -------------------------------------------------------------------------------- bind / unbind


async def test_space_binds_and_unbinds_in_the_trigger_the_action_is_listed_under() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "deny-blocked")
        await pilot.press("space")
        await highlight(pilot, pane, "action", "experiment")
        await pilot.press("space")
        await highlight(pilot, pane, "action", "token-claims")
        await pilot.press("space")
        await highlight(pilot, pane, "hook", "token-claims")
        await pilot.press("space")
        assert app.requests == [
            ActionBindRequested("post-login", "deny-blocked", False),
            ActionBindRequested("post-login", "experiment", True),
            ActionBindRequested("credentials-exchange", "token-claims", False),
            HookToggleRequested("token-claims"),
        ]
        assert pane.filter_text == ""


async def test_space_refuses_a_trigger_auth0_binds_elsewhere() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "exchange-profile")
        await pilot.press("space")
        await until(pilot, lambda: flashes(app), "a flash")
        assert app.requests == []
        assert "custom-token-exchange" in flashes(app)[-1]


async def test_space_refuses_a_full_flow() -> None:
    rows = [ActionRow(f"step-{i:02}", "post-login", position=i) for i in range(20)]
    rows.append(ActionRow("one-more", "post-login"))
    app = Host(rows=rows)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "one-more")
        await pilot.press("space")
        await until(pilot, lambda: flashes(app), "a flash")
        assert app.requests == [] and "20" in flashes(app)[-1]
        await highlight(pilot, pane, "action", "step-19")
        await pilot.press("space")  # unbinding from a full flow is fine
        assert app.requests == [ActionBindRequested("post-login", "step-19", False)]


# -------------------------------------------------------------------------------- reorder


async def test_reorder_keys_post_the_offset() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "add-claims")
        await pilot.press("shift+down")
        await highlight(pilot, pane, "action", "audit-log")
        await pilot.press("shift+up")
        await pilot.press("alt+up")  # the alternative for terminals that eat shift+arrows
        await highlight(pilot, pane, "action", "deny-blocked")
        await pilot.press("alt+down")
        assert app.requests == [
            ActionReorderRequested("post-login", "add-claims", 1),
            ActionReorderRequested("post-login", "audit-log", -1),
            ActionReorderRequested("post-login", "audit-log", -1),
            ActionReorderRequested("post-login", "deny-blocked", 1),
        ]
        assert pane.highlighted_row.name == "deny-blocked"  # the cursor did not move


async def test_reorder_from_the_bytes_a_terminal_sends() -> None:
    from textual._xterm_parser import XTermParser

    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "deny-blocked")
        for data in ("\x1b[1;2A", "\x1b[1;2B", "\x1b[1;3A", "\x1b[1;3B"):  # xterm/tmux: shift, alt + up, down
            parser = XTermParser(debug=False)
            for event in [*parser.feed(data), *parser.feed("")]:
                app.post_message(event)
            await pilot.pause()
        assert [r.offset for r in app.requests] == [-1, 1, -1, 1]
        assert pane.filter_text == ""


async def test_reorder_refuses_the_ends_an_unbound_action_and_a_hook() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "add-claims")
        await pilot.press("shift+up")
        await until(pilot, lambda: len(flashes(app)) == 1, "a flash at the top")
        assert "first" in flashes(app)[-1]
        await highlight(pilot, pane, "action", "audit-log")
        await pilot.press("shift+down")
        await until(pilot, lambda: len(flashes(app)) == 2, "a flash at the bottom")
        assert "last" in flashes(app)[-1]
        await highlight(pilot, pane, "action", "experiment")
        await pilot.press("shift+up")
        await until(pilot, lambda: len(flashes(app)) == 3, "a flash on an unbound action")
        assert "space binds it" in flashes(app)[-1]
        await highlight(pilot, pane, "hook", "token-claims")
        await pilot.press("shift+up", "shift+down")
        await pilot.pause()
        assert app.requests == []
        assert pane.highlighted_row.name == "token-claims"


async def test_the_reorder_limits_hold_under_a_filter() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await pilot.press(*"audit")  # only audit-log shows: it is still 3rd of 3, not 1st of 1
        assert pane.highlighted_row.name == "audit-log"
        await pilot.press("shift+up", "shift+down")
        await until(pilot, lambda: flashes(app), "a flash at the bottom")
        assert app.requests == [ActionReorderRequested("post-login", "audit-log", -1)]




# -------------------------------------------------------------------------------- open, new, delete, rename


async def test_enter_on_a_flow_header_opens_the_flow() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "add-claims")
        await pilot.press("up")  # the header of post-login: it has a flow, so it can be reached
        assert pane.highlighted_row is None and pane.highlighted_trigger == "post-login"
        assert pane.selected is None and pane.selected_action is None
        assert "enter runs" in detail(app) and "3" in detail(app)
        await pilot.press("enter")
        await highlight(pilot, pane, "action", "token-claims")
        assert pane.highlighted_trigger == "credentials-exchange"
        await pilot.press("up", "enter")
        assert app.requests == [FlowOpenRequested("post-login"), FlowOpenRequested("credentials-exchange")]


async def test_headers_without_a_flow_are_passed_over() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "hook", "signup-deny-list")
        await pilot.press("up")  # pre-user-registration has no action bound: its header is skipped
        assert (pane.highlighted_row.kind, pane.highlighted_row.name) == ("hook", "token-claims")
        await highlight(pilot, pane, "action", "exchange-profile")
        await pilot.press("up")
        assert pane.highlighted_row.name == "signup-deny-list"


async def test_ctrl_n_on_an_action_row_creates_an_action_bound_to_its_trigger() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "experiment")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, NewHookDialog), "the new dialog")
        dialog = app.screen
        assert dialog.trigger == "post-login"
        choices = [dialog.query_one("#triggers", OptionList).get_option_at_index(i).id
                   for i in range(dialog.query_one("#triggers", OptionList).option_count)]
        assert choices[:3] == ["post-login", "credentials-exchange", "pre-user-registration"]
        assert "custom-token-exchange" not in choices  # Auth0 binds it to its profile, not a flow
        await pilot.press(*"add-claims", "enter")
        error = str(dialog.query_one("#error", Static).render())
        assert "an action named “add-claims” already exists" in error
        dialog.query_one("#name").value = ""
        await pilot.press(*"geo-check", "enter", "enter")
        assert app.requests == [ActionCreateRequested("geo-check", "post-login", True)]
        assert app.screen is app.screen_stack[0]


async def test_ctrl_n_on_a_flow_header_and_escape_creates_nothing() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "add-claims")
        await pilot.press("up", "ctrl+n")  # the post-login header: an action-only trigger
        await until(pilot, lambda: isinstance(app.screen, NewHookDialog), "the new dialog")
        assert app.screen.trigger == "post-login"
        assert "action" in app.screen.query_one("#dialog").border_title.lower()
        await pilot.press(*"geo-check", "escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "the dialog closed")
        await highlight(pilot, pane, "hook", "second-claims")
        await pilot.press("ctrl+n")  # a hook's row: a hook, as before
        await until(pilot, lambda: isinstance(app.screen, NewHookDialog), "the new dialog")
        assert "hook" in app.screen.query_one("#dialog").border_title.lower()
        await pilot.press(*"more-claims", "enter", "enter")
        assert app.requests == [HookCreateRequested("more-claims", "credentials-exchange")]


async def test_delete_on_an_action_asks_naming_its_files_and_its_flow() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "deny-blocked")
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        message = app.screen.message
        assert "actions/deny-blocked.json" in message and "actions/deny-blocked/" in message
        assert "unbound" in message and "post-login" in message
        await pilot.press("n")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "the dialog closed")
        assert app.requests == []
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirmation")
        await pilot.press("y")
        assert app.requests == [ActionDeleteRequested("deny-blocked")]


async def test_rename_on_an_action_says_how_instead() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "experiment")
        await pilot.press("ctrl+e")
        await until(pilot, lambda: flashes(app), "a flash for ctrl+e")
        assert app.screen is app.screen_stack[0], "ctrl+e opened a dialog"
        assert "actions/experiment.json" in flashes(app)[-1]
        assert "triggers/triggers.json" in flashes(app)[-1]
        assert app.requests == []


# -------------------------------------------------------------------------------- the App's calls


async def test_update_row_changes_one_action_and_regroups_a_new_position() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "experiment")
        pane.update_row(ActionRow("experiment", "post-login", state="running"))
        await pilot.pause()
        line = next(line for line in shown(app) if "experiment" in line)
        assert "running" in line
        pane.update_row(ActionRow("experiment", "post-login", state="invalid",
                                  problem="actions/experiment/code.js:3:7: SyntaxError: Unexpected token"))
        await pilot.pause()
        assert "actions/experiment/code.js:3:7" in detail(app)
        assert pane.query_one("#detail").has_class("-problem")
        pane.update_row(ActionRow("token-claims", "credentials-exchange", position=0, state="success",
                                  last_run=NOW - 2, duration_ms=0.8))
        await pilot.pause()
        line = next(line for line in shown(app) if "act" in line.split() and "token-claims" in line)
        assert "success" in line and "2s ago" in line
        pane.update_row(ActionRow("experiment", "post-login", position=3))  # bound last
        await pilot.pause()
        assert [line.split()[:3] for line in shown(app)][4] == ["4.", "act", "experiment"]
        assert (pane.highlighted_row.kind, pane.highlighted_row.name) == ("action", "experiment")
        assert "bound 4th of 4 in post-login" in detail(app)


async def test_the_footer_offers_bind_and_reorder_on_action_rows_only() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "add-claims")
        active = app.screen.active_bindings
        assert active["space"].binding.id == "actions.bind"
        assert active["shift+up"].binding.id == "actions.earlier"
        assert active["shift+down"].binding.id == "actions.later"
        await highlight(pilot, pane, "hook", "second-claims")
        active = app.screen.active_bindings
        assert active["space"].binding.id == "hooks.toggle"
        assert "shift+up" not in active and "shift+down" not in active


async def test_keys_of_action_rows_can_be_remapped() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.set_keymap({"actions.earlier": "ctrl+u", "actions.bind": "ctrl+b"})
        pane = app.query_one(HookList)
        await highlight(pilot, pane, "action", "audit-log")
        await pilot.press("ctrl+u", "ctrl+b")
        assert app.requests == [ActionReorderRequested("post-login", "audit-log", -1),
                                ActionBindRequested("post-login", "audit-log", False)]
        assert pane.filter_text == ""
