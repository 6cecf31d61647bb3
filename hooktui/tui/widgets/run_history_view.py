"""The run history table of the payload tester: one row per run of the open hook; enter and c ask
the pane to re-run or compare the row's record."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable


class RunHistoryTable(DataTable[str]):
    """The run history of the open hook: enter re-runs a record's payload, c compares it."""

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
