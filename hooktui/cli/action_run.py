"""What `hooktui run` needs for actions and flows: which thing a name means, the spec and event
of a run, and the lines that say what the application would have received. Plain data and
lines only: cli/run.py reads the arguments and prints (this module never prints)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hooktui.core.action_results import ActionResult, FlowResult

# Moved to core so the console builds runs the same way; re-exported for this module's importers.
from hooktui.core.action_specs import _rel, action_spec, flow_actions, redactor_for, run_blockers  # noqa: F401
from hooktui.core.actions import Action, ActionNotFound
from hooktui.core.hook_meta import Hook
from hooktui.core.payloads import PayloadError, find_event, sample_events
from hooktui.core.problems import HookNotFound, WorkspaceError
from hooktui.core.workspace import Workspace

Paint = Callable[[str, str], str]


def find_target(ws: Workspace, ref: str, kind: str | None) -> Hook | Action:
    """The hook or action `ref` names. `kind` ("hook" / "action") settles a name both have."""
    hook = action = None
    if kind in (None, "hook"):
        try:
            hook = ws.hook(ref)
        except HookNotFound as exc:
            hook_miss = exc
    if kind in (None, "action"):
        try:
            action = ws.action(ref)
        except ActionNotFound as exc:
            action_miss = exc
    if hook is not None and action is not None:
        raise WorkspaceError(f"both a hook ({_rel(ws, hook.meta_path)}) and an action ({_rel(ws, action.meta_path)}) "
                             f"are named {ref!r}: add --kind hook or --kind action")
    if hook is not None:
        return hook
    if action is not None:
        return action
    if kind == "hook":
        raise hook_miss
    if kind == "action":
        raise action_miss
    if not ws.actions:
        raise hook_miss
    if not ws.hooks:
        raise action_miss
    raise WorkspaceError(f"no hook or action named {ref!r} in the workspace: {hook_miss.args[-1] if hook_miss.args else ''}"
                         .rstrip(": ") + "; `hooktui list` shows both")


def read_event(ref: str | None, trigger: str, ws: Workspace, action_name: str | None,
               read_stdin: Callable[[], Any]) -> tuple[Any, str]:
    """The event of a run and a few words on where it came from: the trigger's first sample (the
    dashboard's Test tab default), `-` for stdin, a file, or an event name."""
    if ref is None:
        samples = sample_events(trigger)
        if not samples:
            raise PayloadError(f"sample_payloads/actions/{trigger}", "no sample events for this trigger",
                               hint="pass one with --payload FILE")
        return samples[0].load(), f"{samples[0].name} (sample)"
    if ref == "-":
        return read_stdin(), "from stdin"
    found = find_event(ref, trigger, ws.root, action_name, payloads_dir=ws.config.payloads_dir)
    where = {"sample": "sample", "workspace": _rel(ws, found.path), "file": str(found.path)}[found.origin]
    return found.load(), f"{found.name} ({where})"


# ---------------------------------------------------------------------------- what the user reads


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _command(command: dict[str, Any]) -> str:
    args = ", ".join(_short(a) for a in command.get("args") or [])
    return f"api.{command['method']}({args})"


def outcome_lines(outcome: dict[str, Any], paint: Paint) -> list[str]:
    """What the application gets, in its words: the denial, else the claims, metadata, scopes..."""
    lines: list[str] = []
    denied = outcome.get("denied")
    if denied:
        msg = f"denied: {denied.get('code') or 'access_denied'}: {denied.get('reason') or ''}".rstrip(": ")
        if denied.get("user_message"):
            msg += f" (the user reads: {denied['user_message']})"
        lines.append(paint(msg, "red"))
        response = denied.get("response")
        if response:
            lines.append(f"  the application receives {_short(response)}")
        lines.append(paint("  no token is issued and nothing below is applied", "dim"))
    for key, label in (("access_token_claims", "access token claims"), ("id_token_claims", "ID token claims"),
                       ("user_metadata", "user_metadata written"), ("app_metadata", "app_metadata written"),
                       ("transaction_metadata", "transaction metadata")):
        value = outcome.get(key)
        if value:
            lines.append(f"{label}: {_short(value)}")
    scopes = outcome.get("scopes") or {}
    if scopes.get("added") or scopes.get("removed"):
        lines.append(f"scopes: added {_short(scopes.get('added') or [])}, removed {_short(scopes.get('removed') or [])}")
    for key in ("target_scopes", "multifactor", "challenge", "redirect", "validation_error", "primary_user",
                "message", "session", "refresh_token", "saml", "prompt"):
        value = outcome.get(key)
        if value not in (None, {}, []):
            lines.append(f"{key.replace('_', ' ')}: {_short(value)}")
    if not lines:
        lines.append("no change to the transaction")
    return lines


