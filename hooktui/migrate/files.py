"""The files a migration writes, in deploy-cli's format: actions/<name>.json, actions/<name>/code.js
and, when the hook was enabled, the action's binding in triggers/triggers.json. Planned first (for
the preview and its diff, secret values masked), then written each atomically; an existing action
is never overwritten unless forced."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hooktui.core import bindings
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.problems import WorkspaceError
from hooktui.core.workspace import Workspace
from hooktui.migrate.convert import MigrationResult

MASK = "********"


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the workspace, posix
    text: str  # what will be written
    shown: str  # the same with secret values masked: what a preview prints
    before: str | None  # the file's current text, None when it does not exist


def _action_json(result: MigrationResult, *, masked: bool) -> str:
    return dump_json({
        "name": result.action,
        "code": f"./actions/{result.action}/code.js",
        "runtime": "node22",
        "status": "built",
        "dependencies": [{"name": k, "version": v} for k, v in sorted(result.dependencies.items())],
        "secrets": [{"name": k, "value": MASK if masked else v} for k, v in sorted(result.secrets.items())],
        "supported_triggers": [{"id": result.trigger_id, "version": result.trigger_version}],
        "deployed": True,
    })


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _bound(data: dict, result: MigrationResult) -> bool:
    entries = data.get(result.trigger_id) or []
    return any(isinstance(e, dict) and e.get("action_name") == result.action for e in entries)


def plan_files(ws: Workspace, result: MigrationResult) -> list[PlannedFile]:
    base = f"{ws.actions_dir.name}/{result.action}"
    meta, code = f"{base}.json", f"{base}/code.js"
    planned = [
        PlannedFile(meta, _action_json(result, masked=False), _action_json(result, masked=True), _read(ws.root / meta)),
        PlannedFile(code, result.code, result.code, _read(ws.root / code)),
    ]
    if result.bind:
        rel = f"{bindings.TRIGGERS_DIRECTORY}/{bindings.TRIGGERS_FILE}"
        before = _read(ws.root / rel)
        try:
            data = json.loads(before) if before else {}
        except ValueError as exc:
            raise WorkspaceError(f"{rel} is not valid JSON ({exc}); fix it before migrating") from None
        if not _bound(data, result):
            data.setdefault(result.trigger_id, []).append({"action_name": result.action, "display_name": result.action})
            text = dump_json(data)
            planned.append(PlannedFile(rel, text, text, before))
    return planned


def existing_action(ws: Workspace, result: MigrationResult) -> list[str]:
    """The action's files that exist already (what --force would overwrite)."""
    return [p.path for p in plan_files(ws, result)[:2] if p.before is not None]


def write_migration(ws: Workspace, result: MigrationResult, *, force: bool = False) -> list[str]:
    """Write the action's files and bind it; WorkspaceError, with nothing written, when the action
    exists and `force` is not set. Returns the paths written."""
    planned = plan_files(ws, result)
    taken = [p.path for p in planned[:2] if p.before is not None]
    if taken and not force:
        raise WorkspaceError(f"action {result.action!r} exists already ({', '.join(taken)}); "
                             "nothing written: pass --force to overwrite it")
    if result.bind:
        bindings.check_editable(ws)
    code_path = ws.root / planned[1].path
    code_path.parent.mkdir(parents=True, exist_ok=True)
    # The code first: an action JSON pointing at no code would be a broken action.
    atomic_write(code_path, planned[1].text)
    atomic_write(ws.root / planned[0].path, planned[0].text, mode=0o600 if result.secrets else None)
    written = [planned[1].path, planned[0].path]
    ws.reload()
    if len(planned) > 2:
        try:
            bindings.bind(ws, result.trigger_id, result.action)
        except WorkspaceError as exc:
            # Say exactly what landed: the action is on disk, only its binding is missing.
            raise WorkspaceError(f"wrote {', '.join(written)}, but did not bind {result.action!r} to "
                                 f"{result.trigger_id}: {exc}") from None
        written.append(planned[2].path)
    return written
