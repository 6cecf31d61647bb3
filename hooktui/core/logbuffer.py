"""A bounded buffer of log lines between producers (the executor's reader thread, the watcher, the
App) and the log pane, which drains it in batches on a timer: producers never touch a widget."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass

from hooktui.core.results import LogEvent

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)|\x1b[@-Z\\-_]")
LEVELS = ("debug", "info", "warn", "error")


@dataclass(frozen=True)
class LogEntry:
    time: float  # UNIX epoch seconds
    level: str  # debug | info | warn | error
    source: str  # hook name, "executor", "reload", "validation", later "remote"
    text: str  # one line, ANSI escapes stripped
    hook: str = ""
    run_id: str = ""


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class LogBuffer:
    """What producers append to and the log pane drains. Bounded: under a flood the oldest
    undrained lines go first and `dropped` counts them, so memory stays flat. Thread-safe: the
    executor adds from its reader thread while the pane drains on the UI loop."""

    def __init__(self, limit: int = 100_000) -> None:
        self._lines: deque[LogEntry] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, level: str, source: str, text: str, *, hook: str = "", run_id: str = "",
            at: float | None = None) -> None:
        when = time.time() if at is None else at
        clean = strip_ansi(text) if "\x1b" in text else text
        level = level if level in LEVELS else "info"
        if "\n" not in clean:
            entry = LogEntry(when, level, source, clean, hook, run_id)
            with self._lock:
                if len(self._lines) == self._lines.maxlen:
                    self.dropped += 1
                self._lines.append(entry)
            return
        # "text\n" is one line, not a line and an empty one; "\r\n" ends a line too.
        clean = clean.replace("\r\n", "\n")
        lines = (clean[:-1] if clean.endswith("\n") else clean).split("\n")
        entries = [LogEntry(when, level, source, line, hook, run_id) for line in lines]
        with self._lock:  # one event's lines stay together, whatever another thread adds
            room = self._lines.maxlen - len(self._lines)  # type: ignore[operator]
            self.dropped += max(0, len(entries) - room)
            self._lines.extend(entries)

    def add_event(self, event: LogEvent) -> None:
        """An executor LogEvent: a hook's console line (source = hook name) or an executor notice."""
        source = event.hook if event.source == "hook" and event.hook else event.source
        self.add(event.level, source or "executor", event.text, hook=event.hook, run_id=event.run_id, at=event.time)

    def drain(self, most: int | None = None) -> list[LogEntry]:
        """Take up to `most` of the oldest lines (all when None)."""
        with self._lock:
            if most is None or most >= len(self._lines):
                out = list(self._lines)
                self._lines.clear()
                return out
            popleft = self._lines.popleft
            return [popleft() for _ in range(most)]
