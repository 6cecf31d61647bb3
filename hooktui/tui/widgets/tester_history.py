"""The payload tester's history view: the runs of the open hook, action or flow, re-run one, compare
one with the run before or the last two. Mixed into PayloadTester, whose state and views it uses."""

from __future__ import annotations

from typing import Any

from hooktui.core.runhistory import RunHistory, RunRecord
from hooktui.tui.dialogs import TextViewDialog
from hooktui.tui.widgets.run_history_view import RunHistoryTable
from hooktui.tui.widgets.tester_target import Target


class TesterHistory:
    """The history part of PayloadTester; the pane supplies the attributes below."""

    history: RunHistory
    _target: Target | None
    _history_rows: list[RunRecord]
    _last: dict[tuple[str, str], Any]
    _view: str
    _result_wanted: bool

    def _runs(self) -> list[RunRecord]:
        """The open item's runs, newest first."""
        if self._target is None:
            return []
        return self.history.for_hook(self._target.name, self._target.kind)

    def action_toggle_history(self) -> None:
        if self._view == "history":
            last = self._last.get(self._target.key) if self._target is not None else None
            self._show("result" if last else "payload")
        else:
            self._refresh_history()
            self._show("history")

    def action_compare_latest(self) -> None:
        if self._target is None:
            return
        runs = self._runs()
        if len(runs) < 2:
            self.notify(f"Run {self._target.label} twice to compare results.", severity="warning")
            return
        self._open_compare(runs[1], runs[0])

    def _open_compare(self, older: RunRecord, newer: RunRecord) -> None:
        text = RunHistory.compare(older, newer)
        who = f"{newer.hook} flow" if newer.kind == "flow" else newer.hook
        self.app.push_screen(TextViewDialog(f"{who}: {older.label} → {newer.label}", text, language="diff"))

    def on_run_history_table_rerun(self, event: RunHistoryTable.Rerun) -> None:
        event.stop()
        if self._target is not None and 0 <= event.row < len(self._history_rows):
            record = self._history_rows[event.row]
            self._result_wanted = True
            # The rows are the open item's own runs: the open target knows how to run it.
            self.post_message(self._target.run_message(record.payload, record.payload_name))

    def on_run_history_table_compare(self, event: RunHistoryTable.Compare) -> None:
        event.stop()
        if not 0 <= event.row < len(self._history_rows):
            return
        record = self._history_rows[event.row]
        older = self.history.previous(record.hook, record)
        if older is None:
            self.notify(f"{record.run_id} is the oldest run kept: nothing to compare with.", severity="warning")
            return
        self._open_compare(older, record)

    def _refresh_history(self) -> None:
        table = self.query_one(RunHistoryTable)
        # While the user reads the history, the cursor stays on its record; opened anew, it starts at the newest.
        keep = self._view == "history" and 0 <= table.cursor_row < len(self._history_rows)
        under_cursor = self._history_rows[table.cursor_row] if keep else None
        self._history_rows = self._runs()
        table.show_records(self._history_rows, self.app.theme_variables, under_cursor)
