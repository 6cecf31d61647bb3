"""`hooktui run`: a hook, an action or a trigger's flow in the local sandbox, with its console
output as it comes and what the application would receive (action_run.py holds the actions' data)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from hooktui.cli import action_run
from hooktui.cli.terminal import EXIT_FAILED, EXIT_OK, CliError, Terminal, dumps, open_workspace, problem_json, rel
from hooktui.core.hook_meta import Hook
from hooktui.core.payloads import PayloadError, default_payload, find_payload, parse_payload
from hooktui.core.problems import Problem
from hooktui.core.redaction import Redactor
from hooktui.core.results import LogEvent, RunResult
from hooktui.core.workspace import Workspace
from hooktui.runtime.executor import Executor, find_node

# Problems that stop a local run: without a trigger hooktui cannot tell the arguments, without a
# script there is nothing to run, and a JSON file that did not parse (no field) defines neither.
# The rest (name rules, enabled flags, dependency versions) only matter when deploying.
_RUN_BLOCKING_FIELDS = (None, "triggerId", "script")


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
    where = {"sample": "sample", "workspace": rel(ws, found.path), "file": str(found.path)}[found.origin]
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
            term.out(dumps(redact.value(result.data)))
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
            term.out(f"  at {rel(ws, hook.script_path)}:{result.location.line}:{result.location.column}")
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
    ws = open_workspace(args)
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
            details={"problems": [problem_json(p) for p in blockers]},
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
        term.out(dumps(redact.value(result.to_json())))
    else:
        _print_result(term, ws, hook, result, redact)
    return EXIT_OK if result.ok else EXIT_FAILED


def _run_action(args: argparse.Namespace, term: Terminal, stdin: TextIO, ws: Workspace, action: Any) -> int:
    blockers = action_run.run_blockers(action)
    if blockers:
        listing = "\n  ".join(str(p) for p in blockers)
        raise CliError(f"action {action.name!r} cannot run until these are fixed:\n  {listing}",
                       details={"problems": [problem_json(p) for p in blockers]})
    for problem in action.problems:
        term.err(str(problem) if problem.severity == "warning" else f"warning: {problem}")
    for name in action.missing_secrets():
        term.warn(f"secret {name} has no value in {rel(ws, action.meta_path)} (an export keeps values on the tenant): "
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
        term.out(dumps(redact.value(result.to_json())))
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
                       details={"problems": [problem_json(p) for ps in blocked.values() for p in ps]})
    for action in actions:
        for name in action.missing_secrets():
            term.warn(f"secret {name} of {action.name} has no value in {rel(ws, action.meta_path)}: "
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
        term.out(dumps(redact.value(flow.to_json())))
    else:
        for line in action_run.flow_lines(ws, flow, term.paint):
            term.out(redact.text(line))
    return EXIT_OK if flow.ok and not flow.denied else EXIT_FAILED
