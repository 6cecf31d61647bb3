"""The payload tester's editor state: the text of each (item, payload) the user edited, kept for the
session, the payload put back in the editor, and the problem line (a parse error with its
line:column). Mixed into PayloadTester, whose widgets it drives."""

from __future__ import annotations

from textual.widgets import Select, Static, TextArea

from hooktui.core.payloads import PayloadError, SamplePayload
from hooktui.tui.widgets.tester_payloads import read_payload_text
from hooktui.tui.widgets.tester_target import Target


class PayloadEditing:
    """The editing part of PayloadTester; the pane supplies the attributes below."""

    _target: Target | None
    _key: str | None
    _by_key: dict[str, SamplePayload]
    _original: str
    _edited: bool
    _texts: dict[tuple[tuple[str, str], str], str]
    _selected: dict[tuple[str, str], str]
    _problem: str
    _view: str

    def _stash(self) -> None:
        """Keep the editor's text for (target, payload) if the user changed it."""
        if self._target is None:
            return
        item = self._target.key
        text = self.query_one("#tester-editor", TextArea).text
        slot = (item, self._key or "")  # "": a payload with no file (the trigger has none)
        if text != self._original:
            self._texts[slot] = text
        else:
            self._texts.pop(slot, None)
        if self._key is not None:
            self._selected[item] = self._key

    def _select(self, key: str | None) -> None:
        if key is None or key not in self._by_key:
            return
        picker = self.query_one("#tester-picker", Select)
        with picker.prevent(Select.Changed):
            picker.value = key

    def _load(self, key: str | None) -> None:
        """Put payload `key` in the editor: the user's edited text if any, else the file's."""
        editor = self.query_one("#tester-editor", TextArea)
        self._key = key
        self._select(key)
        problem = None
        if key is None:
            original = "{}\n"
        else:
            original, problem = read_payload_text(self._by_key[key])
        item = self._target.key if self._target is not None else ("", "")
        text = self._texts.get((item, key or ""), original)
        self._original = original
        self._edited = text != original
        editor.load_text(text)
        if self._target is not None and key is not None:
            self._selected[item] = key
        self._set_problem(problem)
        self._update_subtitle()

    def _show_problem(self, exc: PayloadError, name: str, noun: str = "payload") -> None:
        where = f" {exc.line}:{exc.column}" if exc.line is not None else ""
        hint = f" — {exc.hint}" if exc.hint else ""
        self._set_problem(f"✘ {noun} '{name}'{where}: {exc.message}{hint}")
        editor = self.query_one("#tester-editor", TextArea)
        if exc.line is not None:
            editor.cursor_location = (exc.line - 1, max((exc.column or 1) - 1, 0))
        if self._view != "payload" and not self.has_class("-wide"):
            self._show("payload", focus=self._focus_within())
        elif self._focus_within():
            editor.focus()

    def _set_problem(self, text: str | None) -> None:
        self._problem = text or ""
        problem = self.query_one("#tester-problem", Static)
        problem.update(self._problem)
        problem.set_class(bool(text), "-shown")

    @property
    def problem(self) -> str:
        """Why the payload cannot run ("" when it can)."""
        return self._problem
