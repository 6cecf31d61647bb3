"""Masking secret values (a hook's, an action's) in what a run shows: code logs and returns its secrets by
mistake, and neither the CLI nor the console may print one."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.config import mask
from hooktui.core.results import LogEvent, RunResult


class Redactor:
    """Replaces every known secret value, as written and as JSON.stringify escapes it.

    Values shorter than MIN_LENGTH stay: they are flags like "true" or "dev", and masking them
    would garble every line that happens to contain the word.
    """

    MIN_LENGTH = 6

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for value in secrets:
            if isinstance(value, str) and len(value) >= self.MIN_LENGTH:
                forms.add(value)
                forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, mask(form))
        return text

    def value(self, value: Any) -> Any:
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value

    def event(self, event: LogEvent) -> LogEvent:
        if not self._forms:
            return event
        return dataclasses.replace(event, text=self.text(event.text))

    def result(self, result: RunResult) -> RunResult:
        """A copy of the result with every secret masked: envelope, logs and warnings."""
        if not self._forms:
            return result
        return dataclasses.replace(
            result,
            envelope=self.value(result.envelope),
            logs=[self.event(e) for e in result.logs],
            warnings=[self.text(w) for w in result.warnings],
        )

    def action_result(self, result: ActionResult | FlowResult) -> ActionResult | FlowResult:
        """A copy of an action's (or a flow's) result with every secret masked: the api commands
        (a secret set as a claim), the outcome, the error, logs and warnings."""
        if not self._forms:
            return result
        if isinstance(result, FlowResult):
            return dataclasses.replace(result, actions=[self.action_result(a) for a in result.actions],
                                       not_run=self.value(result.not_run))
        return dataclasses.replace(
            result,
            commands=self.value(result.commands),
            outcome=self.value(result.outcome),
            error=self.value(result.error),
            logs=[self.event(e) if isinstance(e, LogEvent) else self.value(e) for e in result.logs],
            warnings=[self.text(w) for w in result.warnings],
            persisted_log=self.text(result.persisted_log),
            carry=self.value(result.carry),
        )
