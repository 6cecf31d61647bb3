"""`hooktui validate` and `hooktui list`: every problem of the workspace at once (files, compile
errors, dependency conflicts), and the table of hooks and actions."""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from hooktui.cli.actions import action_row, action_table
from hooktui.cli.terminal import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Terminal,
    dumps,
    open_workspace,
    plural,
    problem_json,
    rel,
)
from hooktui.core.config import CONFIG_FILE, ConfigError, WorkspaceConfig
from hooktui.core.exports import NO_EXPORTS, assigns_exports
from hooktui.core.hook_meta import Hook
from hooktui.core.keywords import KEYWORDS_ENV
from hooktui.core.problems import Problem, WorkspaceError
from hooktui.core.workspace import Workspace
from hooktui.runtime import deps
from hooktui.runtime.action_compile import compile_problems
from hooktui.runtime.executor import Executor, ExecutorError

# tomllib ends its messages with where the error is.
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")


def _note_missing_hooks_dir(ws: Workspace, term: Terminal) -> None:
    if not ws.hooks_dir.is_dir() and not ws.actions_dir.is_dir():
        term.err(f"note: {ws.root} has no hooks/ folder; pass the workspace with -C DIR, or create "
                 f"a hook with `hooktui new NAME --trigger T`")



async def compile_all(ws: Workspace) -> dict[str, Problem]:
    """A problem per hook whose script does not compile, by deployed name."""
    found: dict[str, Problem] = {}
    async with Executor(ws) as executor:
        for hook in ws.hooks:
            # A script that cannot be found is already reported by the workspace.
            if hook.script_path is None or any(p.field == "script" for p in hook.problems):
                continue
            try:
                loaded = await executor.load(hook)
            except (ExecutorError, WorkspaceError) as exc:
                found[hook.deployed_name] = Problem(rel(ws, hook.script_path), str(exc), hook=hook.deployed_name)
                continue
            if not loaded.ok:
                loc = loaded.location
                found[hook.deployed_name] = Problem(
                    rel(ws, hook.script_path),
                    loaded.error or "cannot compile",
                    line=loc.line if loc else None,
                    column=loc.column if loc else None,
                    hook=hook.deployed_name,
                )
    return found


def _workspace_problem(root: Path, exc: WorkspaceError) -> Problem:
    """A workspace that does not load, as a problem: in hooktui.toml with its line when it is that."""
    message = str(exc)
    config_prefix = f"{WorkspaceConfig.path_for(root.resolve())}: "
    if not isinstance(exc.__cause__, ConfigError) or not message.startswith(config_prefix):
        return Problem(str(root), message)
    message = message.removeprefix(config_prefix)
    where = _TOML_POSITION.search(message)
    if where is None:
        return Problem(CONFIG_FILE, message)
    return Problem(CONFIG_FILE, message[: where.start()].rstrip(), line=int(where[1]), column=int(where[2]))


