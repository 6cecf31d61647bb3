"""The runs of each hook, action and trigger flow in this session, newest first and bounded, so the
payload tester can list, re-run and compare them. Pure data: no Textual import."""

from __future__ import annotations

import copy
import difflib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.results import RunResult

DEFAULT_LIMIT = 50
KINDS = ("hook", "action", "flow")


def api_call(command: dict[str, Any]) -> str:
    """An `api` command as the action wrote it: `api.accessToken.setCustomClaim("k", "v")`."""
    args = ", ".join(json.dumps(a, ensure_ascii=False, separators=(", ", ": ")) for a in command.get("args") or [])
    return f"api.{command.get('method')}({args})"


def _verdict(status: str, outcome: Any) -> str:
    """success, denied or error: a deny is a run that worked and still refused the transaction."""
    if status != "success":
        return "error"
    return "denied" if isinstance(outcome, dict) and outcome.get("denied") else "success"


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
    kind: str = "hook"  # hook | action | flow (then `hook` is the trigger)
    outcome: Any = None  # actions and flows: what the application gets
    commands: list[dict[str, Any]] = field(default_factory=list)  # the `api` calls in order
    steps: list[str] = field(default_factory=list)  # a flow: each action's verdict, then the ones not run

    @property
    def verdict(self) -> str:
        """What the history row says: success, denied (actions and flows) or error."""
        return _verdict(self.status, self.outcome) if self.kind != "hook" else self.status

    @classmethod
    def from_action_result(cls, result: ActionResult, payload_name: str, payload: Any) -> RunRecord:
        return cls(
            run_id=result.run_id, hook=result.name, payload_name=payload_name, payload=payload,
            status=result.status, data=None, error=result.error_message, duration_ms=result.duration_ms,
            warnings=list(result.warnings), logs=[f"{event.level} {event.text}" for event in result.logs],
            kind="action", outcome=copy.deepcopy(result.outcome), commands=copy.deepcopy(result.commands),
        )

    @classmethod
    def from_flow_result(cls, flow: FlowResult, payload_name: str, payload: Any) -> RunRecord:
        # A flow has no run id of its own: the span of its actions' ids ties it to the log lines.
        ids = [a.run_id for a in flow.actions]
        run_id = ids[0] if len(ids) == 1 else f"{ids[0]}–{ids[-1]}" if ids else "-"
        steps = [f"{i}. {a.name} {_verdict(a.status, a.outcome)}" for i, a in enumerate(flow.actions, 1)]
        steps += [f"-  {n['action']} not run: {n['reason']}" for n in flow.not_run]
        failed = flow.failed_action
        return cls(
            run_id=run_id, hook=flow.trigger, payload_name=payload_name, payload=payload,
            status=flow.status, data=None, error=None if failed is None else f"{failed.name}: {failed.error_message}",
            duration_ms=flow.duration_ms, warnings=list(flow.warnings),
            logs=[f"{event.level} {event.text}" for event in flow.logs], kind="flow",
            outcome=copy.deepcopy(flow.outcome), commands=copy.deepcopy(flow.commands), steps=steps,
        )

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
    """The parts of a result that say what the run answered; duration and logs vary run to run."""
    if record.kind == "hook":
        lines = [f"status: {record.status}", "data:"]
        lines += [f"  {line}" for line in _pretty(record.data).splitlines()]
    else:
        lines = [f"status: {record.verdict}"]
        if record.steps:
            lines += ["steps:", *(f"  {step}" for step in record.steps)]
        lines.append("commands:" if record.commands else "commands: -")
        for command in record.commands:
            who = f"{command['action']}: " if "action" in command else ""
            lines.append(f"  {who}{api_call(command)}")
        lines.append("outcome:")
        lines += [f"  {line}" for line in _pretty(record.outcome).splitlines()]
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
        # A hook, an action and a trigger's flow may share a name: each kind keeps its own runs.
        self._runs: dict[tuple[str, str], deque[RunRecord]] = {}  # (kind, name) -> records, oldest first

    def add(self, record: RunRecord) -> None:
        runs = self._runs.setdefault((record.kind, record.hook), deque(maxlen=self.limit))
        runs.append(record)

    def for_hook(self, hook: str, kind: str = "hook") -> list[RunRecord]:
        """The runs of the hook (or action, or trigger's flow) `hook`, newest first."""
        return list(reversed(self._runs.get((kind, hook), ())))

    def latest(self, hook: str, kind: str = "hook") -> RunRecord | None:
        runs = self._runs.get((kind, hook))
        return runs[-1] if runs else None

    def previous(self, hook: str, before: RunRecord, kind: str | None = None) -> RunRecord | None:
        """The run of `hook` just older than `before`; None when `before` is the oldest or unknown."""
        runs = self.for_hook(hook, before.kind if kind is None else kind)
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

    def rename(self, old: str, new: str, kind: str = "hook") -> None:
        """The hook (or action) `old` is now called `new`: its runs follow it (merged by time if `new` had runs)."""
        if old == new or (kind, old) not in self._runs:
            return
        moved = self._runs.pop((kind, old))
        for record in moved:
            record.hook = new
        merged = sorted([*self._runs.get((kind, new), ()), *moved], key=lambda r: r.at)
        self._runs[(kind, new)] = deque(merged, maxlen=self.limit)

    def forget(self, hook: str, kind: str = "hook") -> None:
        self._runs.pop((kind, hook), None)

    def __len__(self) -> int:
        return sum(len(runs) for runs in self._runs.values())
