"""The run history table of the payload tester: one row per run of the open hook; enter and c ask
the pane to re-run or compare the row's record."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from hooktui.core.runhistory import RunRecord
from hooktui.tui.widgets.result_view import format_ms

# No kind column: the table lists the runs of the one item open, which the pane's border names.
COLUMNS = ("time", "payload", "status", "duration", "run")


class RunHistoryTable(DataTable[str]):
    """The run history of the open hook, action or flow: enter re-runs a record's payload, c compares it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "rerun", "Re-run", id="tester.history_rerun"),
        Binding("c", "compare", "Compare with previous", id="tester.history_compare"),
    ]

    class Rerun(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class Compare(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def action_rerun(self) -> None:
        if self.row_count:
            self.post_message(self.Rerun(self.cursor_row))

    def action_compare(self) -> None:
        if self.row_count:
            self.post_message(self.Compare(self.cursor_row))

    def show_records(self, records: list[RunRecord], colours: dict[str, str], under_cursor: RunRecord | None) -> None:
        """List `records` (newest first); the cursor stays on `under_cursor` when it is still listed."""
        self.clear()
        for record in records:
            when = time.strftime("%H:%M:%S", time.localtime(record.at))
            word = record.verdict
            mark = {"success": "✔", "denied": "⛔"}.get(word, "✘")
            status = Text(f"{mark} {word}", style=colours.get("success" if word == "success" else "error", ""))
            # Text, not str: a DataTable reads str cells as markup, and names are the user's.
            self.add_row(when, Text(record.payload_name), status, format_ms(record.duration_ms), Text(record.run_id))
        for row, record in enumerate(records):
            if record is under_cursor:
                self.move_cursor(row=row, animate=False)
                break
