"""The editor pane's parts around the buffers: the code editor that marks an error line, the tab
bar, the changed-on-disk banner, the error bar and the hint shown while nothing is open."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from hooktui.tui.keys import KeySafeTextArea

KINDS = ("script", "meta")
TAB_LABELS = {"script": "script", "meta": "settings"}
DIRTY_MARK = "●"


class EditorArea(KeySafeTextArea):
    """A code editor that can mark one line: the line of the error shown under it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = KeySafeTextArea.COMPONENT_CLASSES | {
        "editor-area--error-line"
    }
    DEFAULT_CSS = """
    EditorArea {
        height: 1fr;
        border: none;
        padding: 0;
    }
    EditorArea:focus {
        border: none;
    }
    EditorArea > .editor-area--error-line {
        background: $error 35%;
    }
    """

    def __init__(self, *, id: str) -> None:
        # No language yet: tree-sitter starts after the first frame (HookEditor._highlight).
        super().__init__(
            id=id, soft_wrap=False, tab_behavior="indent", show_line_numbers=True, theme="css"
        )
        self._error_line: int | None = None

    @property
    def error_line(self) -> int | None:
        """The 0-based line marked as wrong, or None."""
        return self._error_line

    @error_line.setter
    def error_line(self, line: int | None) -> None:
        if line != self._error_line:
            self._error_line = line
            self.notify_style_update()  # the cached lines were rendered without the mark
            self.refresh()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        if line_index == self._error_line:
            line.stylize(self.get_component_rich_style("editor-area--error-line", partial=True))
        return line


class TabBar(Static):
    """One line: the two tabs, the active one highlighted, an unsaved one marked."""

    DEFAULT_CSS = """
    TabBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
    }
    """

    class Selected(Message):
        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    def show(self, active: str, dirty: Mapping[str, bool], hint: str, errors: Mapping[str, bool] | None = None) -> None:
        parts: list[Content] = []
        for kind in KINDS:
            # ✗: an error in the tab not shown (the bar under the editor shows the shown tab's).
            error = " ✗" if (errors or {}).get(kind) else ""
            label = f" {TAB_LABELS[kind]}{' ' + DIRTY_MARK if dirty.get(kind) else ''}{error} "
            style = "bold reverse $accent" if kind == active else ""
            parts.append(Content.from_markup(f"[{style} @click=select('{kind}')]$label[/]", label=label))
        parts.append(Content.styled(hint, "dim"))
        self.update(Content(" ").join(parts))

    def action_select(self, kind: str) -> None:
        self.post_message(self.Selected(kind))


class DiskBanner(Static, can_focus=True):
    """The question asked when a file changes on disk under unsaved edits. It takes focus when it
    appears, so that the answers (r, k, d: HookEditor's bindings, live only while the banner has
    focus) are never typed into the buffer; escape goes back to typing."""

    DEFAULT_CSS = """
    DiskBanner {
        height: auto;
        width: 1fr;
        padding: 0 1;
        background: $warning 25%;
        color: $foreground;
        display: none;
    }
    DiskBanner:focus {
        background: $warning 45%;
        text-style: bold;
    }
    """
    BINDINGS = [
        Binding("escape", "leave", "Back to the buffer", show=False, id="editor.banner_leave"),
    ]

    class Leave(Message):
        """Escape on the banner: back to typing, the question stays open."""

    _file = ""

    def ask(self, file: str) -> None:
        self._file = file
        self._show_question(self.has_focus)

    def _show_question(self, focused: bool) -> None:
        # Escape in the buffer moves focus here; say so while the keys would type instead.
        self.update(Content.from_markup(
            "[b]$file[/b] changed on disk — [b]r[/b] reload · [b]k[/b] keep mine · "
            "[b]d[/b] show diff$hint",
            file=self._file, hint="" if focused else " (esc to answer)",
        ))

    def on_focus(self) -> None:
        self._show_question(True)

    def on_blur(self) -> None:
        self._show_question(False)

    def action_leave(self) -> None:
        self.post_message(self.Leave())


class ErrorBar(Static):
    """Under the editor: the error of the buffer shown, with its line:column."""

    DEFAULT_CSS = """
    ErrorBar {
        height: auto;
        max-height: 6;
        width: 1fr;
        padding: 0 1;
        background: $error 20%;
        color: $text-error;
        display: none;
    }
    """


class EmptyHint(Static, can_focus=True):
    DEFAULT_CSS = """
    EmptyHint {
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        color: $text-muted;
    }
    """
