"""Masking a hook's secret values in what a run shows: hooks log and return their secrets by
mistake, and neither the CLI nor the console may print one."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

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
