"""One JSON file of the workspace read as auth0-deploy-cli reads it (keyword replacement, then
JSON.parse), keeping where every key is so that each problem names its line and column.

Actions and bindings read their files through this; hooks have their own older path in
hook_meta.py, and both use the position and repeated-key helpers of problems.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooktui.core.keywords import KEYWORD_HINT, UNRESOLVED, keyword_replace
from hooktui.core.problems import (
    JSON_SPACE,
    KeyRepeats,
    Problem,
    key_offsets,
    line_column,
    reject_constant,
    repeated_keys,
)


@dataclass
class JsonDoc:
    """A parsed file: `data` is None when it did not parse; `text` is after keyword replacement."""

    rel: str
    raw: str
    text: str
    data: Any = None
    offsets: dict[tuple[str, ...], int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Markers a caller explained itself (a secret's value): the generic warning skips them.
    explained: set[str] = field(default_factory=set)

    def where(self, *path: str | int) -> tuple[int | None, int | None]:
        """(line, column) of the key at `path` (array items by index), when there is one."""
        key = tuple(str(p) for p in path)
        if key in self.offsets:
            return line_column(self.text, self.offsets[key])
        return None, None

    def problem(self, message: str, fld: str | None, *path: str | int, severity: str = "error",
                action: str | None = None, group: str | None = None) -> Problem:
        line, column = self.where(*path) if path else (None, None)
        found = Problem(self.rel, message, fld, line, column, None, severity, group=group, action=action)
        self.problems.append(found)
        return found

    def unresolved_warnings(self, action: str | None = None) -> None:
        """A warning per `##KEY##` / `@@KEY@@` left after replacement, at its first use."""
        seen: set[str] = set()
        for match in UNRESOLVED.finditer(self.text):
            marker = match.group(0)
            if marker in seen or marker in self.explained:
                continue
            seen.add(marker)
            line, column = line_column(self.text, match.start())
            self.problems.append(Problem(
                self.rel, f"{marker} has no keyword mapping and stays as written; {KEYWORD_HINT}",
                None, line, column, None, "warning", action=action))


def read_json_doc(path: Path, rel: str, keywords: Mapping[str, Any]) -> JsonDoc:
    """Read and parse `path`; every problem (unreadable, not UTF-8, syntax, repeated key) is in
    `.problems`, and `.data` is None unless the text parsed."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        doc = JsonDoc(rel, "", "")
        doc.problems.append(Problem(rel, f"not UTF-8 text (byte {exc.start}); save it as UTF-8"))
        return doc
    except OSError as exc:
        doc = JsonDoc(rel, "", "")
        doc.problems.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
        return doc
    return parse_json_doc(raw, rel, keywords)


def parse_json_doc(raw: str, rel: str, keywords: Mapping[str, Any]) -> JsonDoc:
    text = keyword_replace(raw, keywords)
    doc = JsonDoc(rel, raw, text)
    repeats = KeyRepeats()
    try:
        data = json.loads(text, parse_constant=reject_constant, object_pairs_hook=repeats)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg}"
        if text != raw:
            message += " (position counted after keyword replacement)"
        unresolved = sorted({m.group(0) for m in UNRESOLVED.finditer(text) if m.group(1) == "@@"})
        if unresolved:
            message += f"; {', '.join(unresolved)} has no keyword mapping: {KEYWORD_HINT}"
        else:
            message += "; fix the syntax there (a trailing comma or a missing quote is typical)"
        doc.problems.append(Problem(rel, message, line=exc.lineno, column=exc.colno))
        return doc
    except ValueError as exc:
        doc.problems.append(Problem(rel, f"invalid JSON: {exc}"))
        return doc
    doc.data = data
    doc.offsets = key_offsets(text)
    if repeats.found:
        repeated = repeated_keys(text)
        for path, line, column, message in repeated:
            fld = ".".join(path)
            doc.problems.append(Problem(rel, message, fld, line, column))
        if not repeated:
            doc.problems.append(Problem(rel, "a key appears twice; JSON keeps only the last one: keep one"))
    return doc


def top_position(doc: JsonDoc) -> tuple[int, int]:
    """Where the document's value starts (for "expected an object" problems)."""
    return line_column(doc.text, JSON_SPACE.match(doc.text).end())
