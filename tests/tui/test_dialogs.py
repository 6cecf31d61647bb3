"""The shared dialogs, driven from the keyboard alone: each answers through dismiss."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList, Static

from hooktui.core.triggers import TRIGGERS, Trigger
from hooktui.tui.dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    NewHookDialog,
    TextPromptDialog,
    TextViewDialog,
    choice_shortcuts,
    diff_content,
)

NO_ANSWER = object()


class Host(App):
    """Pushes one dialog and keeps its answer."""

    def __init__(self, dialog: Screen) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.answers.append)


def text_of(widget: Static) -> str:
    return str(widget.render())


def answered(app: Host) -> Any:
    return app.answers[-1] if app.answers else NO_ANSWER


# -------------------------------------------------------------------------------- ConfirmDialog


async def test_confirm_y_confirms_and_shows_title_and_message() -> None:
    app = Host(ConfirmDialog("Delete hook", "Both files go", confirm_label="Delete"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen is app.dialog
        assert app.dialog.query_one("#dialog").border_title == "Delete hook"
        assert text_of(app.dialog.query_one("#message", Static)) == "Both files go"
        assert "[y] Delete" in str(app.dialog.query_one("#confirm", Button).label)
        await pilot.press("y")
        assert answered(app) is True
        assert app.screen is not app.dialog


async def test_confirm_n_and_escape_cancel() -> None:
    for key in ("n", "escape"):
        app = Host(ConfirmDialog("Sure?", "Really?"))
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press(key)
            assert answered(app) is False, key


async def test_confirm_enter_confirms_unless_danger() -> None:
    app = Host(ConfirmDialog("Sure?", "Really?"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.focused.id == "confirm"
        await pilot.press("enter")
        assert answered(app) is True

    app = Host(ConfirmDialog("Delete", "Gone for good", danger=True))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.focused.id == "cancel"  # a reflexive enter keeps the files
        await pilot.press("enter")
        assert answered(app) is False


async def test_confirm_tab_moves_to_the_other_button() -> None:
    app = Host(ConfirmDialog("Delete", "Gone for good", danger=True))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("tab")
        assert app.focused.id == "confirm"
        await pilot.press("enter")
        assert answered(app) is True


# -------------------------------------------------------------------------------- TextPromptDialog


def no_spaces(value: str) -> str | None:
    return "no spaces, please" if " " in value else None


async def test_prompt_returns_the_typed_text() -> None:
    app = Host(TextPromptDialog("Save payload", "Payload name"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.dialog.query_one("#dialog").border_title == "Save payload"
        await pilot.press(*"blocked", "enter")
        assert answered(app) == "blocked"


async def test_prompt_starts_from_initial_and_strips() -> None:
    app = Host(TextPromptDialog("Rename", "New name", initial="old"))
    async with app.run_test() as pilot:
        await pilot.pause()
        field = app.dialog.query_one("#input", Input)
        assert field.value == "old"
        await pilot.press("end", *"er ", "enter")
        assert answered(app) == "older"


async def test_prompt_refuses_invalid_text_and_says_why() -> None:
    app = Host(TextPromptDialog("Name", "Name", validator=no_spaces))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(*"a b", "enter")
        assert answered(app) is NO_ANSWER
        assert app.screen is app.dialog
        error = app.dialog.query_one("#error", Static)
        assert error.display and text_of(error) == "no spaces, please"
        await pilot.press("left", "backspace", "enter")
        assert answered(app) == "ab"


async def test_prompt_escape_cancels_and_tab_reaches_the_buttons() -> None:
    app = Host(TextPromptDialog("Name", "Name"))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("x", "tab")
        assert app.focused.id == "ok"
        await pilot.press("tab")
        assert app.focused.id == "cancel"
        await pilot.press("escape")
        assert answered(app) is None


# -------------------------------------------------------------------------------- NewHookDialog

TRIGGER_IDS = [t.value for t in Trigger]


def taken(name: str) -> str | None:
    return "a hook named “taken” already exists" if name == "taken" else None


async def test_new_hook_name_then_trigger() -> None:
    app = Host(NewHookDialog(TRIGGER_IDS, taken))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = app.dialog
        assert dialog.query_one("#dialog").border_title == "New hook"
        triggers = dialog.query_one("#triggers", OptionList)
        prompts = [str(triggers.get_option_at_index(i).prompt) for i in range(5)]
        for prompt, trigger in zip(prompts, Trigger):
            assert prompt.startswith(trigger.value)
            assert TRIGGERS[trigger].summary in prompt
        await pilot.press(*"audit", "enter")  # enter moves on to the trigger
        assert app.focused is triggers
        await pilot.press("down", "down", "down", "enter")
        assert answered(app) == ("audit", "post-change-password")


async def test_new_hook_tab_and_create_button() -> None:
    app = Host(NewHookDialog(TRIGGER_IDS, taken, initial_trigger="send-phone-message"))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(*"sms", "tab")
        assert app.focused.id == "triggers"
        await pilot.press("tab")
        assert app.focused.id == "create"
        await pilot.press("enter")
        assert answered(app) == ("sms", "send-phone-message")


async def test_new_hook_invalid_name_stays_open() -> None:
    app = Host(NewHookDialog(TRIGGER_IDS, taken))
    async with app.run_test() as pilot:
        await pilot.pause()
        error = app.dialog.query_one("#error", Static)
        await pilot.press("enter")
        assert app.screen is app.dialog
        assert "type a name" in text_of(error)
        await pilot.press(*"taken", "tab", "enter")  # enter on a trigger, but the name is taken
        assert answered(app) is NO_ANSWER
        assert error.display and "already exists" in text_of(error)
        assert app.focused.id == "name"
        await pilot.press("escape")
        assert answered(app) is None


# -------------------------------------------------------------------------------- ChoiceDialog

CHOICES = [("reload", "Reload"), ("keep", "Keep mine"), ("diff", "Show diff")]


def test_choice_shortcuts_are_distinct_letters() -> None:
    assert choice_shortcuts(["Reload", "Keep mine", "Show diff"]) == ["r", "k", "s"]
    assert choice_shortcuts(["Save", "Skip", "Stop"]) == ["s", "k", "t"]
    assert choice_shortcuts(["A", "a", "!"]) == ["a", "1", "2"]


async def test_choice_by_shortcut() -> None:
    app = Host(ChoiceDialog("Changed on disk", "hooks/x.js changed", CHOICES))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        labels = [str(b.label) for b in app.dialog.query(Button)]
        assert labels == ["[r] Reload", "[k] Keep mine", "[s] Show diff"]
        await pilot.press("k")
        assert answered(app) == "keep"


async def test_choice_by_tab_and_enter_and_escape() -> None:
    app = Host(ChoiceDialog("Changed on disk", "hooks/x.js changed", CHOICES))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab", "enter")
        assert answered(app) == "diff"

    app = Host(ChoiceDialog("Changed on disk", "hooks/x.js changed", CHOICES))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("x")  # not a shortcut: nothing happens
        assert answered(app) is NO_ANSWER
        await pilot.press("escape")
        assert answered(app) is None


# -------------------------------------------------------------------------------- TextViewDialog

DIFF = """\
--- hooks/x.js (disk)
+++ hooks/x.js (editor)
@@ -1,2 +1,2 @@
 module.exports = function (client, scope, audience, context, cb) {
-  cb(null, {});
+  cb(null, { scope });
"""


def test_diff_lines_are_coloured() -> None:
    content = diff_content(DIFF)
    lines = content.plain.splitlines()
    styles = {
        content.plain[span.start:span.end]: str(span.style) for span in content.spans
    }
    assert styles[lines[4]] == "$text-error"
    assert styles[lines[5]] == "$text-success"
    assert styles[lines[2]] == "$text-accent"
    assert lines[3] not in styles


async def test_text_view_scrolls_and_closes_with_q_or_escape() -> None:
    long_text = "\n".join(f"line {i}" for i in range(200))
    for key in ("q", "escape"):
        app = Host(TextViewDialog("Stack", long_text))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.dialog.query_one("#dialog").border_title == "Stack"
            view = app.dialog.query_one("#view", ScrollableContainer)
            assert app.focused is view
            await pilot.press("pagedown")
            await pilot.pause()
            assert view.scroll_y > 0
            await pilot.press(key)
            assert app.answers == [None]
            assert app.screen is not app.dialog


async def test_text_view_diff_shows_the_text() -> None:
    app = Host(TextViewDialog("Diff", DIFF, language="diff"))
    async with app.run_test() as pilot:
        await pilot.pause()
        shown = app.dialog.query_one("#text", Static).render()
        assert "+  cb(null, { scope });" in str(shown)
