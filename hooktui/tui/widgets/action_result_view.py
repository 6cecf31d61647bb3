"""How an action's run and a trigger's flow read in the payload tester: the verdict, what the
application gets, the `api` commands in order, the error and its place, each step of a flow, and
the console with what Auth0's execution log keeps of it. Pure: a result in, Content out."""

from __future__ import annotations

import json
from typing import Any

from textual.content import Content

from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.runhistory import api_call
from hooktui.tui.widgets.result_view import format_ms

Parts = list[Content | str | tuple[str, str]]
_DICTS = (("access_token_claims", "access token claims"), ("id_token_claims", "ID token claims"),
          ("user_metadata", "user_metadata written"), ("app_metadata", "app_metadata written"),
          ("transaction_metadata", "transaction metadata"))
# The triggers whose outcome shapes a token or a user: their main fields show even when empty,
# so "no claim was added" reads as an answer, not as a missing section.
_ALWAYS = {
    "post-login": ("access_token_claims", "id_token_claims", "user_metadata", "app_metadata"),
    "credentials-exchange": ("access_token_claims",),
    "pre-user-registration": ("user_metadata", "app_metadata"),
}
_SINGLE = ("target_scopes", "multifactor", "challenge", "redirect", "validation_error", "primary_user", "user_id",
           "session", "refresh_token", "saml", "prompt")
_LEVEL_STYLE = {"error": "$error", "warn": "$warning", "debug": "$text-muted", "info": ""}


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def verdict(result: ActionResult) -> str:
    """success, denied or error: a deny is a run that worked and refused the transaction."""
    if not result.ok:
        return "error"
    return "denied" if result.denied else "success"


def _verdict_text(word: str, denied: dict[str, Any] | None, crash: str | None) -> tuple[str, str]:
    if word == "success":
        return "✔ success", "bold $success"
    if word == "denied":
        return f"⛔ denied {(denied or {}).get('code') or 'access_denied'}", "bold $error"
    return f"✘ error{f' ({crash})' if crash else ''}", "bold $error"


def action_status_line(result: ActionResult | FlowResult) -> Content:
    """The verdict in one line: "✔ success 1.2 ms", "⛔ denied access_denied 0.9 ms · in block-ips"."""
    if isinstance(result, FlowResult):
        failed = result.failed_action
        ender = failed or next((a for a in result.actions if a.denied), None)
        word = "error" if failed else "denied" if result.actions and ender is not None else "success"
        text, style = _verdict_text(word, ender.denied if ender else None, ender.crash if ender else None)
        where = f" · in {ender.name}" if ender is not None else ""
        count = len(result.actions)
        return Content.assemble((f"{text} {format_ms(result.duration_ms)}", style),
                                (f" · flow of {count} action{'s' if count != 1 else ''}{where}", "$text-muted"))
    text, style = _verdict_text(verdict(result), result.denied, result.crash)
    return Content.styled(f"{text} {format_ms(result.duration_ms)}", style)


