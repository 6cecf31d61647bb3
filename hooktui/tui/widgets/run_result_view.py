"""The tester's result view: one Static per section, filled from a hook's RunResult (envelope) or
an action's ActionResult / a trigger's FlowResult (outcome, api commands, steps), the rest hidden."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.results import RunResult
from hooktui.tui.widgets.action_result_view import action_sections, action_status_line
from hooktui.tui.widgets.result_view import (
    console_content,
    envelope_content,
    error_content,
    status_line,
    warnings_content,
)

AnyResult = RunResult | ActionResult | FlowResult
# In this order on screen: a flow's steps, then what the application gets and how, then why not.
SECTIONS = ("steps", "outcome", "commands", "warnings", "error", "envelope", "console")


def result_status_line(result: AnyResult) -> Content:
    return status_line(result) if isinstance(result, RunResult) else action_status_line(result)


def result_sections(result: AnyResult) -> dict[str, Content | None]:
    if isinstance(result, RunResult):
        return {
            "warnings": warnings_content(result),
            "error": error_content(result),
            "envelope": envelope_content(result),
            "console": console_content(result),
        }
    return action_sections(result)


class ResultView(VerticalScroll):
    """The last result of the open item, whichever kind it is."""

    def compose(self) -> ComposeResult:
        yield Static("no run yet: ctrl+r runs the payload", id="result-empty")
        for part in SECTIONS:
            yield Static(id=f"result-{part}")

    def on_mount(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.query_one("#result-empty", Static).display = True
        for part in SECTIONS:
            self.query_one(f"#result-{part}", Static).display = False

    def show(self, result: AnyResult) -> None:
        self.query_one("#result-empty", Static).display = False
        sections = result_sections(result)
        for part in SECTIONS:
            content = sections.get(part)
            widget = self.query_one(f"#result-{part}", Static)
            widget.display = content is not None
            widget.update(content if content is not None else "")
        self.scroll_home(animate=False)
