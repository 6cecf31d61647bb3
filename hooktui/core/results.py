"""What a run produces, shared by every face: a hook run's result, one line of its output, where an
error comes from, and whether a hook version loaded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LogEvent:
    """One line of output: a hook's console output, or a notice of the executor itself."""

    time: float  # UNIX epoch seconds
    hook: str
    run_id: str
    level: str  # debug | info | warn | error
    text: str
    source: str = "hook"  # "hook": the run's console; "executor": the runtime's own notices
    late: bool = False  # produced by a run that had already finished

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "hook": self.hook,
            "run_id": self.run_id,
            "level": self.level,
            "message": self.text,
            "source": self.source,
        }


@dataclass(frozen=True)
class SourceLocation:
    line: int
    column: int


@dataclass
class RunResult:
    hook: str
    trigger: str
    run_id: str
    envelope: dict[str, Any]  # {"status": "success"|"error", "data": ...} exactly as Auth0 answered
    logs: list[LogEvent]
    duration_ms: float
    warnings: list[str]
    location: SourceLocation | None = None  # where in the script an error comes from
    crash: str | None = None  # timeout | exit | uncaught | oom | executor: how the run was cut short
    logs_dropped: int = 0

    @property
    def status(self) -> str:
        return self.envelope.get("status", "error")

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def data(self) -> Any:
        return self.envelope.get("data")

    @property
    def error_message(self) -> str | None:
        """The error as a person reads it: message, then the detail Auth0 put beside it."""
        if self.ok:
            return None
        data = self.data if isinstance(self.data, dict) else {}
        message = str(data.get("message") or "Unknown error")
        name = data.get("name")
        if isinstance(name, str) and name and name != "Error":
            message = f"{name}: {message}"
        detail = data.get("error_description")
        return f"{message}: {detail}" if detail else message

    def to_json(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "trigger": self.trigger,
            "run_id": self.run_id,
            "status": self.status,
            "data": self.data,
            "error": self.error_message,
            "location": None if self.location is None else {"line": self.location.line, "column": self.location.column},
            "crash": self.crash,
            "logs": [e.to_json() for e in self.logs],
            "logs_dropped": self.logs_dropped,
            "duration_ms": round(self.duration_ms, 3),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class LoadResult:
    hook: str
    ok: bool
    error: str | None = None
    location: SourceLocation | None = None
