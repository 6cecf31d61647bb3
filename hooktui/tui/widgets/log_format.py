"""How a LogEntry becomes one line of the log pane: the filter the user types after `/`, the
columns of a rendered line (time, level, source, text) and the hard wrap of a long line."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells

from hooktui.core.logbuffer import LEVELS, LogEntry

SOURCE_WIDTH = 16  # the source column is padded to this, longer sources push the text right
SKIP_SOURCE = "log"  # the source of the pane's own "… N lines skipped" notices
# Lines from the tenant (sync progress, rate-limit waits, the tenant's own log) carry a source
# starting with this; their source column stands out from the hooks' local output.
REMOTE_SOURCE_PREFIX = "tenant"

LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
LEVEL_LABEL = {"debug": "DEBUG", "info": "INFO ", "warn": "WARN ", "error": "ERROR"}
LEVEL_ALIASES = {"warning": "warn", "err": "error", "fatal": "error", "trace": "debug", "log": "info"}
# str.splitlines() (which Log.write_lines applies) splits on these: one entry must stay one row.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# The columns of a rendered line, for the highlighter: [time] LEVEL source text.
_COLUMNS = re.compile(r"(?:\d\d:\d\d:\d\d\.\d{3} )?(DEBUG|INFO |WARN |ERROR) (\S+ *)")
_LABEL_LEVEL = {label: level for level, label in LEVEL_LABEL.items()}


@dataclass(frozen=True)
class LogFilter:
    """What the user typed after `/`: plain words match the text or the source (all of them,
    case-insensitively), `hook:NAME` keeps that hook's lines (several: any of them; `NAME#r12`
    narrows to a run), `level:warn` keeps warn and above."""

    raw: str = ""
    words: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()
    min_level: int = 0

    @classmethod
    def parse(cls, raw: str) -> LogFilter:
        """Raises ValueError, saying what is wrong and what is accepted."""
        words: list[str] = []
        hooks: list[str] = []
        min_level = 0
        for token in raw.split():
            key, colon, value = token.partition(":")
            key = key.lower()
            if colon and key in ("hook", "h"):
                if not value:
                    raise ValueError("hook: needs a name, e.g. hook:token-claims")
                hooks.append(value.lower())
            elif colon and key in ("level", "l"):
                level = LEVEL_ALIASES.get(value.lower(), value.lower())
                if level not in LEVEL_RANK:
                    raise ValueError(f"unknown level {value!r}: use level:debug, level:info, level:warn or level:error")
                min_level = max(min_level, LEVEL_RANK[level])
            else:
                words.append(token.lower())
        return cls(" ".join(raw.split()), tuple(words), tuple(hooks), min_level)

    def __bool__(self) -> bool:
        return bool(self.raw)

    def matches(self, entry: LogEntry) -> bool:
        if entry.source == SKIP_SOURCE:
            return True  # the user must always learn that lines were skipped
        if LEVEL_RANK.get(entry.level, 1) < self.min_level:
            return False
        if self.hooks and not any(_hook_matches(entry, hook) for hook in self.hooks):
            return False
        if self.words:
            text = entry.text.lower()
            source = source_label(entry).lower()
            return all(word in text or word in source for word in self.words)
        return True


def _hook_matches(entry: LogEntry, wanted: str) -> bool:
    name, _, run_id = wanted.partition("#")
    hook = (entry.hook or entry.source).lower()
    return hook == name and (not run_id or entry.run_id.lower() == run_id)


def source_label(entry: LogEntry) -> str:
    """`token-claims#r12`: the source, and the run when the line belongs to one."""
    label = entry.source.replace(" ", "-") or "-"
    return f"{label}#{entry.run_id}" if entry.run_id else label


class _Clock:
    """Local HH:MM:SS.mmm; the strftime part is cached per second (a flood shares seconds)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def __call__(self, when: float) -> str:
        second = int(when)
        if second != self._second:
            self._second = second
            self._text = time.strftime("%H:%M:%S", time.localtime(second))
        return f"{self._text}.{int((when - second) * 1000):03d}"


def format_entry(entry: LogEntry, *, timestamps: bool, clock: Callable[[float], str]) -> str:
    text = entry.text
    if _LINE_BREAKS.search(text):
        text = _LINE_BREAKS.sub(" ", text.rstrip("\r\n"))
    head = f"{LEVEL_LABEL.get(entry.level, 'INFO ')} {source_label(entry):<{SOURCE_WIDTH}} "
    return f"{clock(entry.time)} {head}{text}" if timestamps else head + text


def hard_wrap(line: str, width: int) -> list[str]:
    """Cut `line` into rows of at most `width` cells, at a space when one is near the end of the
    row, else mid-word. Continuation rows are indented to the text column when that leaves room,
    so the columns stay readable."""
    line = line.expandtabs()  # as the Log renders it: widths must agree
    ascii_only = line.isascii()
    if (len(line) if ascii_only else cell_len(line)) <= width:
        return [line]
    match = _COLUMNS.match(line)
    indent = cell_len(line[:match.end()]) if match else 0
    if indent > width // 2:
        indent = 0
    rows: list[str] = []
    # Never break inside the columns before the text.
    rest, room, floor = line, width, max(width // 2, match.end() if match else 0)
    while (len(rest) if ascii_only else cell_len(rest)) > room:
        fits = room if ascii_only else max(1, len(chop_cells(rest, room)[0]))
        space = rest.rfind(" ", floor, fits + 1)  # a space just past the row counts too
        if space > 0:
            rows.append(rest[:space])
            rest = rest[space + 1:]
        else:
            rows.append(rest[:fits])
            rest = rest[fits:]
        room, floor = width - indent, (width - indent) // 2
    rows.append(rest)
    pad = " " * indent
    return [rows[0], *(pad + row for row in rows[1:])]
