"""The editor pane: one hook's script and its JSON settings in two code editors, with dirty
tracking against the text on disk, a banner when a file changes under unsaved edits, and errors
pointed at their line. It never writes a file: it posts SaveRequested and the App writes."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, TextArea
from textual.widgets.text_area import LanguageDoesNotExist

from hooktui.core.hook_meta import validate_meta_text
from hooktui.core.problems import Problem
from hooktui.tui.dialogs import TextViewDialog
from hooktui.tui.messages import ExternalEditRequested, SaveRequested
from hooktui.tui.widgets.editor_chrome import (
    DIRTY_MARK,
    KINDS,
    TAB_LABELS,
    DiskBanner,
    EditorArea,
    EmptyHint,
    ErrorBar,
    TabBar,
)

LANGUAGES = {"script": "javascript", "meta": "json"}
EMPTY_HINT = "open a hook or an action from the list (enter), or create one (ctrl+n)"
MAX_PROBLEMS_SHOWN = 3


def _kind(kind: str) -> str:
    # The tab says "settings"; messages and the App say "meta".
    kind = "meta" if kind == "settings" else kind
    if kind not in KINDS:
        raise ValueError(f"unknown buffer kind {kind!r}; expected 'script' or 'meta'")
    return kind


class HookEditor(Vertical):
    """The open hook's (or action's) script (JavaScript) and settings (its JSON, secret values
    masked). For an action the script is actions/<name>/code.js and the settings actions/<name>.json."""

    BORDER_TITLE = "Editor"
    HELP = (
        "**Editor**: the open hook's script and its settings (the hook's JSON; secret values "
        "show masked, and a masked value is kept as it is on disk): its enabled flag, dependencies "
        "and secrets. `f7` or `alt+s` switches between them from any pane. `ctrl+s` saves the shown buffer; "
        "settings are validated first and nothing is written while they have an error. "
        "● marks unsaved changes. When a file changes on disk while you have unsaved changes, "
        "a banner asks: `r` reload it, `k` keep yours (the next save overwrites the disk), `d` "
        "show the differences; a reload can be undone with `ctrl+z`. `ctrl+g` goes to the line "
        "of the error shown under the editor; `f9` opens the file in `$VISUAL`/`$EDITOR`."
    )
    DEFAULT_CSS = """
    HookEditor {
        border: round $panel;
        height: 1fr;
    }
    HookEditor:focus-within {
        border: round $accent;
    }
    HookEditor > #editor-body {
        height: 1fr;
        display: none;
    }
    HookEditor.-open > #editor-body {
        display: block;
    }
    HookEditor.-open > EmptyHint {
        display: none;
    }
    HookEditor #editor-switcher {
        height: 1fr;
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor.save"),
        Binding("f9", "external", "$EDITOR", id="editor.external"),
        Binding("ctrl+g", "goto_error", "Go to error", id="editor.goto_error"),
        Binding("r", "reload_disk", "Reload from disk", id="editor.reload_disk"),
        Binding("k", "keep_mine", "Keep mine", id="editor.keep_mine"),
        Binding("d", "show_diff", "Show diff", id="editor.show_diff"),
    ]

    def __init__(
        self,
        *,
        keywords: Mapping[str, Any] | None = None,
        name: str | None = None,
        id: str | None = "editor",
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.keywords: Mapping[str, Any] = keywords or {}
        """Keyword mappings the settings are validated with (`@@KEY@@` / `##KEY##`)."""
        self._hook: str | None = None
        self._target = "hook"  # what is open: "hook" or "action"
        # How an action's settings buffer is checked before a save (the App gives it: the check needs
        # the workspace); a hook's are checked by validate_meta_text.
        self._meta_check: Callable[[str], list[Problem]] | None = None
        self._files = {"script": "", "meta": ""}
        self._baseline = {"script": "", "meta": ""}  # the text last loaded or saved
        self._on_disk: dict[str, str] = {}  # a disk version waiting for the user's answer
        self._errors: dict[str, Content] = {}
        self._meta_error_source: str | None = None  # "buffer" (found at a save) or "disk" (the file)
        self._error_at: dict[str, tuple[int, int] | None] = {}  # 0-based line, column
        self._active = "script"
        self._chrome_state: tuple[object, ...] | None = None
        self.switch_key = "f7"
        """The key that shows the other buffer (the App's editor.switch_tab, as the user has it)."""

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield EmptyHint(EMPTY_HINT)
        with Vertical(id="editor-body"):
            yield TabBar(id="editor-tabs")
            with ContentSwitcher(initial="editor-script", id="editor-switcher"):
                yield EditorArea(id="editor-script")
                yield EditorArea(id="editor-meta")
            yield DiskBanner(id="editor-banner")
            yield ErrorBar(id="editor-error")

    def on_mount(self) -> None:
        self._refresh_chrome()
        # Loading the grammars and parsing wait until the first frame is on screen.
        self.call_after_refresh(self._highlight)

    def _highlight(self) -> None:
        for kind in KINDS:
            area = self._area(kind)
            selection, scroll = area.selection, area.scroll_offset
            try:
                area.language = LANGUAGES[kind]
            except LanguageDoesNotExist:
                area.language = None  # plain text beats no editor
                self.log.warning(f"no tree-sitter grammar for {LANGUAGES[kind]}")
            # Switching the language rebuilds the document and puts the cursor at the top.
            area.selection = selection
            area.scroll_to(scroll.x, scroll.y, animate=False, immediate=True)

    def _area(self, kind: str) -> EditorArea:
        return self.query_one(f"#editor-{kind}", EditorArea)

    # ---------------------------------------------------------------- what the App reads

    @property
    def hook(self) -> str | None:
        """The hook open, or None."""
        return self._hook

    @property
    def target(self) -> str:
        """What is open: "hook" or "action"."""
        return self._target

    def holds(self, target: str, name: str | None) -> bool:
        """Whether the editor holds this hook or action."""
        return self._hook is not None and self._hook == name and self._target == target

    @property
    def active_kind(self) -> str:
        """The buffer shown: "script" or "meta"."""
        return self._active

    @property
    def dirty(self) -> bool:
        """Either buffer differs from the text last loaded or saved."""
        return bool(self.dirty_kinds())

    def dirty_kinds(self) -> list[str]:
        if self._hook is None:
            return []
        return [kind for kind in KINDS if self.text(kind) != self._baseline[kind]]

    def dirty_labels(self) -> list[str]:
        """The unsaved buffers as the tabs name them ("script", "settings"), for people."""
        return [TAB_LABELS[kind] for kind in self.dirty_kinds()]

    def text(self, kind: str) -> str:
        return self._area(_kind(kind)).text

    def file(self, kind: str) -> str:
        """The file of a buffer, relative to the workspace (e.g. hooks/x.js)."""
        return self._files[_kind(kind)]

    # ---------------------------------------------------------------- what the App calls

    def open(self, hook: str, *, script: str, meta: str, script_file: str, meta_file: str, target: str = "hook",
             meta_check: Callable[[str], list[Problem]] | None = None) -> None:
        """Show `hook` (an action's name when target is "action"; `meta_check` then checks its
        settings before a save): both buffers loaded and clean, the script in front, cursor at the top."""
        self._hook = hook
        self._target = target
        self._meta_check = meta_check
        self._files = {"script": script_file, "meta": meta_file}
        self._on_disk.clear()
        self._errors.clear()
        self._meta_error_source = None
        self._error_at.clear()
        for kind, text in (("script", script), ("meta", meta)):
            self._baseline[kind] = text
            area = self._area(kind)
            area.load_text(text)
            area.error_line = None
            area.move_cursor((0, 0))
            area.scroll_to(0, 0, animate=False, immediate=True)
        self.add_class("-open")
        self._show("script", focus=self.has_focus_within)

    def close(self) -> None:
        """Back to no hook (it was deleted); the buffers are emptied."""
        self._hook = None
        self._target = "hook"
        self._meta_check = None
        self._files = {"script": "", "meta": ""}
        self._on_disk.clear()
        self._errors.clear()
        self._meta_error_source = None
        self._error_at.clear()
        had_focus = self.has_focus_within
        for kind in KINDS:
            self._baseline[kind] = ""
            self._area(kind).load_text("")
            self._area(kind).error_line = None
        self.remove_class("-open")
        self._refresh_chrome()
        if had_focus:
            self.query_one(EmptyHint).focus()

    def saved(self, kind: str, text: str) -> None:
        """The App wrote `text`: it is the disk's version now."""
        kind = _kind(kind)
        self._baseline[kind] = text
        self._on_disk.pop(kind, None)  # our save overwrote whatever the banner was about
        self._refresh_chrome()

    def saved_as(self, hook: str, *, script: str, meta: str, script_file: str, meta_file: str) -> None:
        """The App wrote both buffers as `hook` (its files had gone): both are clean, the
        settings show what was written (reformatted), the cursors stay where they were."""
        self._hook = hook
        self._files = {"script": script_file, "meta": meta_file}
        self._on_disk.clear()
        self._baseline["script"] = script
        self._baseline["meta"] = self.text("meta")  # disk_changed reloads it, keeping the cursor
        self.disk_changed("meta", meta)
        self._refresh_chrome()

    def disk_changed(self, kind: str, text: str) -> None:
        """The file changed on disk: reload a clean buffer (keeping the cursor), or keep a dirty
        one and ask with the banner."""
        kind = _kind(kind)
        if self._hook is None:
            return
        if kind == "meta" and self._meta_error_source == "disk":
            self.clear_error("meta")  # about the file as it was: the App shows what is wrong now
        area = self._area(kind)
        if text == self._baseline[kind]:
            # Our own save coming back from the watcher, or the disk back where we started.
            self._on_disk.pop(kind, None)
        elif area.text == text:
            self._baseline[kind] = text
            self._on_disk.pop(kind, None)
        elif area.text == self._baseline[kind]:
            self._baseline[kind] = text
            self._on_disk.pop(kind, None)
            location, scroll = area.cursor_location, area.scroll_offset
            area.load_text(text)
            area.move_cursor(location)  # clamped to the new text
            area.scroll_to(scroll.x, scroll.y, animate=False, immediate=True)
        else:
            self._on_disk[kind] = text
            if self.has_focus_within:
                # Focus on the banner, so r/k/d answer it instead of typing into the buffer.
                self.call_after_refresh(self._focus_banner)
        self._refresh_chrome()

    def show_error(self, kind: str, line: int | None, column: int | None, message: str) -> None:
        """An error in a buffer (1-based line and column when known): shown under the editor,
        its line marked; ctrl+g goes there."""
        kind = _kind(kind)
        where = ""
        if line is not None:
            where = f"{line}:{column}" if column is not None else f"{line}"
        self._set_error(
            kind,
            Content.assemble((where + " " if where else "", "bold"), message),
            (line - 1, max((column or 1) - 1, 0)) if line is not None else None,
        )

    def clear_error(self, kind: str) -> None:
        kind = _kind(kind)
        if kind == "meta":
            self._meta_error_source = None
        self._errors.pop(kind, None)
        self._error_at.pop(kind, None)
        self._area(kind).error_line = None
        self._refresh_chrome()

    def focus(self, scroll_visible: bool = True) -> HookEditor:
        """Focus what matters: the banner when it asks, else the buffer shown, else the hint."""
        if self._hook is None:
            self.query_one(EmptyHint).focus(scroll_visible)
        elif self._banner_kind() is not None:
            self.query_one(DiskBanner).focus(scroll_visible)
        else:
            self._area(self._active).focus(scroll_visible)
        return self

    # ---------------------------------------------------------------- internals

    def _set_error(self, kind: str, content: Content, at: tuple[int, int] | None) -> None:
        self._errors[kind] = content
        self._error_at[kind] = at
        self._area(kind).error_line = at[0] if at is not None else None
        self._refresh_chrome()

    def _banner_kind(self) -> str | None:
        if self._active in self._on_disk:
            return self._active
        return next((kind for kind in KINDS if kind in self._on_disk), None)

    def _focus_banner(self) -> None:
        if self._banner_kind() is not None:
            self.query_one(DiskBanner).focus()

    def _show(self, kind: str, *, focus: bool) -> None:
        self._active = kind
        self.query_one(ContentSwitcher).current = f"editor-{kind}"
        self._refresh_chrome()
        if focus:
            self._area(kind).focus()

    def _refresh_chrome(self) -> None:
        """Title, subtitle, tab bar, banner and error bar, from the state."""
        if not self.is_mounted:
            return
        dirty = {kind: kind in self.dirty_kinds() for kind in KINDS}
        if self._hook is not None:
            row, column = self._area(self._active).cursor_location
            self.border_subtitle = f"{row + 1}:{column + 1}"
        banner_kind = self._banner_kind()
        error = self._errors.get(self._active)
        state = (self._hook, self._active, tuple(dirty.values()), banner_kind,
                 self._files[banner_kind] if banner_kind else None, error,
                 tuple(self._error_at.items()), tuple(self._errors))
        if state == self._chrome_state:
            return  # most keystrokes change nothing but the cursor
        self._chrome_state = state

        if self._hook is None:
            self.border_title = self.BORDER_TITLE
            self.border_subtitle = ""
        else:
            mark = f" {DIRTY_MARK}" if dirty[self._active] else ""
            self.border_title = f"{self.BORDER_TITLE} · {self._files[self._active]}{mark}"
        self.query_one(TabBar).show(self._active, dirty, f"{self.switch_key} switches",
                                    {kind: kind in self._errors for kind in KINDS})

        banner = self.query_one(DiskBanner)
        if banner_kind is None:
            if banner.has_focus:
                self._area(self._active).focus()
            banner.display = False
        else:
            banner.ask(self._files[banner_kind])
            banner.display = True

        error_bar = self.query_one(ErrorBar)
        if error is None:
            error_bar.display = False
        else:
            hint = "  ctrl+g go to error" if self._error_at.get(self._active) else ""
            error_bar.update(Content.assemble(error, (hint, "dim")))
            error_bar.display = True
        self.refresh_bindings()

    @on(TextArea.Changed)
    def _buffer_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if event.text_area is self._area("meta"):
            self._recheck_meta()
        self._refresh_chrome()

    @on(TextArea.SelectionChanged)
    def _cursor_moved(self, event: TextArea.SelectionChanged) -> None:
        event.stop()
        if self._hook is not None and event.text_area is self._area(self._active):
            row, column = event.selection.end
            self.border_subtitle = f"{row + 1}:{column + 1}"

    @on(TabBar.Selected)
    def _tab_clicked(self, event: TabBar.Selected) -> None:
        event.stop()
        if self._hook is not None:
            self._show(event.kind, focus=True)

    @on(DiskBanner.Leave)
    def _leave_banner(self, event: DiskBanner.Leave) -> None:
        event.stop()
        self._area(self._active).focus()

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reload_disk", "keep_mine", "show_diff"):
            # Only while the banner has focus: in the buffer these letters are typing.
            return self._banner_kind() is not None and self.query_one(DiskBanner).has_focus
        if action == "goto_error":
            return any(self._error_at.get(kind) for kind in KINDS)
        if action in ("save", "external", "show_tab", "switch_tab"):
            return self._hook is not None
        return True

    def action_show_tab(self, kind: str) -> None:
        self._show(_kind(kind), focus=True)

    def action_switch_tab(self) -> None:
        self._show("meta" if self._active == "script" else "script", focus=True)

    def action_save(self) -> None:
        if self._hook is None:
            return
        kind = self._active
        text = self.text(kind)
        if kind == "meta":
            problems = self.meta_errors(text)
            if problems:
                self._show_problems(problems)
                self.notify(f"not saved: {self._files['meta']} has {len(problems)} "
                            f"error{'s' if len(problems) > 1 else ''} (shown under the editor)",
                            severity="error")
                return
            self.clear_error("meta")
        self.post_message(SaveRequested(self._hook, kind, text, self._target))

    def meta_errors(self, text: str) -> list[Problem]:
        """The errors a save of `text` as the settings would write (nothing is written while any)."""
        if self._hook is None:
            return []
        if self._target == "action":
            return [p for p in (self._meta_check(text) if self._meta_check else []) if p.severity == "error"]
        return [p for p in validate_meta_text(text, file=self._files["meta"], hook_name=self._hook,
                                              keywords=self.keywords) if p.severity == "error"]

    def show_problems(self, problems: list[Problem]) -> None:
        """The settings file on disk has these problems (the App found them): shown under the
        editor, naming the file, until the file changes again."""
        if problems:
            self._show_problems(problems, on_disk=True)

    def _show_problems(self, problems: list[Problem], *, on_disk: bool = False) -> None:
        lines = []
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            where = f"{problem.line}:{problem.column} " if problem.line is not None else ""
            if on_disk:
                where = f"{problem.file}:{where.strip()}: " if where else f"{problem.file}: "
            field = f"{problem.field}: " if problem.field else ""
            lines.append(Content.assemble((where, "bold"), field, problem.message))
        if len(problems) > MAX_PROBLEMS_SHOWN:
            more = len(problems) - MAX_PROBLEMS_SHOWN
            lines.append(Content.styled(f"+{more} more problem{'s' if more > 1 else ''}", "dim"))
        first = problems[0]
        at = (first.line - 1, (first.column or 1) - 1) if first.line is not None and not on_disk else None
        self._set_error("meta", Content("\n").join(lines), at)
        # Where the error came from says what clears it: the buffer's own text, or the file.
        self._meta_error_source = "disk" if on_disk else "buffer"

    def _recheck_meta(self) -> None:
        """The settings buffer changed under an error found in it: check it again, so the error
        goes as soon as the text is valid (an undo, a fix) and follows the text meanwhile."""
        if self._hook is None or self._meta_error_source != "buffer":
            return
        problems = self.meta_errors(self.text("meta"))
        if problems:
            self._show_problems(problems)
        else:
            self.clear_error("meta")

    def action_external(self) -> None:
        if self._hook is not None:
            self.post_message(ExternalEditRequested(self._hook, self._active, self._target))

    def action_goto_error(self) -> None:
        kind = self._active if self._error_at.get(self._active) else next(
            (k for k in KINDS if self._error_at.get(k)), None
        )
        if kind is None:
            return
        if kind != self._active:
            self._show(kind, focus=False)
        area = self._area(kind)
        area.move_cursor(self._error_at[kind], center=True)  # clamped if the text moved on
        area.focus()

    def action_reload_disk(self) -> None:
        kind = self._banner_kind()
        if kind is None:
            return
        text = self._on_disk.pop(kind)
        area = self._area(kind)
        location = area.cursor_location
        # An edit rather than load_text: ctrl+z brings the user's version back.
        area.history.checkpoint()
        area.replace(text, (0, 0), area.document.end)
        area.history.checkpoint()
        area.move_cursor(location)
        self._baseline[kind] = text
        self._refresh_chrome()
        area.focus()
        self.notify(f"reloaded {self._files[kind]} from disk; ctrl+z in the editor brings "
                    f"your version back")

    def action_keep_mine(self) -> None:
        kind = self._banner_kind()
        if kind is None:
            return
        # The disk's text is the reference now: the buffer stays dirty against it and the next
        # save overwrites it.
        self._baseline[kind] = self._on_disk.pop(kind)
        self._refresh_chrome()
        self._area(kind).focus()

    def action_show_diff(self) -> None:
        kind = self._banner_kind()
        if kind is None:
            return
        file = self._files[kind]
        diff = "\n".join(difflib.unified_diff(
            self._on_disk[kind].splitlines(), self.text(kind).splitlines(),
            fromfile=f"{file} (on disk)", tofile=f"{file} (yours)", lineterm="",
        ))
        title = f"{file}: on disk − / yours +"
        self.app.push_screen(TextViewDialog(title, diff, language="diff"))
