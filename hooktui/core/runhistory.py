"""The runs of each hook in this session, newest first and bounded, so the payload tester can list,
re-run and compare them. Pure data: no Textual import."""

from __future__ import annotations

import difflib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hooktui.core.results import RunResult

DEFAULT_LIMIT = 50


@dataclass
class RunRecord:
    """What one run asked and answered, kept after its RunResult is gone."""

    run_id: str
    hook: str
    payload_name: str
    payload: Any
    status: str  # success | error
    data: Any
    error: str | None
    duration_ms: float
    warnings: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)  # "level text"
    at: float = field(default_factory=time.time)  # UNIX epoch seconds

    @classmethod
    def from_result(cls, result: RunResult, payload_name: str, payload: Any) -> RunRecord:
        return cls(
            run_id=result.run_id,
            hook=result.hook,
            payload_name=payload_name,
            payload=payload,
            status=result.status,
            data=result.data,
            error=result.error_message,
            duration_ms=result.duration_ms,
            warnings=list(result.warnings),
            logs=[f"{event.level} {event.text}" for event in result.logs],
        )

    @property
    def label(self) -> str:
        return f"{self.run_id} ({self.payload_name})"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _comparable_lines(record: RunRecord) -> list[str]:
    """The parts of a result that say what the hook answered; duration and logs vary run to run."""
    lines = [f"status: {record.status}", "data:"]
    lines += [f"  {line}" for line in _pretty(record.data).splitlines()]
    lines.append(f"error: {record.error if record.error is not None else '-'}")
    lines.append("warnings:" if record.warnings else "warnings: -")
    lines += [f"  - {warning}" for warning in record.warnings]
    return lines


class RunHistory:
    """The last `limit` runs of each hook."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("a run history keeps at least one run per hook")
        self.limit = limit
        self._runs: dict[str, deque[RunRecord]] = {}  # hook -> records, oldest first

    def add(self, record: RunRecord) -> None:
        runs = self._runs.setdefault(record.hook, deque(maxlen=self.limit))
        runs.append(record)

    def for_hook(self, hook: str) -> list[RunRecord]:
        """The hook's runs, newest first."""
        return list(reversed(self._runs.get(hook, ())))

    def latest(self, hook: str) -> RunRecord | None:
        runs = self._runs.get(hook)
        return runs[-1] if runs else None

    def previous(self, hook: str, before: RunRecord) -> RunRecord | None:
        """The run of `hook` just older than `before`; None when `before` is the oldest or unknown."""
        runs = self.for_hook(hook)
        for index, record in enumerate(runs):
            if record is before:
                return runs[index + 1] if index + 1 < len(runs) else None
        # Not the same object (a copy, a record rebuilt by a caller): fall back to its run id.
        for index, record in enumerate(runs):
            if record.run_id == before.run_id and record.at == before.at:
                return runs[index + 1] if index + 1 < len(runs) else None
        return None

    @staticmethod
    def compare(a: RunRecord, b: RunRecord) -> str:
        """A unified diff from result `a` to result `b` (status, data, error, warnings)."""
        old, new = _comparable_lines(a), _comparable_lines(b)
        if old == new:
            return f"identical results: {a.label} and {b.label}"
        diff = difflib.unified_diff(old, new, fromfile=a.label, tofile=b.label, lineterm="", n=3)
        return "\n".join(diff)

    def rename(self, old: str, new: str) -> None:
        """The hook `old` is now called `new`: its runs follow it (merged by time if `new` had runs)."""
        if old == new or old not in self._runs:
            return
        moved = self._runs.pop(old)
        for record in moved:
            record.hook = new
        merged = sorted([*self._runs.get(new, ()), *moved], key=lambda r: r.at)
        self._runs[new] = deque(merged, maxlen=self.limit)

    def forget(self, hook: str) -> None:
        self._runs.pop(hook, None)

    def __len__(self) -> int:
        return sum(len(runs) for runs in self._runs.values())
