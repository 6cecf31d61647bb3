"""The modal dialogs the App and the panes share: confirm, prompt for text, new hook, pick one of a
few choices, read a long text. Each one answers through `dismiss`, works from the keyboard alone
(tab moves between fields, escape cancels) and takes its colours from the theme."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from hooktui.core.triggers import TRIGGERS, Trigger

ResultType = TypeVar("ResultType")

Validator = Callable[[str], "str | None"]
"""Returns why a value is refused (shown under the input), or None when it is acceptable."""


def _button_label(shortcut: str, label: str) -> Content:
    # Built as Content, not markup: "[y]" in markup would be read as a style.
    return Content.assemble(("[", "dim"), (shortcut, "bold"), ("] ", "dim"), label)


def choice_shortcuts(labels: Sequence[str]) -> list[str]:
    """One single-key shortcut per label, lower case: its first letter or digit not taken yet by
    an earlier label, else a free digit ("Reload", "Keep mine", "Show diff" -> r, k, s)."""
    taken: set[str] = set()
    shortcuts: list[str] = []
    for position, label in enumerate(labels, 1):
        letters = [c.lower() for c in label if c.isalnum()]
        choice = next((c for c in letters if c not in taken), None)
        if choice is None:
            choice = next(
                (d for d in "123456789" if d not in taken), str(position)
            )
        taken.add(choice)
        shortcuts.append(choice)
    return shortcuts


class DialogScreen(ModalScreen[ResultType]):
    """The frame every dialog shares: a centred box titled in its border, buttons at the bottom."""

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
        background: $background 60%;
    }
    DialogScreen > #dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        background: $surface;
        border: round $accent;
        border-title-color: $text-accent;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
    }
    DialogScreen #message {
        width: 100%;
        height: auto;
        max-height: 16;
        padding: 1 0 0 0;
    }
    DialogScreen .field-label {
        width: 100%;  /* wraps: a long path in the sentence is never cut */
        color: $text-muted;
        margin-top: 1;
    }
    DialogScreen .error {
        color: $text-error;
        height: auto;
        display: none;
    }
    DialogScreen .error.-visible {
        display: block;
    }
    DialogScreen #buttons {
        width: 100%;
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    DialogScreen #buttons Button {
        margin-left: 2;
        min-width: 8;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("left", "app.focus_previous", "Previous", show=False, id="dialog.previous"),
        Binding("right", "app.focus_next", "Next", show=False, id="dialog.next"),
    ]

    CANCEL_RESULT: object = None

    def __init__(self, title: str) -> None:
        super().__init__()
        self._dialog_title = title

    def _frame(self) -> Vertical:
        frame = Vertical(id="dialog")
        frame.border_title = self._dialog_title
        return frame

    def action_cancel(self) -> None:
        self.dismiss(self.CANCEL_RESULT)  # type: ignore[arg-type]


def _show_error(widget: Static, message: str | None) -> None:
    widget.update(Content(message or ""))
    widget.set_class(bool(message), "-visible")


class ConfirmDialog(DialogScreen[bool]):
    """Yes or no. `y` confirms and `n` or escape cancels; enter presses the focused button, which
    is the cancel button when `danger` (so a reflexive enter never deletes anything)."""

    BINDINGS = [
        Binding("y", "confirm", "Confirm", id="dialog.confirm"),
        Binding("n", "cancel", "Cancel", show=False, id="dialog.deny"),
    ]
    CANCEL_RESULT = False

    def __init__(
        self,
        title: str,
        message: str,
        confirm_label: str = "Yes",
        cancel_label: str = "No",
        danger: bool = False,
    ) -> None:
        super().__init__(title)
        self.message = message
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.danger = danger

    def compose(self) -> ComposeResult:
        with self._frame():
            yield Static(Content(self.message), id="message")
            with Horizontal(id="buttons"):
                yield Button(
                    _button_label("y", self.confirm_label),
                    id="confirm",
                    variant="error" if self.danger else "primary",
                    compact=True,
                )
                yield Button(_button_label("n", self.cancel_label), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel" if self.danger else "#confirm", Button).focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)


class TextPromptDialog(DialogScreen["str | None"]):
    """Ask for one line of text. The answer is stripped of surrounding whitespace; the validator
    sees that stripped value, and while it objects, enter keeps the dialog open and says why."""

    def __init__(
        self,
        title: str,
        label: str,
        initial: str = "",
        validator: Validator | None = None,
    ) -> None:
        super().__init__(title)
        self.label = label
        self.initial = initial
        self.validator = validator

    def compose(self) -> ComposeResult:
        with self._frame():
            yield Label(Content(self.label), classes="field-label")
            yield Input(value=self.initial, id="input")
            yield Static(id="error", classes="error")
            with Horizontal(id="buttons"):
                yield Button(_button_label("enter", "OK"), id="ok", variant="primary", compact=True)
                yield Button(_button_label("esc", "Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#input", Input).focus()

    def _problem(self) -> str | None:
        value = self.query_one("#input", Input).value.strip()
        if self.validator is None:
            return None
        return self.validator(value)

    @on(Input.Changed, "#input")
    def _revalidate(self) -> None:
        _show_error(self.query_one("#error", Static), self._problem())

    @on(Input.Submitted, "#input")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        problem = self._problem()
        _show_error(self.query_one("#error", Static), problem)
        if problem:
            self.query_one("#input", Input).focus()
            return
        self.dismiss(self.query_one("#input", Input).value.strip())

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class NewHookDialog(DialogScreen["tuple[str, str] | None"]):
    """A name and a trigger for a new hook. Enter in the name moves on to the trigger list once
    the name is acceptable; enter on a trigger creates. Each trigger shows its one-line summary."""

    DEFAULT_CSS = """
    NewHookDialog > #dialog {
        width: 106;  /* room for every trigger's summary on one line */
    }
    NewHookDialog #triggers {
        height: auto;
        max-height: 7;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $surface;
    }
    NewHookDialog #triggers:focus {
        background-tint: $foreground 5%;
    }
    """

    def __init__(
        self,
        triggers: Sequence[str],
        validator: Validator | None = None,
        initial_trigger: str | None = None,
    ) -> None:
        super().__init__("New hook")
        self.triggers = list(triggers)
        self.validator = validator
        self.initial_trigger = initial_trigger

    def compose(self) -> ComposeResult:
        with self._frame() as frame:
            frame.border_subtitle = "enter next, then create · tab next field · esc cancel"
            yield Label("Name", classes="field-label")
            yield Input(id="name", placeholder="e.g. token-claims")
            yield Static(id="error", classes="error")
            yield Label("Trigger", classes="field-label")
            width = max((len(t) for t in self.triggers), default=0)
            yield OptionList(
                *(Option(self._trigger_prompt(t, width), id=t) for t in self.triggers),
                id="triggers",
                compact=True,
            )
            with Horizontal(id="buttons"):
                yield Button("Create", id="create", variant="primary", compact=True)
                yield Button(_button_label("esc", "Cancel"), id="cancel", compact=True)

    @staticmethod
    def _trigger_prompt(trigger: str, width: int) -> Content:
        try:
            summary = TRIGGERS[Trigger(trigger)].summary
        except ValueError:
            summary = ""
        return Content.assemble((trigger.ljust(width), "bold"), ("  " + summary, "$text-muted"))

    def on_mount(self) -> None:
        triggers = self.query_one("#triggers", OptionList)
        index = 0
        if self.initial_trigger in self.triggers:
            index = self.triggers.index(self.initial_trigger)
        if self.triggers:
            triggers.highlighted = index
        self.query_one("#name", Input).focus()

    @property
    def trigger(self) -> str | None:
        """The highlighted trigger."""
        option = self.query_one("#triggers", OptionList).highlighted_option
        return option.id if option is not None else None

    def _problem(self) -> str | None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            return "type a name for the hook"
        return self.validator(name) if self.validator else None

    @on(Input.Changed, "#name")
    def _revalidate(self, event: Input.Changed) -> None:
        problem = self._problem() if event.value.strip() else None
        _show_error(self.query_one("#error", Static), problem)

    @on(Input.Submitted, "#name")
    def _name_entered(self) -> None:
        problem = self._problem()
        _show_error(self.query_one("#error", Static), problem)
        if not problem:
            self.query_one("#triggers", OptionList).focus()

    @on(OptionList.OptionSelected, "#triggers")
    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        problem = self._problem()
        _show_error(self.query_one("#error", Static), problem)
        if problem:
            self.query_one("#name", Input).focus()
            return
        trigger = self.trigger
        if trigger is None:
            self.query_one("#triggers", OptionList).focus()
            return
        self.dismiss((self.query_one("#name", Input).value.strip(), trigger))

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class ChoiceDialog(DialogScreen["str | None"]):
    """One of a few answers, e.g. reload / keep mine / show diff. `choices` are (key, label)
    pairs; the dialog returns the chosen key. Each button shows its single-key shortcut (see
    `choice_shortcuts`); escape returns None."""

    def __init__(self, title: str, message: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__(title)
        self.message = message
        self.choices = list(choices)
        self.shortcuts = dict(
            zip(choice_shortcuts([label for _key, label in self.choices]),
                (key for key, _label in self.choices))
        )

    def compose(self) -> ComposeResult:
        with self._frame() as frame:
            frame.border_subtitle = "esc cancel"
            yield Static(Content(self.message), id="message")
            with Horizontal(id="buttons"):
                for index, (shortcut, (key, label)) in enumerate(
                    zip(self.shortcuts, self.choices)
                ):
                    button = Button(_button_label(shortcut, label), id=f"choice-{index}",
                                    variant="primary" if index == 0 else "default", compact=True)
                    button.choice_key = key  # type: ignore[attr-defined]
                    yield button

    def on_mount(self) -> None:
        if self.choices:
            self.query_one("#choice-0", Button).focus()

    def on_key(self, event: Key) -> None:
        if event.character and event.character.lower() in self.shortcuts and event.is_printable:
            event.stop()
            event.prevent_default()
            self.dismiss(self.shortcuts[event.character.lower()])

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        key = getattr(event.button, "choice_key", None)
        if key is not None:
            self.dismiss(key)


def diff_content(text: str) -> Content:
    """A unified diff with added lines in the success colour, removed ones in the error colour
    and hunk headers in the accent colour."""
    lines = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "$text-success"
        elif line.startswith("-"):
            style = "$text-error"
        elif line.startswith("@@"):
            style = "$text-accent"
        else:
            style = ""
        lines.append(Content.styled(line, style) if style else Content(line))
    return Content("\n").join(lines)


class TextViewDialog(DialogScreen[None]):
    """A long text to read: a diff, a stack trace, a full error. Scrolls with the arrow and page
    keys; escape or q closes. language="diff" colours +/- lines; another language name is
    highlighted with the theme's syntax colours."""

    DEFAULT_CSS = """
    TextViewDialog > #dialog {
        width: 90%;
        height: 90%;
        max-height: 100%;
    }
    TextViewDialog #view {
        height: 1fr;
        background: $surface;
    }
    TextViewDialog #view:focus {
        background-tint: $foreground 3%;
    }
    TextViewDialog #text {
        width: auto;
    }
    """

    BINDINGS = [Binding("q", "cancel", "Close", id="dialog.close")]

    def __init__(self, title: str, text: str, language: str | None = None) -> None:
        super().__init__(title)
        self.text = text
        self.language = language

    def _content(self) -> Content:
        if self.language == "diff":
            return diff_content(self.text)
        if self.language:
            from textual.highlight import highlight

            try:
                return highlight(self.text, language=self.language)
            except Exception:  # an unknown language: plain text beats no text
                return Content(self.text)
        return Content(self.text)

    def compose(self) -> ComposeResult:
        with self._frame() as frame:
            lines = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
            frame.border_subtitle = f"{lines} lines · esc/q close"
            with ScrollableContainer(id="view"):
                yield Static(self._content(), id="text")

    def on_mount(self) -> None:
        self.query_one("#view").focus()


