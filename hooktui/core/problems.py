"""What every check of the workspace reports (Problem, WorkspaceError, HookNotFound), and where in a
JSON text a key sits or repeats: both kinds (hooks, actions) and bindings report through these."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any


class WorkspaceError(Exception):
    """The workspace, or the file an edit needs, cannot be used; the message says what to do."""


class HookNotFound(KeyError):
    """No hook answers to a reference; the message lists close matches."""

    def __init__(self, ref: str, message: str) -> None:
        super().__init__(ref)
        self.ref = ref
        self.message = message

    def __str__(self) -> str:  # KeyError would show the repr of the key only
        return self.message


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the workspace root, posix style
    message: str
    field: str | None = None
    line: int | None = None
    column: int | None = None
    hook: str | None = None  # deployed name when known
    severity: str = "error"  # "error" | "warning"
    # Problems of one group (the hooks sharing a trigger or a deployed name) say the same thing
    # on each hook: a workspace-wide report shows the group once.
    group: str | None = dataclasses.field(default=None, compare=False)
    action: str | None = None  # the action's name, for a problem of an action or a binding

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.severity != "error":
            parts.append(self.severity)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# ---------------------------------------------------------------------------- JSON positions

JSON_SPACE = re.compile(r"[ \t\n\r]*")


def key_offsets(text: str) -> dict[tuple[str, ...], int]:
    """Offset of every object key in valid JSON `text`, by path; the last duplicate wins, as in parsing."""
    return _scan_keys(text)[0]


def _scan_keys(text: str) -> tuple[dict[tuple[str, ...], int], list[tuple[tuple[str, ...], int, int]]]:
    """`key_offsets`, and every repeated key: (path, offset of its first use, offset of the repeat)."""
    offsets: dict[tuple[str, ...], int] = {}
    repeats: list[tuple[tuple[str, ...], int, int]] = []
    scan = json.JSONDecoder().scan_once
    scanstring = json.decoder.scanstring

    def skip(i: int) -> int:
        return JSON_SPACE.match(text, i).end()

    def walk(i: int, path: tuple[str, ...]) -> int:
        i = skip(i)
        if text[i] == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            seen: dict[str, int] = {}
            while True:
                i = skip(i)
                start = i
                key, i = scanstring(text, i + 1)
                if key in seen:
                    repeats.append(((*path, key), seen[key], start))
                seen.setdefault(key, start)
                offsets[(*path, key)] = start
                i = skip(i) + 1  # the colon
                i = skip(walk(i, (*path, key)))
                if text[i] == ",":
                    i += 1
                    continue
                return i + 1
        if text[i] == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                i = skip(walk(i, (*path, str(index))))
                index += 1
                if text[i] == ",":
                    i += 1
                    continue
                return i + 1
        _, end = scan(text, i)
        return end

    try:
        walk(0, ())
    except (IndexError, ValueError, StopIteration):
        pass  # positions are a courtesy; the parse itself already succeeded
    return offsets, repeats


class KeyRepeats:
    """An object_pairs_hook that notes whether any object repeats a key (json keeps the last,
    silently, as JSON.parse does) and otherwise builds the same dicts."""

    def __init__(self) -> None:
        self.found = False

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) != len(pairs):
            self.found = True
        return data


def repeated_keys(text: str) -> list[tuple[tuple[str, ...], int, int, str]]:
    """(key path, line, column, message) for every repeated key in valid JSON `text`: JSON.parse
    and json both keep the last silently, so any JSON hooktui reads is checked with this."""
    found = []
    for path, first, repeat in _scan_keys(text)[1]:
        first_line, _ = line_column(text, first)
        line, column = line_column(text, repeat)
        where = ".".join(path[:-1])
        lines = f"both on line {line}" if first_line == line else f"lines {first_line} and {line}"
        found.append((path, line, column, (
            f'"{path[-1]}" appears twice{" in " + where if where else ""} ({lines}); JSON keeps '
            f"only the last one, so the other is silently ignored: keep one"
        )))
    return found


def parse_json_object_strict(text: str, source: str) -> Any:
    """json.loads for JSON hooktui reads besides hook files: a repeated key is a ValueError
    naming `source`, the key and its lines, rather than a silent last-wins."""
    repeats = KeyRepeats()
    data = json.loads(text, object_pairs_hook=repeats, parse_constant=reject_constant)
    if repeats.found:
        messages = repeated_keys(text)
        if messages:
            raise ValueError(f"{source}: {messages[0][3]}")
        raise ValueError(f"{source}: a key appears twice; keep one")
    return data


def line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def reject_constant(name: str) -> Any:
    # JSON.parse refuses NaN and Infinity; so do we.
    raise ValueError(f"{name} is not valid JSON")