def outcome_content(outcome: dict[str, Any], trigger: str, *, failed: str | None = None) -> Content:
    """What the application gets, in its words: the denial, else the claims, metadata, redirect..."""
    parts: Parts = [("what the application gets", "bold $text-muted")]
    if failed is not None:
        parts += ["\n", (f"nothing: {failed} failed, so Auth0 fails the {trigger} execution and applies no command", "$error")]
        return Content.assemble(*parts)
    denied = outcome.get("denied")
    if denied:
        parts += ["\n", (f"denied: {denied.get('code') or 'access_denied'}", "bold $error")]
        for key, label in (("reason", "reason"), ("user_message", "the user reads")):
            if denied.get(key):
                parts += ["\n", (f"  {label}: ", "$text-muted"), str(denied[key])]
        if denied.get("response"):
            parts += ["\n", ("  the application receives ", "$text-muted"), _short(denied["response"])]
        parts += ["\n", ("  no token is issued and nothing below is applied", "$text-muted")]
    shown = 0
    for key, label in _DICTS:
        value = outcome.get(key)
        if not value and key not in _ALWAYS.get(trigger, ()):
            continue
        shown += 1
        if not value:
            parts += ["\n", (f"{label}: none", "$text-muted")]
            continue
        parts += ["\n", (f"{label}:", "bold")]
        for name, item in value.items():
            deleted = " (deleted)" if item is None and key.endswith("metadata") else ""
            parts += ["\n", f"  {name} = {_short(item)}", (deleted, "$warning")]
    scopes = outcome.get("scopes") or {}
    if scopes.get("added") or scopes.get("removed"):
        shown += 1
        parts += ["\n", ("scopes: ", "bold"), f"added {_short(scopes.get('added') or [])}, removed {_short(scopes.get('removed') or [])}"]
    for key in _SINGLE:
        value = outcome.get(key)
        if value not in (None, {}, []):
            shown += 1
            parts += ["\n", (f"{key.replace('_', ' ')}: ", "bold"), _short(value)]
    if not shown and not denied:
        note = ("no change to the transaction" if trigger in _ALWAYS
                else f"no change to the transaction: a {trigger} action acts through its side effects only")
        parts += ["\n", (note, "$text-muted")]
    return Content.assemble(*parts)


def commands_content(commands: list[dict[str, Any]], *, applied: bool = True) -> Content:
    """The `api` calls in the order they were made (a flow's name the action that made each)."""
    count = len(commands)
    title = f"api calls · {count}" if count else "api calls · none"
    if count and not applied:
        title += " (none applied: the execution failed)"
    parts: Parts = [(title, "bold $text-muted")]
    for i, command in enumerate(commands, 1):
        who = f"{command['action']}: " if "action" in command else ""
        parts += ["\n", (f"{i:>2}. ", "$text-muted"), (who, "$accent"), api_call(command)]
    return Content.assemble(*parts)


def action_error_content(result: ActionResult, *, in_flow: bool = False) -> Content | None:
    """The failure with its place in the action's code and its stack."""
    if result.ok:
        return None
    error = result.error or {}
    name = error.get("name") or "Error"
    message = str(error.get("message") or result.crash or "failed")
    who = f"{result.name}: " if in_flow else ""
    parts: Parts = [(f"{who}{name}: {message}", "bold $error")]
    if result.location is not None and getattr(result.location, "line", None):
        column = f", column {result.location.column}" if result.location.column else ""
        parts += ["\n", ("  at ", "$text-muted"), f"line {result.location.line}{column} of {result.name}'s code"]
    stack = error.get("stack")
    if isinstance(stack, str) and stack.strip():
        parts += ["\n", ("  stack:", "$text-muted")]
        for line in stack.splitlines()[:12]:
            parts += ["\n", (f"    {line}", "$text-muted")]
    return Content.assemble(*parts)


def flow_error_content(flow: FlowResult) -> Content | None:
    failed = flow.failed_action
    return None if failed is None else action_error_content(failed, in_flow=True)


def action_warnings_content(warnings: list[str], dropped: int) -> Content | None:
    lines = [f"⚠ {warning}" for warning in warnings]
    if dropped:
        lines.append(f"⚠ {dropped} console line(s) were dropped")
    return Content.styled("\n".join(lines), "$warning") if lines else None


def _added(result: ActionResult) -> str:
    """What one step of a flow added, in a few words."""
    if not result.ok:
        return "failed"
    outcome = result.outcome
    if outcome.get("denied"):
        return f"denied: {outcome['denied'].get('reason') or outcome['denied'].get('code') or ''}".rstrip(": ")
    bits = []
    for key, label in (("access_token_claims", "access token"), ("id_token_claims", "ID token"),
                       ("user_metadata", "user_metadata"), ("app_metadata", "app_metadata")):
        if outcome.get(key):
            bits.append(f"{label} +{', '.join(outcome[key])}")
    if outcome.get("redirect"):
        bits.append("redirect")
    for key in ("multifactor", "validation_error", "target_scopes", "user_id", "primary_user"):
        if outcome.get(key) not in (None, {}, []):
            bits.append(key.replace("_", " "))
    return "\n      ".join(bits) or "no change"  # one change a line, under the step


