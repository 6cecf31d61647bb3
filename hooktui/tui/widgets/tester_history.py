"""The payload tester's history view: the runs of the open item, re-run one, compare one with the
run before or the last two. Mixed into PayloadTester, whose state and views it uses."""

from __future__ import annotations

import time

from rich.text import Text

from hooktui.core.runhistory import RunHistory, RunRecord
from hooktui.tui.dialogs import TextViewDialog
from hooktui.tui.messages import RunRequested
from hooktui.tui.widgets.result_view import format_ms
from hooktui.tui.widgets.run_history_view import RunHistoryTable


class TesterHistory:
    """The history part of PayloadTester; the pane supplies the attributes below."""

    history: RunHistory
    _hook: str | None
    _history_rows: list[RunRecord]
    _view: str
    _result_wanted: bool

    def action_toggle_history(self) -> None:
        if self._view == "history":
            self._show("result" if self._last.get(self._hook or "") else "payload")
        else:
            self._refresh_history()
            self._show("history")


    def action_compare_latest(self) -> None:
        if self._hook is None:
            return
        runs = self.history.for_hook(self._hook)
        if len(runs) < 2:
            self.notify(f"Run {self._hook} twice to compare results.", severity="warning")
            return
        self._open_compare(runs[1], runs[0])

    def _open_compare(self, older: RunRecord, newer: RunRecord) -> None:
        text = RunHistory.compare(older, newer)
        title = f"{newer.hook}: {older.label} → {newer.label}"
        self.app.push_screen(TextViewDialog(title, text, language="diff"))

    def on_run_history_table_rerun(self, event: RunHistoryTable.Rerun) -> None:
        event.stop()
        if 0 <= event.row < len(self._history_rows):
            record = self._history_rows[event.row]
            self._result_wanted = True
            self.post_message(RunRequested(record.hook, record.payload, record.payload_name))

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
        self._history_rows = self.history.for_hook(self._hook) if self._hook else []
        table.clear()
        colours = self.app.theme_variables
        for record in self._history_rows:
            when = time.strftime("%H:%M:%S", time.localtime(record.at))
            ok = record.status == "success"
            status = Text("✔ success" if ok else "✘ error", style=colours.get("success" if ok else "error", ""))
            # Text, not str: a DataTable reads str cells as markup, and names are the user's.
            table.add_row(
                when, Text(record.payload_name), status, format_ms(record.duration_ms), Text(record.run_id)
            )
        for row, record in enumerate(self._history_rows):
            if record is under_cursor:
                table.move_cursor(row=row, animate=False)
                break