def _error_lines(ws: Workspace, result: ActionResult, paint: Paint) -> list[str]:
    error = result.error or {}
    lines = [paint(f"{error.get('name') or 'Error'}: {error.get('message') or result.crash or 'failed'}", "bold")]
    if result.location is not None and result.location.line:
        where = f"{result.location.line}:{result.location.column}" if result.location.column else str(result.location.line)
        lines.append(f"  at {_code_file(ws, result.name)}:{where}")
    stack = error.get("stack")
    if isinstance(stack, str) and stack.strip():
        root = f"{ws.root}/"
        lines.append("  stack:")
        lines += [paint(f"    {line}", "dim") for line in stack.replace(root, "").splitlines()[:12]]
    return lines


def _code_file(ws: Workspace, name: str) -> str:
    try:
        action = ws.action(name)
    except ActionNotFound:
        return f"actions/{name}/code.js"
    return _rel(ws, action.code_path) if action.code_path else _rel(ws, action.meta_path)


def _status_word(result: ActionResult) -> str:
    if not result.ok:
        return f"error ({result.crash})" if result.crash else "error"
    return "denied" if result.denied else "success"


def action_lines(ws: Workspace, result: ActionResult, paint: Paint) -> list[str]:
    """One action's run after its logs: status and time, its api calls, what it changes, its warnings."""
    word = _status_word(result)
    style = "green" if word == "success" else "red"
    lines = [f"{paint(word, style)} in {_ms(result.duration_ms)}"]
    lines += [f"  {_command(c)}" for c in result.commands]
    if not result.ok:
        lines += _error_lines(ws, result, paint)
    else:
        lines += outcome_lines(result.outcome, paint)
    lines += _warning_lines(result.warnings, result.logs_dropped, paint)
    return lines


def flow_lines(ws: Workspace, flow: FlowResult, paint: Paint) -> list[str]:
    """A flow: each action's step in binding order, what was not run and why, then what the
    application gets from the whole trigger."""
    lines = []
    width = max((len(a.name) for a in flow.actions), default=0)
    width = max([width] + [len(n["action"]) for n in flow.not_run])
    for i, result in enumerate(flow.actions, 1):
        word = _status_word(result)
        style = "green" if word == "success" else "red"
        calls = ", ".join(_command(c) for c in result.commands) or "no api call"
        lines.append(f"{i}. {result.name:<{width}}  {paint(f'{word:<8}', style)} {_ms(result.duration_ms):>9}  {calls}")
        if not result.ok:
            lines += ["   " + line for line in _error_lines(ws, result, paint)]
    for skipped in flow.not_run:
        lines.append(paint(f"-  {skipped['action']:<{width}}  not run: {skipped['reason']}", "dim"))
    failed = flow.failed_action
    if failed is not None:
        lines.append(paint(f"the {flow.trigger} execution failed in {failed.name}: nothing above is applied", "red"))
    else:
        lines += outcome_lines(flow.outcome, paint)
    lines += _warning_lines(flow.warnings, sum(a.logs_dropped for a in flow.actions), paint)
    return lines


def _warning_lines(warnings: list[str], dropped: int, paint: Paint) -> list[str]:
    lines = [paint(f"warning: {w}", "yellow") for w in warnings]
    if dropped:
        lines.append(paint(f"warning: {dropped} log line(s) were dropped", "yellow"))
    return lines


def _ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"