def flow_steps_content(flow: FlowResult) -> Content:
    """Each bound action's step in binding order; the one that ended the flow is marked, and the
    actions after it are listed with the reason they did not run."""
    names = [a.name for a in flow.actions] + [n["action"] for n in flow.not_run]
    width = min(max((len(n) for n in names), default=0), 24)
    ender = flow.failed_action or next((a for a in flow.actions if a.denied), None)
    parts: Parts = [(f"flow of {flow.trigger} · {len(flow.actions)} run, {len(flow.not_run)} not run", "bold $text-muted")]
    for i, result in enumerate(flow.actions, 1):
        word = verdict(result)
        mark = "▶" if result is ender else " "
        style = "$success" if word == "success" else "$error"
        # The detail on a line of its own: the result column is ~55 wide at 120x40, and a claim's
        # name or a deny's reason cut in two is hard to read.
        parts += ["\n", (f"{mark}{i}. ", "bold" if mark != " " else ""), (f"{result.name:<{width}} ", "bold"),
                  (f"{word:<7} ", style), (f"{format_ms(result.duration_ms):>9}", "$text-muted"),
                  f" · {len(result.commands)} call{'s' if len(result.commands) != 1 else ''}",
                  "\n", f"      {_added(result)}"]
    for skipped in flow.not_run:
        parts += ["\n", (f" -  {skipped['action']:<{width}} not run", "$text-muted"),
                  "\n", (f"      {skipped['reason']}", "$text-muted")]
    return Content.assemble(*parts)


def action_console_content(result: ActionResult | FlowResult) -> Content:
    """The console lines of the run (every one, as the live log view has them), then what Auth0's
    execution log keeps of each action's console."""
    runs = result.actions if isinstance(result, FlowResult) else [result]
    events = [e for a in runs for e in a.logs]
    count = len(events)
    title = f"console · {count} line{'s' if count != 1 else ''}" if count else "console · no output"
    parts: Parts = [(title, "bold $text-muted")]
    many = len(runs) > 1
    for event in events:
        who = f"{event.hook} " if many else ""
        late = " (late)" if event.late else ""
        for line in event.text.splitlines() or [""]:
            parts += ["\n", (f"{event.level:<5}{late} ", _LEVEL_STYLE.get(event.level, "") or "$text-muted"),
                      (who, "$accent"), line]
    for run in runs:
        if not run.log_chars:
            continue
        who = f"{run.name}: " if many else ""
        kept = len(run.persisted_log)
        if run.log_chars > kept:
            note = (f"{who}Auth0's execution log keeps the first {kept} of {run.log_chars} characters "
                    f"({run.log_chars - kept} truncated; every line shows above)")
            parts += ["\n", (note, "$warning")]
        else:
            parts += ["\n", (f"{who}Auth0's execution log keeps all {run.log_chars} characters", "$text-muted")]
    return Content.assemble(*parts)


def action_sections(result: ActionResult | FlowResult) -> dict[str, Content | None]:
    """The result pane's sections for an action or a flow, by the id of the Static that shows each."""
    if isinstance(result, FlowResult):
        failed = result.failed_action
        return {
            "steps": flow_steps_content(result),
            "outcome": outcome_content(result.outcome, result.trigger, failed=failed.name if failed else None),
            "commands": commands_content(result.commands, applied=failed is None),
            "warnings": action_warnings_content(result.warnings, sum(a.logs_dropped for a in result.actions)),
            "error": flow_error_content(result),
            "console": action_console_content(result),
        }
    return {
        "outcome": outcome_content(result.outcome, result.trigger, failed=None if result.ok else result.name),
        "commands": commands_content(result.commands, applied=result.ok),
        "warnings": action_warnings_content(result.warnings, result.logs_dropped),
        "error": action_error_content(result),
        "console": action_console_content(result),
    }