def cmd_validate(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    root = Path(args.workspace)
    try:
        ws = Workspace.open(root)
    except WorkspaceError as exc:
        if not root.is_dir():
            raise
        # A folder that exists but cannot load (a broken hooktui.toml...) is what validate is for.
        return _report_validation(args, term, 0, [_workspace_problem(root, exc)], skipped=None)
    skipped = None
    try:
        compiled = asyncio.run(compile_all(ws))
        action_compiled = compile_problems(ws.root, ws.actions, ws.keywords)
    except ExecutorError as exc:
        compiled, action_compiled, skipped = {}, [], str(exc)
    problems = []
    for hook in ws.hooks:
        problems.extend(hook.problems)
        problems.extend(_script_checks(ws, hook, compiled.get(hook.deployed_name), compiled=skipped is None))
    problems.extend(_dependency_conflicts(ws))
    problems.extend([*ws.action_problems, *action_compiled])
    if not args.json:
        _note_missing_hooks_dir(ws, term)
    actions = len(ws.actions) if ws.actions or ws.actions_dir.is_dir() else None
    return _report_validation(args, term, len(ws.hooks), _once_per_group(problems), skipped, actions=actions)


def _script_checks(ws: Workspace, hook: Hook, compile_problem: Problem | None, *, compiled: bool) -> list[Problem]:
    """The script's own problems, then its compile error (naming any unmapped keyword, the
    usual cause), then whether it exports a function."""
    found = ws.script_problems(hook)
    if any(p.severity == "error" for p in found):
        return found  # not UTF-8: the compile error would only say the same less clearly
    if compile_problem is not None:
        unmapped = [p for p in found if "has no keyword mapping" in p.message]
        if unmapped:
            markers = ", ".join(f"{p.message.split(' ', 1)[0]} (line {p.line})" for p in unmapped)
            compile_problem = Problem(
                compile_problem.file,
                f"{compile_problem.message}; {markers} has no keyword mapping: add it to [keywords] "
                f"in {CONFIG_FILE} or to {KEYWORDS_ENV}",
                compile_problem.field, compile_problem.line, compile_problem.column, compile_problem.hook,
            )
        return [*found, compile_problem]
    usable = hook.script_path is not None and not any(p.field == "script" for p in hook.problems)
    if compiled and usable:
        try:
            script = ws.read_script(hook)
        except WorkspaceError:
            script = None
        if script is not None and not assigns_exports(script):
            found.append(Problem(rel(ws, hook.script_path) or "", NO_EXPORTS, hook=hook.deployed_name,
                                 severity="warning"))
    return found


def _dependency_conflicts(ws: Workspace) -> list[Problem]:
    """What `deps install` refuses: one problem per package that hooks want in different versions.
    An error here, not a hook problem: Auth0 installs each hook's own version, so push is not
    blocked, but one local node_modules cannot serve both."""
    try:
        deps.collect(ws.hooks)
    except deps.DependencyConflict as exc:
        conflicts = exc.conflicts
    else:
        return []
    problems = []
    for package, declared in conflicts.items():
        first = ws.hook(declared[0][0])
        line, column = ws.key_location(first, "dependencies", package)
        listing = ", ".join(f"{hook} wants {version!r}" for hook, version in declared)
        problems.append(Problem(
            rel(ws, first.meta_path) or "",
            f"{listing}; one node_modules serves every hook locally, so `hooktui deps install` refuses "
            f"this: declare the same version in each hook's \"dependencies\"",
            f"dependencies.{package}", line, column, first.deployed_name,
        ))
    return problems


def _once_per_group(problems: list[Problem]) -> list[Problem]:
    """A problem that each hook of a group carries (a shared trigger, a shared name), or that two
    hooks sharing one script both find in it, once."""
    seen: set[object] = set()
    kept = []
    for problem in problems:
        key = problem.group or (problem.file, problem.line, problem.column, problem.severity, problem.message)
        if key in seen:
            continue
        seen.add(key)
        kept.append(problem)
    return kept


def _report_validation(args: argparse.Namespace, term: Terminal, hooks: int,
                       problems: list[Problem], skipped: str | None, *, actions: int | None = None) -> int:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if args.json:
        term.out(dumps({
            "hooks": hooks,
            "actions": actions or 0,
            "errors": errors,
            "warnings": warnings,
            "problems": [problem_json(p) for p in problems],
            "compile_checks": "skipped" if skipped else "done",
            "compile_skipped_because": skipped,
        }))
    else:
        for problem in problems:
            term.out(term.paint(str(problem), "red" if problem.severity == "error" else "yellow"))
        kinds = plural(hooks, "hook") + (f", {plural(actions, 'action')}" if actions is not None else "")
        summary = f"{kinds}, {plural(errors, 'error')}, {plural(warnings, 'warning')}"
        if skipped:
            summary += " (not compiled)"
        term.out(term.paint(summary, "red" if errors or skipped else "green"))
    if skipped:
        # Without compiling, a syntax error would pass for a clean workspace: as push does, stop.
        term.err(f"hooktui: cannot compile the scripts, so validate is incomplete: {skipped}")
        return EXIT_USAGE
    return EXIT_FAILED if errors else EXIT_OK


# ---------------------------------------------------------------------------- list


def _hook_row(ws: Workspace, hook: Hook, script_problems: Sequence[Problem] = ()) -> dict[str, Any]:
    return {
        "name": hook.deployed_name,
        "trigger": hook.trigger or None,
        "enabled": hook.enabled,
        "script": rel(ws, hook.script_path),
        "dependencies": dict(hook.dependencies),
        "secrets": list(hook.secrets),  # keys only: values never leave the workspace
        "problems": [str(p) for p in (*hook.problems, *script_problems)],
    }


def cmd_list(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    ws = open_workspace(args)
    script_problems = {hook.deployed_name: ws.script_problems(hook) for hook in ws.hooks}
    rows = [_hook_row(ws, hook, script_problems[hook.deployed_name]) for hook in ws.hooks]
    if args.json:
        term.out(dumps([*rows, *(action_row(ws, a) for a in ws.actions)]))
        return EXIT_OK
    _note_missing_hooks_dir(ws, term)
    if ws.actions:
        if rows:
            _list_hooks(ws, term, rows, script_problems)
            term.out()
        for line in action_table(ws, term.paint):
            term.out(line)
        return EXIT_OK
    if not rows:
        term.out(f"no hooks in {ws.root}")
        return EXIT_OK
    _list_hooks(ws, term, rows, script_problems)
    return EXIT_OK


def _list_hooks(ws: Workspace, term: Terminal, rows: list[dict[str, Any]],
                script_problems: dict[str, list[Problem]]) -> None:
    header = ("NAME", "TRIGGER", "ENABLED", "SCRIPT", "DEPENDENCIES", "SECRETS", "STATE")
    table = []
    for hook, row in zip(ws.hooks, rows, strict=True):
        count = len(row["problems"])
        state = "ok" if not count else plural(count, "problem")
        invalid = not hook.valid or any(p.severity == "error" for p in script_problems[hook.deployed_name])
        style = "red" if invalid else ("yellow" if count else "green")
        table.append((
            (row["name"], row["trigger"] or "?", "yes" if row["enabled"] else "no",
             row["script"] or "?",
             ", ".join(f"{k}@{v}" for k, v in row["dependencies"].items()) or "-",
             ", ".join(row["secrets"]) or "-", state),
            style,
        ))
    widths = [max(len(header[i]), *(len(cells[i]) for cells, _ in table)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    term.out(term.paint(line(header), "bold"))
    for cells, style in table:
        # Pad before painting: escape codes have no width.
        text = line(cells)
        term.out(text[: len(text) - len(cells[-1])] + term.paint(cells[-1], style))