class PlanDialog(DialogScreen["str | None"]):
    """What a push would do, to read before it happens: returns "push", "force" or None.

    `p` (or enter on the focused button) pushes the plan as shown. When hooks are in conflict
    `force_label` adds a second, red button (`f`) that is never focused first: overwriting the
    tenant's change takes that key, or tab to it. Without a plan to apply, only cancel is focused."""

    DEFAULT_CSS = """
    PlanDialog > #dialog {
        width: 100;
    }
    PlanDialog #plan {
        height: auto;
        max-height: 20;
        background: $surface;
    }
    PlanDialog #plan-text {
        width: 1fr;
        padding: 1 0 0 0;
    }
    """

    CANCEL_RESULT = None

    def __init__(self, title: str, body: Content, *, push_label: str | None, force_label: str | None) -> None:
        super().__init__(title)
        self.body = body
        self.push_label = push_label
        self.force_label = force_label

    def compose(self) -> ComposeResult:
        with self._frame() as frame:
            frame.border_subtitle = "↑↓ scroll · esc cancel"
            with ScrollableContainer(id="plan"):
                yield Static(self.body, id="plan-text")
            with Horizontal(id="buttons"):
                if self.push_label:
                    yield Button(_button_label("p", self.push_label), id="push", variant="primary", compact=True)
                if self.force_label:
                    yield Button(_button_label("f", self.force_label), id="force", variant="error", compact=True)
                yield Button(_button_label("esc", "Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#push" if self.push_label else "#cancel", Button).focus()

    def on_key(self, event: Key) -> None:
        key = event.character.lower() if event.character and event.is_printable else None
        if key == "p" and self.push_label:
            event.stop()
            self.dismiss("push")
        elif key == "f" and self.force_label:
            event.stop()
            self.dismiss("force")
        elif key in ("n", "q"):
            event.stop()
            self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss({"push": "push", "force": "force"}.get(event.button.id or ""))


_DIFF_STYLES = {
    "Generic.Inserted": "$text-success",
    "Generic.Deleted": "$text-error",
    "Generic.Subheading": "$text-accent",
    "Generic.Heading": "bold",
    "Generic.Strong": "bold",
}


def highlight_diff(text: str) -> Content:
    """A unified diff coloured by pygments' DiffLexer, in the theme's colours (added lines in the
    success colour, removed ones in the error colour, hunk headers in the accent colour, the
    file names in bold)."""
    from pygments.lexers import DiffLexer  # only when a diff is shown: not on the start-up path

    spans: list[tuple[str, str] | str] = []
    for token, value in DiffLexer().get_tokens(text):
        name = str(token).removeprefix("Token.")
        style = next((s for prefix, s in _DIFF_STYLES.items() if name.startswith(prefix)), "")
        if style and value.startswith(("+++", "---")):
            style = f"bold {style}"
        spans.append((value, style) if style else value)
    return Content.assemble(*spans).rstrip()


class DiffDialog(TextViewDialog):
    """A diff between the tenant and the workspace, highlighted with pygments. Scrolls with the
    arrow and page keys; esc or q closes. `actions` are (key, label) pairs offered as buttons
    with single-key shortcuts (e.g. push, pull); the dialog returns the chosen key, else None."""

    DEFAULT_CSS = """
    DiffDialog #diff-header {
        height: auto;
        padding: 1 0;
    }
    """

    def __init__(self, title: str, text: str, *, header: Content | None = None,
                 actions: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(title, text, language="diff")
        self.header = header
        self.actions = list(actions)

    def _content(self) -> Content:
        return highlight_diff(self.text)

    def compose(self) -> ComposeResult:
        with self._frame() as frame:
            lines = self.text.count("\n") + (0 if self.text.endswith("\n") else 1)
            keys = " · ".join(f"{key} {label.lower()}" for key, label in self.actions)
            frame.border_subtitle = f"{lines} lines · ↑↓ pgup pgdn scroll · {keys + ' · ' if keys else ''}esc/q close"
            if self.header is not None:
                yield Static(self.header, id="diff-header")
            with ScrollableContainer(id="view"):
                yield Static(self._content(), id="text")
            if self.actions:
                with Horizontal(id="buttons"):
                    for key, label in self.actions:
                        yield Button(_button_label(key, label), id=f"action-{key}", compact=True)
                    yield Button(_button_label("esc", "Close"), id="close", compact=True)

    def on_key(self, event: Key) -> None:
        key = event.character.lower() if event.character and event.is_printable else None
        if key in {k for k, _ in self.actions}:
            event.stop()
            self.dismiss(key)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        self.dismiss(button.removeprefix("action-") if button.startswith("action-") else None)
