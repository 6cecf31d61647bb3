"""How a hook's run reads in the payload tester: the status line, the error with its location and
stack, the warnings, the `{status, data}` envelope and the console. Pure: a RunResult in, Content out."""

from __future__ import annotations

import json

from textual.content import Content

from hooktui.core.results import RunResult

_LEVEL_STYLE = {"error": "$error", "warn": "$warning", "debug": "$text-muted", "info": ""}


def format_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"



def status_line(result: RunResult) -> Content:
    """The verdict in one line: "✔ success 1.2 ms" or "✘ error 0.8 ms (timeout)"."""
    if result.ok:
        return Content.styled(f"✔ success {format_ms(result.duration_ms)}", "bold $success")
    crash = f" ({result.crash})" if result.crash else ""
    return Content.styled(f"✘ error {format_ms(result.duration_ms)}{crash}", "bold $error")


def error_content(result: RunResult) -> Content | None:
    if result.ok:
        return None
    data = result.data if isinstance(result.data, dict) else {"message": str(result.data)}
    name = data.get("name")
    message = str(data.get("message") or "Unknown error")
    headline = f"{name}: {message}" if isinstance(name, str) and name and name != "Error" else message
    parts: list[Content | str | tuple[str, str]] = [(headline, "bold $error"), "\n"]
    # Auth0's own detail first, then whatever else the hook put on its error.
    keys = [k for k in ("error_description", "friendlyMessage") if k in data]
    keys += [k for k in data if k not in (*keys, "name", "message", "stack")]
    for key in keys:
        value = data[key]
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts += [(f"  {key}: ", "$text-muted"), shown, "\n"]
    if result.location is not None:
        parts += [("  at ", "$text-muted"), f"line {result.location.line}, column {result.location.column}", "\n"]
    stack = data.get("stack")
    if isinstance(stack, str) and stack.strip():
        parts += [("  stack:", "$text-muted"), "\n"]
        for line in stack.splitlines():
            parts += [(f"    {line}", "$text-muted"), "\n"]
    return Content.assemble(*parts).rstrip()


def warnings_content(result: RunResult) -> Content | None:
    lines = [f"⚠ {warning}" for warning in result.warnings]
    if result.logs_dropped:
        lines.append(f"⚠ {result.logs_dropped} console line(s) were dropped")
    if not lines:
        return None
    return Content.styled("\n".join(lines), "$warning")


def envelope_content(result: RunResult) -> Content:
    from textual.highlight import highlight  # pygments: off the start-up path

    text = json.dumps(result.envelope, indent=2, ensure_ascii=False, default=str)
    return Content.assemble(("envelope", "bold $text-muted"), "\n", highlight(text, language="json"))


def console_content(result: RunResult) -> Content:
    count = len(result.logs)
    title = f"console · {count} line{'s' if count != 1 else ''}" if count else "console · no output"
    parts: list[Content | str | tuple[str, str]] = [(title, "bold $text-muted")]
    for event in result.logs:
        late = " (late)" if event.late else ""
        for line in event.text.splitlines() or [""]:
            parts += ["\n", (f"{event.level:<5}{late} ", _LEVEL_STYLE.get(event.level, "") or "$text-muted"), line]
    return Content.assemble(*parts)
