"""hooktui's headless command line: run, validate, list, new, deps install and login, over hooktui.core;
status, diff, push, pull, enable, disable and logs against a tenant (in hooktui.cli.sync).

Exit codes: 0 success; 1 the hook, the check or the install failed; 2 bad usage or bad input
(unknown hook, invalid payload, no Node.js...); 3 a bug in hooktui itself.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import re
import shlex
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from hooktui import __version__
from hooktui.cli import action_run
from hooktui.cli.actions import action_row, action_table, new_action
from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.config import (
    CONFIG_FILE,
    CREDENTIAL_ENV,
    ConfigError,
    Credentials,
    WorkspaceConfig,
    is_loopback,
    mask,
    save_credentials,
)
from hooktui.core.exports import NO_EXPORTS, assigns_exports
from hooktui.core.payloads import PayloadError, default_payload, find_payload, parse_payload
from hooktui.core.redaction import Redactor
from hooktui.core.results import LogEvent, RunResult
from hooktui.core.templates import template_for
from hooktui.core.triggers import Trigger
from hooktui.core.workspace import KEYWORDS_ENV, Hook, HookNotFound, Problem, Workspace, WorkspaceError
from hooktui.runtime import deps
from hooktui.runtime.action_compile import compile_problems
from hooktui.runtime.executor import Executor, ExecutorError, find_node
from hooktui.sync.plan import SyncStateError

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

# Problems that stop a local run: without a trigger hooktui cannot tell the arguments, without a
# script there is nothing to run, and a JSON file that did not parse (no field) defines neither.
# The rest (name rules, enabled flags, dependency versions) only matter when deploying.
_RUN_BLOCKING_FIELDS = (None, "triggerId", "script")
# tomllib ends its messages with where the error is.
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")


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


# Errors of the core that mean "the input is not usable", each with a message written for people.
_EXPECTED = (WorkspaceError, HookNotFound, PayloadError, ConfigError, ExecutorError, deps.NpmNotFound,
             SyncStateError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # Raised rather than printed, so that --json can still answer with one JSON object.
        raise CliError(f"{self.prog}: {message}", kind="usage-error", usage=self.format_usage().rstrip())


# ---------------------------------------------------------------------------- output


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


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _rel(ws: Workspace, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def _open_workspace(args: argparse.Namespace) -> Workspace:
    return Workspace.open(Path(args.workspace))


def _problem_json(problem: Problem) -> dict[str, Any]:
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


def _note_missing_hooks_dir(ws: Workspace, term: Terminal) -> None:
    if not ws.hooks_dir.is_dir() and not ws.actions_dir.is_dir():
        term.err(f"note: {ws.root} has no hooks/ folder; pass the workspace with -C DIR, or create "
                 f"a hook with `hooktui new NAME --trigger T`")


# ---------------------------------------------------------------------------- run


def _run_blockers(hook: Hook) -> list[Problem]:
    return [p for p in hook.problems if p.severity == "error" and p.field in _RUN_BLOCKING_FIELDS]


def _read_payload(ref: str | None, hook: Hook, ws: Workspace, stdin: TextIO) -> tuple[Any, str]:
    """The payload value and a few words on where it came from."""
    if ref is None:
        sample = default_payload(hook.trigger)
        return sample.load(), f"{sample.name} (sample)"
    if ref == "-":
        return _stdin_payload(stdin), "from stdin"
    try:
        found = find_payload(ref, hook.trigger, ws.root, hook.deployed_name,
                             payloads_dir=ws.config.payloads_dir)
    except PayloadError:
        _refuse_a_folder(ref, ws)  # a clearer refusal when it names a folder
        raise
    where = {"sample": "sample", "workspace": _rel(ws, found.path), "file": str(found.path)}[found.origin]
    return found.load(), f"{found.name} ({where})"


def _refuse_a_folder(ref: str, ws: Workspace) -> None:
    """`--payload payloads/x` names a folder of payloads, not one: say so, and what is in it."""
    for folder in (Path(ref).expanduser(), ws.root / ref):
        if not folder.is_dir():
            continue
        inside = sorted(p.name for p in folder.glob("*.json") if p.is_file())
        shown = ref.rstrip("/\\") + "/"
        listing = (f"; it holds {', '.join(inside[:5])}{' and more' if len(inside) > 5 else ''}"
                   if inside else "; it holds no .json file")
        raise PayloadError(ref, f"is a folder, not a payload file{listing}",
                           hint=f"pass one file, e.g. --payload {shown}{inside[0] if inside else 'NAME.json'}, "
                                f"or a payload name")


async def _execute(ws: Workspace, hook: Hook, payload: Any, timeout: float | None,
                   on_log: Callable[[LogEvent], None] | None) -> RunResult:
    async with Executor(ws, timeout=timeout) as executor:
        return await executor.run(hook, payload, on_log=on_log)


def _format_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


_LEVEL_STYLE = {"error": "red", "warn": "yellow", "debug": "dim"}


def _print_log(term: Terminal, redact: Redactor, event: LogEvent) -> None:
    tag = term.paint(f"[{event.level}]", _LEVEL_STYLE.get(event.level, "dim"))
    term.out(f"{tag} {redact.text(event.text)}")


def _print_result(term: Terminal, ws: Workspace, hook: Hook, result: RunResult, redact: Redactor) -> None:
    how = f"error ({result.crash})" if result.crash else result.status
    style = "green" if result.ok else "red"
    term.out(f"{term.paint(how, style)} in {_format_ms(result.duration_ms)}")
    if result.ok:
        if result.data is not None:
            term.out(_dumps(redact.value(result.data)))
    else:
        data = redact.value(result.data) if isinstance(result.data, dict) else {"message": str(result.data)}
        name = data.get("name")
        message = str(data.get("message") or "Unknown error")
        headline = f"{name}: {message}" if isinstance(name, str) and name and name != "Error" else message
        term.out(term.paint(headline, "bold"))
        root = f"{ws.root}{os.sep}"
        # Auth0's own detail first, then whatever else the hook put on its error.
        keys = [k for k in ("error_description", "friendlyMessage") if k in data]
        keys += [k for k in data if k not in (*keys, "name", "message", "stack")]
        for key in keys:
            value = data[key]
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            term.out(f"  {key}: {shown}")
        if result.location is not None:
            term.out(f"  at {_rel(ws, hook.script_path)}:{result.location.line}:{result.location.column}")
        stack = data.get("stack")
        if isinstance(stack, str) and stack.strip():
            term.out("  stack:")
            for line in stack.replace(root, "").splitlines():
                term.out(term.paint(f"    {line}", "dim"))
    for warning in result.warnings:
        term.out(term.paint(f"warning: {redact.text(warning)}", "yellow"))
    if result.logs_dropped:
        term.out(term.paint(f"warning: {result.logs_dropped} log line(s) were dropped", "yellow"))


def _stdin_payload(stdin: TextIO) -> Any:
    try:
        text = stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError("<stdin>", f"not UTF-8 text (byte {exc.start})") from None
    return parse_payload(text, "<stdin>")


def cmd_run(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    ws = _open_workspace(args)
    if args.trigger is not None:
        if args.hook is not None:
            raise CliError(f"give a name or --trigger, not both: `hooktui run {args.hook}` runs one action, "
                           f"`hooktui run --trigger {args.trigger}` the actions bound to the trigger")
        return _run_flow(args, term, stdin, ws)
    if args.hook is None:
        raise CliError("name the hook or action to run (`hooktui list` shows them), or a trigger's flow with --trigger")
    target = action_run.find_target(ws, args.hook, args.kind)
    if not isinstance(target, Hook):
        return _run_action(args, term, stdin, ws, target)
    if args.fresh_scope:
        raise CliError("--fresh-scope is for actions: a hook's webtask runs each request in its own scope already")
    hook = target
    script_problems = ws.script_problems(hook)
    blockers = _run_blockers(hook) + [p for p in script_problems if p.severity == "error"]
    if blockers:
        listing = "\n  ".join(str(p) for p in blockers)
        raise CliError(
            f"hook {hook.deployed_name!r} cannot run until these are fixed:\n  {listing}",
            details={"problems": [_problem_json(p) for p in blockers]},
        )
    # What is left only matters when deploying (two enabled hooks on a trigger, a bad name...),
    # so for a run every problem is a warning; the workspace's warnings already say so.
    for problem in hook.problems:
        term.err(str(problem) if problem.severity == "warning" else f"warning: {problem}")
    for problem in script_problems:  # an unmapped @@KEY@@ is why a SyntaxError may follow
        term.err(str(problem))
    payload, source = _read_payload(args.payload, hook, ws, stdin)
    redact = Redactor(hook.secrets.values())

    find_node()  # no Node.js: say so before announcing a run
    on_log = None
    if not args.json:
        term.out(term.paint(f"running {hook.deployed_name} ({hook.trigger}) with payload {source}", "dim"))
        on_log = lambda event: _print_log(term, redact, event)  # noqa: E731
    result = asyncio.run(_execute(ws, hook, payload, args.timeout, on_log))
    if args.json:
        term.out(_dumps(redact.value(result.to_json())))
    else:
        _print_result(term, ws, hook, result, redact)
    return EXIT_OK if result.ok else EXIT_FAILED


def _run_action(args: argparse.Namespace, term: Terminal, stdin: TextIO, ws: Workspace, action: Any) -> int:
    blockers = action_run.run_blockers(action)
    if blockers:
        listing = "\n  ".join(str(p) for p in blockers)
        raise CliError(f"action {action.name!r} cannot run until these are fixed:\n  {listing}",
                       details={"problems": [_problem_json(p) for p in blockers]})
    for problem in action.problems:
        term.err(str(problem) if problem.severity == "warning" else f"warning: {problem}")
    for name in action.missing_secrets():
        term.warn(f"secret {name} has no value in {_rel(ws, action.meta_path)} (an export keeps values on the tenant): "
                  f"event.secrets.{name} is undefined in this run; set a value, or a ##{name}## keyword")
    spec = action_run.action_spec(ws, action)
    event, source = action_run.read_event(args.payload, spec.trigger_id, ws, action.name,
                                          lambda: _stdin_payload(stdin))
    redact = action_run.redactor_for([action])
    find_node()
    on_log = None
    if not args.json:
        term.out(term.paint(f"running action {action.name} ({spec.trigger_id} {spec.version}) with event {source}", "dim"))
        on_log = lambda event: _print_log(term, redact, event)  # noqa: E731

    async def go() -> Any:
        async with Executor(ws, timeout=args.timeout) as executor:
            return await executor.run_action(spec, event, fresh_scope=args.fresh_scope, on_log=on_log)

    result = asyncio.run(go())
    if args.json:
        term.out(_dumps(redact.value(result.to_json())))
    else:
        for line in action_run.action_lines(ws, result, term.paint):
            term.out(redact.text(line))
    return EXIT_OK if result.ok and not result.denied else EXIT_FAILED


def _run_flow(args: argparse.Namespace, term: Terminal, stdin: TextIO, ws: Workspace) -> int:
    actions = action_run.flow_actions(ws, args.trigger)
    blocked = {a.name: action_run.run_blockers(a) for a in actions}
    blocked = {name: problems for name, problems in blocked.items() if problems}
    if blocked:
        listing = "\n  ".join(str(p) for problems in blocked.values() for p in problems)
        raise CliError(f"the {args.trigger} flow cannot run until these are fixed:\n  {listing}",
                       details={"problems": [_problem_json(p) for ps in blocked.values() for p in ps]})
    for action in actions:
        for name in action.missing_secrets():
            term.warn(f"secret {name} of {action.name} has no value in {_rel(ws, action.meta_path)}: "
                      f"event.secrets.{name} is undefined in this run")
    specs = [action_run.action_spec(ws, a) for a in actions]
    event, source = action_run.read_event(args.payload, args.trigger, ws, None, lambda: _stdin_payload(stdin))
    redact = action_run.redactor_for(actions)
    find_node()
    on_log = None
    if not args.json:
        names = ", ".join(a.name for a in actions)
        term.out(term.paint(f"running the {args.trigger} flow ({names}) with event {source}", "dim"))
        on_log = lambda event: _print_log(term, redact, event)  # noqa: E731

    async def go() -> Any:
        async with Executor(ws, timeout=args.timeout) as executor:
            return await executor.run_flow(args.trigger, specs, event, fresh_scope=args.fresh_scope, on_log=on_log)

    flow = asyncio.run(go())
    if args.json:
        term.out(_dumps(redact.value(flow.to_json())))
    else:
        for line in action_run.flow_lines(ws, flow, term.paint):
            term.out(redact.text(line))
    return EXIT_OK if flow.ok and not flow.denied else EXIT_FAILED


# ---------------------------------------------------------------------------- validate


async def _compile_all(ws: Workspace) -> dict[str, Problem]:
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
                found[hook.deployed_name] = Problem(_rel(ws, hook.script_path), str(exc), hook=hook.deployed_name)
                continue
            if not loaded.ok:
                loc = loaded.location
                found[hook.deployed_name] = Problem(
                    _rel(ws, hook.script_path),
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
        compiled = asyncio.run(_compile_all(ws))
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
            found.append(Problem(_rel(ws, hook.script_path) or "", NO_EXPORTS, hook=hook.deployed_name,
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
            _rel(ws, first.meta_path) or "",
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
        term.out(_dumps({
            "hooks": hooks,
            "actions": actions or 0,
            "errors": errors,
            "warnings": warnings,
            "problems": [_problem_json(p) for p in problems],
            "compile_checks": "skipped" if skipped else "done",
            "compile_skipped_because": skipped,
        }))
    else:
        for problem in problems:
            term.out(term.paint(str(problem), "red" if problem.severity == "error" else "yellow"))
        kinds = _plural(hooks, "hook") + (f", {_plural(actions, 'action')}" if actions is not None else "")
        summary = f"{kinds}, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
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
        "script": _rel(ws, hook.script_path),
        "dependencies": dict(hook.dependencies),
        "secrets": list(hook.secrets),  # keys only: values never leave the workspace
        "problems": [str(p) for p in (*hook.problems, *script_problems)],
    }


def cmd_list(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    ws = _open_workspace(args)
    script_problems = {hook.deployed_name: ws.script_problems(hook) for hook in ws.hooks}
    rows = [_hook_row(ws, hook, script_problems[hook.deployed_name]) for hook in ws.hooks]
    if args.json:
        term.out(_dumps([*rows, *(action_row(ws, a) for a in ws.actions)]))
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
        state = "ok" if not count else _plural(count, "problem")
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


# ---------------------------------------------------------------------------- new


def cmd_new(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    if args.action:
        if args.enable:
            raise CliError("hooktui new: --enable is for hooks; an action runs once bound: use --bind",
                           kind="usage-error")
        ws = _open_workspace(args)
        for line in new_action(ws, args.name, args.trigger, bind=args.bind):
            term.out(line)
        term.out(f"next: edit {_rel(ws, ws.action(args.name).code_path)}, then check it with `hooktui validate`")
        return EXIT_OK
    if args.bind:
        raise CliError("hooktui new: --bind is for actions: add --action", kind="usage-error")
    if args.trigger not in {t.value for t in Trigger}:
        hint = (f"; {args.trigger} is an action trigger: add --action" if args.trigger in ACTION_TRIGGERS else "")
        choices = ", ".join(repr(t.value) for t in Trigger)
        raise CliError(f"hooktui new: argument --trigger: invalid choice: {args.trigger!r} (choose from {choices})"
                       f"{hint}", kind="usage-error")
    ws = _open_workspace(args)
    trigger = Trigger(args.trigger)
    if args.enable:
        enabled = [h for h in ws.hooks_for(trigger) if h.enabled]
        if enabled:
            names = ", ".join(f"{h.deployed_name} ({_rel(ws, h.meta_path)})" for h in enabled)
            raise CliError(
                f"{names} is already enabled for {trigger.value}, and Auth0 allows one enabled hook "
                f"per trigger. Create the hook without --enable, or set \"enabled\": false in "
                f"{_rel(ws, enabled[0].meta_path)} first."
            )
    hook = ws.create_hook(args.name, trigger, template_for(trigger), enabled=args.enable)
    term.out(f"created {_rel(ws, hook.script_path)}")
    term.out(f"created {_rel(ws, hook.meta_path)}")
    prefix = "hooktui" if args.workspace == "." else f"hooktui -C {shlex.quote(args.workspace)}"
    term.out(f"next: edit {_rel(ws, hook.script_path)}, then run `{prefix} run {shlex.quote(hook.deployed_name)}`")
    return EXIT_OK


# ---------------------------------------------------------------------------- deps


def cmd_deps_install(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    ws = _open_workspace(args)
    for hook in ws.hooks:
        for problem in hook.problems:
            if problem.field and problem.field.startswith("dependencies") and problem.severity == "error":
                term.warn(f"not installed: {problem}")
    try:
        wanted = deps.collect(ws.hooks)
    except deps.DependencyConflict as exc:
        term.err(f"hooktui: {exc}")
        return EXIT_FAILED
    if not wanted and not ws.node_modules.exists():
        term.out("no hook declares dependencies; nothing to install")
        return EXIT_OK
    npm = deps.find_npm()  # before writing anything: without npm there is nothing to do
    deps.write_manifest(ws.state_dir, wanted)
    state = _rel(ws, ws.state_dir)
    if wanted:
        listing = ", ".join(f"{name}@{version}" for name, version in wanted.items())
        term.out(f"installing {_plural(len(wanted), 'package')} into {state}/node_modules: {listing}")
    else:
        # npm prunes what the manifest no longer lists.
        term.out(f"no hook declares dependencies; removing what is left in {state}/node_modules")
    result = deps.npm_install(ws.state_dir, registry=args.registry, npm=npm,
                              stdout=term.stdout, stderr=term.stderr)
    if not result.ok:
        term.err(f"hooktui: {result.summary()}")
        return EXIT_FAILED
    term.out(f"done: {state}/node_modules is up to date")
    return EXIT_OK


def _registry_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL")
    return value


# ---------------------------------------------------------------------------- login


def _ask(prompt: str, value: str | None, flag: str, can_prompt: bool) -> str:
    if value is None:
        if not can_prompt:
            raise CliError(f"{flag} is required when there is no terminal to ask on", kind="usage-error")
        value = input(prompt)
    value = value.strip()
    if not value:
        raise CliError(f"{flag} cannot be empty", kind="usage-error")
    return value


def _login_domain(given: str) -> str:
    """The domain as saved: a bare host for https (what deploy-cli's AUTH0_DOMAIN holds), or
    http://host:port for a local emulator, so that later commands keep using plain http there."""
    text = given.strip()
    scheme, _, host = text.rpartition("://")
    scheme = scheme.lower()
    host = host.rstrip("/")
    if scheme not in ("", "http", "https"):
        raise CliError(f"{given!r} is not a domain like my-tenant.eu.auth0.com or an https:// address",
                       kind="usage-error")
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise CliError(f"{given!r} is not a domain like my-tenant.eu.auth0.com (no path, no user)",
                       kind="usage-error")
    if scheme != "http":
        return host
    if not is_loopback(f"http://{host}"):
        raise CliError(
            f"{given!r}: plain http would send the client secret and every token unencrypted over the "
            f"network. It is accepted only for a local emulator on a loopback address (127.0.0.1, "
            f"localhost, ::1); a tenant is reached over https://{host} (or just {host})",
            kind="usage-error")
    return f"http://{host}"


def cmd_login(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    # With the secret on stdin, stdin is not free for questions.
    can_prompt = stdin.isatty() and not args.client_secret_stdin
    domain = _login_domain(_ask("Auth0 domain (e.g. my-tenant.eu.auth0.com): ", args.domain, "--domain",
                                can_prompt))
    client_id = _ask("Client ID: ", args.client_id, "--client-id", can_prompt)
    if args.client_secret_stdin:
        secret = stdin.read().strip()
    elif stdin.isatty():
        secret = getpass.getpass("Client secret (not shown): ").strip()
    else:
        raise CliError("no terminal to ask for the client secret on; pipe it in with --client-secret-stdin",
                       kind="usage-error")
    if not secret:
        raise CliError("the client secret is empty", kind="usage-error")
    try:
        path = save_credentials(Credentials(domain=domain, client_id=client_id, client_secret=secret))
    except OSError as exc:
        raise CliError(f"cannot save the credentials: {exc}") from None
    term.out(f"saved credentials for {domain} to {path} (mode 0600, in a 0700 folder)")
    term.out(f"  client id:     {client_id}")
    term.out(f"  client secret: {mask(secret)}")
    overriding = [var for var in CREDENTIAL_ENV.values() if os.environ.get(var)]
    if overriding:
        term.warn(f"{', '.join(overriding)} set in the environment take precedence over this file")
    return EXIT_OK


# ---------------------------------------------------------------------------- the parser


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r}: the timeout must be more than 0 seconds")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    # -C works before or after the command; SUPPRESS keeps a subcommand from resetting it.
    where = _Parser(add_help=False)
    where.add_argument("-C", dest="workspace", metavar="DIR", default=argparse.SUPPRESS,
                       help="the workspace folder (default: the current folder)")
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    parser = _Parser(
        prog="hooktui",
        description="Develop, test and deploy Auth0 Hooks. Hooks live in a workspace folder in "
                    "auth0-deploy-cli's format: hooks/<name>.js and hooks/<name>.json.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-C", dest="workspace", metavar="DIR", default=".",
                        help="the workspace folder (default: the current folder)")
    parser.add_argument("--version", action="version", version=f"hooktui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, handler: Callable[..., int], help: str, parents: Sequence[argparse.ArgumentParser],
                **kw: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=kw.pop("description", help), parents=parents,
                                  epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter, **kw)
        sub.set_defaults(handler=handler)
        return sub

    run = command("run", cmd_run, "run a hook, an action or a trigger's flow locally on a test payload",
                  [where, as_json],
                  description="Run a workspace hook or action in the local Node.js sandbox, as Auth0 would, "
                              "and show its console output and what the application receives. With --trigger, "
                              "run the actions bound to that trigger in triggers/triggers.json, in order.")
    run.add_argument("hook", metavar="NAME", nargs="?",
                     help="the hook's or action's name (or its .json file's stem)")
    run.add_argument("--trigger", metavar="TRIGGER",
                     help="run this action trigger's flow: its bound actions in binding order")
    run.add_argument("--kind", choices=("hook", "action"),
                     help="which one NAME means when a hook and an action share it")
    run.add_argument("--fresh-scope", action="store_true",
                     help="actions: a new module scope for this run (by default it is kept across runs of one "
                          "version, as Auth0's node22 runtime does)")
    run.add_argument("--payload", metavar="FILE|NAME|-",
                     help="a JSON file, a payload name (a sample such as 'blocked-domain', one in "
                          "payloads/<name>/ or, for actions, payloads/actions/<trigger>/), or - for stdin; "
                          "default: the trigger's first sample")
    run.add_argument("--timeout", metavar="SECONDS", type=_seconds,
                     help="stop the run after this long (default: [executor] timeout in hooktui.toml, 20)")

    command("validate", cmd_validate, "check every hook's files and compile every script", [where, as_json],
            description="Check every hook's JSON and script, and compile every script with Node.js.")
    command("list", cmd_list, "list the workspace's hooks", [where, as_json],
            description="List the hooks: name, trigger, enabled, script, dependencies, secret keys "
                        "(never values) and their problems.")

    new = command("new", cmd_new, "create a hook, or with --action an action, from its trigger's template", [where])
    new.add_argument("name", metavar="NAME", help="the hook's name: 3+ letters, digits, spaces and '-', "
                                                  "starting and ending with a letter or digit (an action's: any "
                                                  "name without leading or trailing spaces)")
    new.add_argument("--trigger", required=True, metavar="TRIGGER",
                     help="for a hook one of: " + ", ".join(t.value for t in Trigger) + "; for an action one of: "
                          + ", ".join(t for t, info in ACTION_TRIGGERS.items() if info.runnable))
    new.add_argument("--action", action="store_true",
                     help="create an action (actions/NAME.json and actions/NAME/code.js) instead of a hook")
    new.add_argument("--enable", action="store_true",
                     help="create the hook enabled (refused when another hook of the trigger is enabled)")
    new.add_argument("--bind", action="store_true",
                     help="bind the new action last in its trigger's flow, in triggers/triggers.json")

    dep = commands.add_parser("deps", help="manage the npm packages hooks require",
                              description="Manage the npm packages hooks declare in \"dependencies\".",
                              parents=[where])
    dep_commands = dep.add_subparsers(dest="deps_command", metavar="COMMAND", title="commands")
    install = dep_commands.add_parser(
        "install", parents=[where], help="install every hook's dependencies into .hooktui/node_modules",
        description="Install the packages every hook declares into <workspace>/.hooktui/node_modules "
                    "with npm, where local runs require() them from.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    install.add_argument("--registry", metavar="URL", type=_registry_url, help="the npm registry to install from")
    install.set_defaults(handler=cmd_deps_install)
    dep.set_defaults(handler=None, parser=dep, example="hooktui deps install")

    from hooktui.cli.sync import add_commands  # here: it imports this module

    add_commands(command, where, as_json)

    command("console", cmd_console, "open the console on the workspace (what bare `hooktui` does)", [where],
            description="Open the four-pane console: hook list, editor, payload tester, log stream.")
    command("demo", cmd_demo, "open the console on a fresh copy of the example workspace", [],
            description="Copy the example workspace to a temporary folder and open the console on it: "
                        "trying hooktui never touches the installed package.")

    emulator = commands.add_parser(
        "emulator", help="serve a local emulator of the Auth0 Management API (hooks, secrets, logs)",
        description="A local tenant over real HTTP on loopback, with Auth0's rate limits and fault switches. "
                    "`hooktui emulator --help` lists its options.", add_help=False)
    emulator.set_defaults(handler=cmd_emulator)

    # Credentials belong to the user, not to a workspace: no -C here.
    login = command("login", cmd_login, "save Auth0 Management API credentials for this user", [],
                    description="Save Auth0 Management API credentials in the user's config folder "
                                "(mode 0600), never in the workspace.")
    login.add_argument("--domain", help="the tenant's domain, e.g. my-tenant.eu.auth0.com")
    login.add_argument("--client-id", help="a machine-to-machine application's client ID")
    login.add_argument("--client-secret-stdin", action="store_true",
                       help="read the client secret from stdin instead of asking for it")
    parser.set_defaults(handler=None, parser=parser, example="hooktui run HOOK")
    return parser


# ---------------------------------------------------------------------------- console


def cmd_console(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    root = Path(args.workspace).expanduser()
    if not root.is_dir():
        raise CliError(f"{root} is not a folder: pass the workspace with -C DIR")
    from hooktui.tui.app import run_console  # Textual only loads for the console

    return run_console(root)


def cmd_emulator(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    from hooktui.tenant.emulator import main as emulator_main

    return emulator_main(args.emulator_args)


def cmd_demo(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    from hooktui.tui.app import demo_workspace, run_console
    from hooktui.tui.demo import RATE, start_demo_tenant

    root = demo_workspace()
    term.err(f"hooktui: starting a local tenant (the Management API emulator, rate limit {RATE!r}) and "
             f"pushing the demo hooks to it...")
    try:
        tenant = start_demo_tenant(root)
    except (OSError, RuntimeError) as exc:
        raise CliError(f"the demo tenant did not start: {exc}") from None
    try:
        return run_console(root, demo=True, credentials=tenant.credentials, notes=tenant.notes())
    finally:
        tenant.stop()
        term.err(f"hooktui: the demo tenant ({tenant.base_url}) is stopped; its state is in "
                 f"{root.parent / 'tenant.json'}")


# ---------------------------------------------------------------------------- entry point


def _report(error: CliError, term: Terminal, as_json: bool) -> None:
    message = str(error)
    if error.usage:
        term.err(error.usage)
    term.err(message if message.startswith("hooktui") else f"hooktui: {message}")
    if as_json:
        term.out(json.dumps({"status": error.kind, "error": message, **error.details}, ensure_ascii=False))


def _command_index(argv: Sequence[str]) -> int | None:
    """Where the command word stands: the first argument that is not a global option."""
    i = 0
    while i < len(argv):
        if argv[i] == "-C":
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return i
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # A hook's output may hold any character; a terminal that cannot show one gets an escape.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    term = Terminal(sys.stdout, sys.stderr, os.environ)
    as_json = "--json" in argv  # known before parsing, for errors in the parsing itself
    try:
        parser = build_parser()
        at = _command_index(argv)
        if at is not None and argv[at] == "emulator":
            # Everything after `emulator` belongs to the emulator's own parser.
            args = parser.parse_args(argv[: at + 1])
            args.emulator_args = argv[at + 1:]
        else:
            args = parser.parse_args(argv)
        as_json = getattr(args, "json", as_json)
        if args.handler is None and args.parser is parser and sys.stdin.isatty() and sys.stdout.isatty():
            return cmd_console(args, term, sys.stdin)  # bare `hooktui` on a terminal: the console
        if args.handler is None:
            args.parser.print_help(sys.stderr)
            raise CliError(f"a command is needed, e.g. `{args.example}`", kind="usage-error")
        return args.handler(args, term, sys.stdin)
    except CliError as exc:
        _report(exc, term, as_json)
        return exc.code
    except _EXPECTED as exc:
        _report(CliError(str(exc)), term, as_json)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        term.err("hooktui: interrupted")
        return 130
    except Exception as exc:
        if os.environ.get("HOOKTUI_DEBUG"):
            traceback.print_exc()
        else:
            term.err(f"hooktui: unexpected error: {type(exc).__name__}: {exc} "
                     f"(run with HOOKTUI_DEBUG=1 for the traceback)")
        return EXIT_INTERNAL
