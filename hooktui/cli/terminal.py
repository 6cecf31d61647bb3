"""What every CLI command shares: the exit codes, CliError (an expected stop), the Terminal it
writes to, and the formatting of JSON, counts and workspace paths."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from hooktui.core.problems import Problem
from hooktui.core.workspace import Workspace

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  failed: the hook failed (error result, timeout, crash), validate found errors,
     deps install failed (npm failed, or hooks want different versions of a package),
     or push/pull left something undone (a failure, a refusal, a conflict)
  2  bad usage or bad input: unknown hook, invalid payload, no Node.js or npm,
     unusable workspace, missing or rejected credentials
  3  a bug in hooktui (HOOKTUI_DEBUG=1 shows the traceback)"""


class CliError(Exception):
    """An expected reason to stop: printed as a message, never as a traceback."""

    def __init__(
        self,
        message: str,
        *,
        code: int = EXIT_USAGE,
        kind: str = "input-error",
        details: dict[str, Any] | None = None,
        usage: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind  # "usage-error": the command line itself; "input-error": what it points at
        self.details = details or {}
        self.usage = usage



class Terminal:
    """Where the CLI writes: stdout for results, stderr for diagnostics, colour only on a TTY."""

    _STYLES = {"red": "31", "green": "32", "yellow": "33", "dim": "2", "bold": "1"}

    def __init__(self, stdout: TextIO, stderr: TextIO, env: Mapping[str, str]) -> None:
        self.stdout = stdout
        self.stderr = stderr
        isatty = getattr(stdout, "isatty", None)
        self.color = bool(isatty and isatty()) and not env.get("NO_COLOR") and env.get("TERM") != "dumb"

    def paint(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{self._STYLES[style]}m{text}\x1b[0m"

    def out(self, text: str = "") -> None:
        self._write(self.stdout, text)

    def err(self, text: str) -> None:
        self._write(self.stderr, text)

    @staticmethod
    def _write(stream: TextIO, text: str) -> None:
        try:
            print(text, file=stream, flush=True)
        except BrokenPipeError:
            # The reader went away (`hooktui run x | head -3`): the run still finishes and
            # exits with its own code; what is left to print goes nowhere.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)

    def warn(self, text: str) -> None:
        self.err(f"warning: {text}")


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def rel(ws: Workspace, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def open_workspace(args: argparse.Namespace) -> Workspace:
    return Workspace.open(Path(args.workspace))


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "field": problem.field,
        "hook": problem.hook,
        "action": problem.action,
        "severity": problem.severity,
        "message": problem.message,
        "text": str(problem),
    }

