"""One hook -> one action: runs convert.js (acorn, in the runtime's Node) on the hook's script and
returns a MigrationResult with everything `hooktui migrate` writes or reports. Secret values stay in
the result for the files only; `to_json()` carries names, never values."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooktui.core.action_results import ACTION_TRIGGERS
from hooktui.core.hook_meta import Hook
from hooktui.core.workspace import Workspace
from hooktui.runtime.executor import find_node

CONVERT_JS = Path(__file__).with_name("convert.js")


class MigrationError(Exception):
    """The hook cannot be converted at all (not valid JavaScript, no module.exports function...)."""


@dataclass(frozen=True)
class ManualItem:
    line: int  # in the action's code.js, the construct's line (its MIGRATE comment is above it)
    hook_line: int  # in the hook's script
    construct: str
    reason: str
    advice: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "hook_line": self.hook_line, "construct": self.construct,
                "reason": self.reason, "advice": self.advice}


@dataclass(frozen=True)
class MigrationResult:
    hook: str
    action: str
    trigger_id: str
    trigger_version: str
    code: str
    dependencies: dict[str, str]
    secrets: dict[str, str] = field(repr=False)  # name -> value as written in the hook's JSON (keywords kept)
    manual: list[ManualItem]
    bind: bool  # the hook was enabled: the action is bound to its trigger

    @property
    def secret_names(self) -> list[str]:
        return sorted(self.secrets)

    def to_json(self) -> dict[str, Any]:
        return {"hook": self.hook, "action": self.action, "trigger": self.trigger_id,
                "trigger_version": self.trigger_version, "dependencies": dict(self.dependencies),
                "secrets": self.secret_names, "bind": self.bind, "manual": [m.to_json() for m in self.manual]}


def convert_code(code: str, trigger_id: str, *, node: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """The raw answer of convert.js: {code, dependencies, manual} or {error, line}."""
    node = node or find_node()
    out = subprocess.run([node, str(CONVERT_JS)], input=json.dumps({"code": code, "trigger": trigger_id}),
                         capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise MigrationError(f"the converter failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout)


def _raw_secrets(hook: Hook) -> dict[str, str]:
    # The values as written in the hook's JSON, so ##KEY## keywords survive into the action's file.
    try:
        data = json.loads(hook.meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return dict(hook.secrets)
    raw = data.get("secrets") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else dict(hook.secrets)


def migrate_hook(ws: Workspace, hook: Hook, *, node: str | None = None) -> MigrationResult:
    if hook.trigger not in ACTION_TRIGGERS:
        raise MigrationError(f"hook {hook.name!r}: trigger {hook.trigger!r} has no action trigger")
    where = hook.script
    answer = convert_code(ws.raw_script(hook), hook.trigger, node=node)
    if "error" in answer:
        line = f":{answer['line']}" if answer.get("line") else ""
        raise MigrationError(f"{where}{line}: {answer['error']}")
    dependencies = {**answer.get("dependencies", {}), **hook.dependencies}
    return MigrationResult(
        hook=hook.name, action=hook.deployed_name, trigger_id=hook.trigger,
        trigger_version=ACTION_TRIGGERS[hook.trigger][0], code=answer["code"], dependencies=dependencies,
        secrets=_raw_secrets(hook), manual=[ManualItem(m["line"], m["hook_line"], m["construct"], m["reason"], m["advice"])
                                            for m in answer.get("manual", [])],
        bind=hook.enabled,
    )
