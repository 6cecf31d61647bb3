"""Sync a workspace with a tenant over a ManagementClient: read both sides, report each hook's
status, push and pull, enable and disable. The decisions are hooktui.sync.plan's; this module does
the requests and the file writes, in the order the plans say, and keeps the state file true to
what succeeded.

Progress goes to `on_progress` as lines of text (the CLI prints them, the console's log stream
shows them); rate-limit waits go to the client's own `on_event`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooktui.core.files import atomic_write
from hooktui.core.hook_meta import Hook
from hooktui.core.keywords import keyword_replace
from hooktui.core.problems import WorkspaceError
from hooktui.core.workspace import Workspace
from hooktui.remote.client import ManagementClient
from hooktui.remote.errors import ApiError, RemoteError
from hooktui.sync.plan import (
    PHASE,
    PullAction,
    PullItem,
    PullPlan,
    PushPlan,
    Skip,
    Step,
    StepKind,
    apply_step,
    needs_record,
    plan_pull,
    plan_push,
    tenant_snapshot,
)
from hooktui.sync.state import VALUE_NOT_SHOWN, Snapshot, SyncState
from hooktui.sync.status import Entry, LocalHook, RemoteHook, Status, compare, select

Progress = Callable[[str], None]
READ_CONCURRENCY = 4  # secrets reads in flight; the client's pacing keeps them inside the bucket
WRITE_CONCURRENCY = 4


def local_hooks(ws: Workspace) -> tuple[list[LocalHook], dict[str, str]]:
    """The workspace's hooks as a push would send them, and why some cannot be sent."""
    out: list[LocalHook] = []
    refused: dict[str, str] = {}
    for hook in ws.hooks:
        meta_file = _rel_to(ws, hook.meta_path)
        errors = [p for p in hook.problems if p.severity == "error"]
        if errors:
            refused[hook.deployed_name] = "invalid: " + "; ".join(str(p) for p in errors)
        try:
            script = ws.read_script(hook)
        except WorkspaceError as exc:
            refused.setdefault(hook.deployed_name, str(exc))
            script = ""
        fields = {"name": hook.deployed_name, "triggerId": hook.trigger,
                  **{f"dependencies.{k}": f"{k}: {v}" for k, v in hook.dependencies.items()},
                  **{f"secrets.{k}": f"{k}: {v}" for k, v in hook.secrets.items()}}
        broken = [f for f, text in fields.items() if not _encodable(text)]
        if broken:
            # JSON's "\ud800" escape gives a lone surrogate, which no request can carry: this hook
            # is refused, the others go on.
            refused.setdefault(hook.deployed_name, (
                f"{meta_file}: {', '.join(shown(f) for f in broken)} holds a lone surrogate "
                f"(a \\ud800-\\udfff escape that is half of a character), which is not valid Unicode: "
                f"fix the value"))
        out.append(LocalHook(hook.deployed_name, hook.trigger, hook.enabled, script,
                             dict(hook.dependencies), dict(hook.secrets), meta_file,
                             _rel_to(ws, hook.script_path) if hook.script_path is not None else ""))
    return out, refused


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(text: str) -> str:
    """`text` as it can be printed: a lone surrogate as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _rel_to(ws: Workspace, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(ws.root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


@dataclass
class HookOutcome:
    """What a push did to one hook."""

    hook: str
    done: list[Step] = field(default_factory=list)
    failed: Step | None = None
    error: str | None = None
    not_done: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.not_done

    def to_json(self) -> dict[str, Any]:
        return {
            "hook": self.hook, "ok": self.ok,
            "done": [s.describe() for s in self.done],
            "failed": self.failed.describe() if self.failed else None,
            "error": self.error,
            "not_done": [s.describe() for s in self.not_done],
        }


@dataclass
class PushReport:
    plan: PushPlan
    outcomes: dict[str, HookOutcome]

    @property
    def blocked(self) -> list[Skip]:
        """What the plan refused, or left for being in conflict: the push is not complete."""
        return [s for s in self.plan.skipped if s.error or s.reason.startswith("conflict")]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes.values()) and not self.blocked

    def deleted(self) -> list[str]:
        """Hooks this push deleted on the tenant (and did nothing else to)."""
        return [o.hook for o in self.outcomes.values()
                if o.ok and o.done and all(s.kind is StepKind.DELETE for s in o.done)
                and (e := self.plan.entries.get(o.hook)) is not None and e.local is None]

    def pushed(self) -> list[str]:
        gone = set(self.deleted())
        return [o.hook for o in self.outcomes.values() if o.ok and o.hook not in gone]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "hooks": [o.to_json() for o in self.outcomes.values()],
                "deleted": self.deleted(), "skipped": [s.to_json() for s in self.plan.skipped]}


@dataclass
class PullOutcome:
    hook: str
    action: PullAction
    ok: bool
    message: str
    files: list[str] = field(default_factory=list)
    # A conflict left for the user; a merge (unlike taking the tenant's copy) stays one until it is
    # pushed by force, which each face names its own way (the CLI's flag, the console's key).
    conflict: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"hook": self.hook, "action": str(self.action), "ok": self.ok, "message": self.message,
                "files": self.files}


@dataclass
class PullReport:
    plan: PullPlan
    outcomes: list[PullOutcome]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "hooks": [o.to_json() for o in self.outcomes],
                "skipped": [s.to_json() for s in self.plan.skipped]}


class Syncer:
    """One workspace against one tenant."""

    def __init__(self, ws: Workspace, client: ManagementClient, *, on_progress: Progress | None = None,
                 state: SyncState | None = None) -> None:
        self.ws = ws
        self.client = client
        self.tenant_key = client.base_url
        self.state = state or SyncState.load(ws.state_dir)
        self.on_progress = on_progress
        # Why local hooks cannot be pushed, by name, as of the last reading of both sides.
        self.refused: dict[str, str] = {}
        # The workspace files the last pull or set_enabled wrote or removed (resolved paths), so
        # that a console can reload exactly those.
        self.written: list[str] = []

    def _wrote(self, *paths: Path | None) -> None:
        for path in paths:
            if path is not None:
                resolved = str(Path(path).resolve())
                if resolved not in self.written:
                    self.written.append(resolved)

    def _say(self, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(text)

    # ------------------------------------------------------------------ reading

    async def entries(self, *, all_secrets: bool = False, only: Iterable[str] | None = None) -> list[Entry]:
        """Every hook's status. Secret names are read for each tenant hook that has a local or
        synced counterpart (and for all with `all_secrets`, as pull needs). With `only`, the
        status of those hooks, in that order, reading the secrets of their tenant hooks alone."""
        return (await self._read(all_secrets=all_secrets, only=only))[0]

    async def _read(self, *, all_secrets: bool = False,
                    only: Iterable[str] | None = None) -> tuple[list[Entry], dict[str, str]]:
        """The entries, and why some local hooks cannot be pushed (from the same reading)."""
        self.ws.reload()
        locals_, refused = local_hooks(self.ws)
        self.refused = refused
        listed = await self.client.list_hooks()
        tenant = self.state.tenant(self.tenant_key)
        names = {h.name for h in locals_}
        wanted = [
            h for h in listed
            if all_secrets or str(h.get("id")) in tenant.hooks or h.get("name") in names
        ]
        if only is not None:
            # Which tenant hook is whose does not depend on secrets (names, files, scripts): pair
            # first without them, then read the secrets of the chosen hooks' tenant side only.
            only = list(only)
            paired = select(compare(locals_, [RemoteHook.from_api(h, ()) for h in listed], tenant, self.state), only)
            chosen = {e.remote.id for e in paired if e.remote is not None}
            wanted = [h for h in wanted if str(h.get("id")) in chosen]
        keys = await self._secret_keys([str(h["id"]) for h in wanted])
        remotes = [RemoteHook.from_api(h, keys.get(str(h["id"]), ())) for h in listed]
        entries = compare(locals_, remotes, tenant, self.state)
        if only is not None:
            # The others were compared without their secrets: their statuses are not true, so
            # they are neither shown nor recorded.
            entries = select(entries, only)
        # Both sides seen equal is as good as a sync: the base moves there, so that a conflict
        # settled by hand (the tenant's .remote.js copied over the script), or a create whose
        # answer was lost, is not a conflict again at the next edit.
        for entry in entries:
            if needs_record(entry) and entry.name not in refused:
                try:
                    self._record_entry(entry)
                except OSError:
                    break  # a read-only workspace: status still answers; push records what it does
        return entries, refused

    async def _secret_keys(self, ids: list[str]) -> dict[str, list[str]]:
        limit = asyncio.Semaphore(READ_CONCURRENCY)
        out: dict[str, list[str]] = {}

        async def one(hook_id: str) -> None:
            async with limit:
                try:
                    out[hook_id] = sorted(await self.client.get_secrets(hook_id))
                except ApiError as exc:
                    if exc.status != 404:  # deleted since the listing: it shows as gone next time
                        raise
                    out[hook_id] = []

        await asyncio.gather(*(one(i) for i in ids))
        return out

    # ------------------------------------------------------------------ push

    async def plan_push(self, only: Iterable[str] | None = None, *, force: bool = False,
                        allow_delete: bool = False, refused: dict[str, str] | None = None) -> PushPlan:
        entries, invalid = await self._read()
        only = list(only) if only is not None else None
        if only is not None:
            select(entries, only)
        return plan_push(entries, self.state, only=only, force=force, allow_delete=allow_delete,
                         refused={**invalid, **(refused or {})})

    async def push(self, plan: PushPlan) -> PushReport:
        """Apply the plan phase by phase. After each step that succeeds the state file records
        what the tenant now has; a hook whose step fails gets no further step."""
        outcomes = {name: HookOutcome(name) for name in plan.hooks()}
        current: dict[str, Snapshot] = dict(plan.start)
        ids: dict[str, str | None] = {}
        for entry in plan.record:
            self._record_entry(entry)
        phases: dict[int, list[Step]] = {}
        for step in plan.steps:
            phases.setdefault(PHASE[step.kind], []).append(step)
        limit = asyncio.Semaphore(WRITE_CONCURRENCY)

        async def run(step: Step) -> None:
            outcome = outcomes[step.hook]
            if outcome.failed is not None:
                outcome.not_done.append(step)
                return
            remote_id = step.remote_id
            if step.kind is not StepKind.CREATE and step.kind is not StepKind.DELETE:
                remote_id = ids.get(step.hook, remote_id)
            async with limit:
                try:
                    new_id = await self._do(step, remote_id)
                except RemoteError as exc:
                    outcome.failed, outcome.error = step, str(exc)
                    self._say(f"{step.hook}: {step.describe()} failed: {exc}")
                    return
            outcome.done.append(step)
            self._say(f"{step.hook}: {step.describe()} done")
            entry = plan.entries.get(step.hook)
            if step.kind is StepKind.DELETE:
                self.state.forget(self.tenant_key, str(remote_id))
                ids[step.hook] = None
                return
            if new_id is not None:
                ids[step.hook] = new_id
            hook_id = ids.get(step.hook) or remote_id
            current[step.hook] = apply_step(current[step.hook], step, self.state)
            local_name = entry.local.name if entry and entry.local else step.hook
            if hook_id:
                self.state.record(self.tenant_key, hook_id, local_name, current[step.hook],
                                  file=entry.local.meta_file if entry and entry.local else None)

        for phase in sorted(phases):
            await asyncio.gather(*(run(step) for step in phases[phase]))
        return PushReport(plan, outcomes)

    async def _do(self, step: Step, remote_id: str | None) -> str | None:
        api = self.client
        kind = step.kind
        if kind is StepKind.CREATE:
            created = await api.create_hook(step.changes)
            return str(created["id"])
        assert remote_id is not None, step
        if kind is StepKind.DELETE:
            await api.delete_hook(remote_id)
        elif kind in (StepKind.UPDATE, StepKind.DISABLE, StepKind.ENABLE):
            await api.update_hook(remote_id, step.changes)
        elif kind is StepKind.DELETE_SECRETS:
            await api.delete_secrets(remote_id, step.keys)
        elif kind is StepKind.UPDATE_SECRETS:
            await api.update_secrets(remote_id, step.changes)
        elif kind is StepKind.ADD_SECRETS:
            await api.add_secrets(remote_id, step.changes)
        return None

    def _record_entry(self, entry: Entry) -> None:
        assert entry.local is not None and entry.remote is not None
        self.state.record(self.tenant_key, entry.remote.id, entry.local.name, entry.local.snapshot(self.state),
                          file=entry.local.meta_file)

    # ------------------------------------------------------------------ pull

    async def plan_pull(self, only: Iterable[str] | None = None) -> PullPlan:
        entries = await self.entries(all_secrets=True)
        only = list(only) if only is not None else None
        if only is not None:
            select(entries, only)
        return plan_pull(entries, only=only)

    async def pull(self, plan: PullPlan) -> PullReport:
        """Write the tenant's copies into the workspace. Disables go first, so that the workspace
        never holds two enabled hooks of one trigger because of a pull."""
        order = sorted(plan.items, key=lambda i: bool(i.entry.remote and i.entry.remote.enabled))
        self.written = []
        outcomes = []
        for item in order:
            try:
                outcome = self._pull_one(item)
            except (WorkspaceError, OSError) as exc:
                outcome = PullOutcome(item.entry.name, item.action, False, f"not pulled: {exc}")
            outcomes.append(outcome)
            self._say(f"{outcome.hook}: {outcome.message}")
        self.ws.reload()
        return PullReport(plan, outcomes)

    def _pull_one(self, item: PullItem) -> PullOutcome:
        entry, action = item.entry, item.action
        remote = entry.remote
        assert remote is not None
        name = entry.name
        if action is PullAction.RECORD:
            self._record_entry(entry)
            return PullOutcome(name, action, True, "already the same; recorded as in sync")
        if action is PullAction.CREATE:
            created = self.ws.create_hook(remote.name, remote.trigger, remote.script)
            hook = self.ws.update_meta(created, enabled=remote.enabled, dependencies=dict(remote.dependencies),
                                       secrets=dict.fromkeys(sorted(remote.secret_keys), VALUE_NOT_SHOWN))
            self._wrote(hook.meta_path, hook.script_path)
            self._record_pulled(entry, hook)
            files = [self._rel(hook.meta_path), self._rel(hook.script_path)]
            note = (f" (secret values are not readable through the API: fill in {', '.join(sorted(remote.secret_keys))})"
                    if remote.secret_keys else "")
            return PullOutcome(name, action, True, f"created {', '.join(files)}{note}", files)
        assert entry.local is not None
        hook = self.ws.hook(entry.local.name)
        if action is PullAction.BESIDE:
            return self._write_beside(entry, hook, "conflict")
        # WRITE: the tenant changed, the workspace did not.
        changed = entry.remote_changes
        raw_script = self.ws.raw_script(hook) if hook.script_path is not None else ""
        templated = "script" in changed and keyword_replace(raw_script, self.ws.keywords) != raw_script
        if templated:
            return self._write_beside(entry, hook, "keywords")
        files: list[str] = []
        if "name" in changed and hook.deployed_name != remote.name:
            self._wrote(hook.meta_path, hook.script_path)  # moved away
            hook = self.ws.rename_hook(hook, remote.name)
            self._wrote(hook.meta_path, hook.script_path)
        if "script" in changed:
            self.ws.write_script(hook, remote.script)
            self._wrote(hook.script_path)
            files.append(self._rel(hook.script_path))
        meta: dict[str, Any] = {}
        if "triggerId" in changed:
            meta["triggerId"] = remote.trigger
        if "enabled" in changed:
            meta["enabled"] = remote.enabled
        if "dependencies" in changed:
            meta["dependencies"] = dict(remote.dependencies)
        new_keys: list[str] = []
        if "secrets" in changed:
            raw = self.ws.raw_meta(hook).get("secrets") or {}
            raw = raw if isinstance(raw, dict) else {}
            new_keys = sorted(k for k in remote.secret_keys if k not in raw)
            meta["secrets"] = {k: raw.get(k, VALUE_NOT_SHOWN) for k in sorted(remote.secret_keys)}
        if meta or "name" in changed:
            hook = self.ws.update_meta(hook, **meta)
            self._wrote(hook.meta_path)
            files.append(self._rel(hook.meta_path))
        self._record_pulled(entry, hook)
        note = f" (new secret {', '.join(new_keys)}: fill in its value)" if new_keys else ""
        return PullOutcome(name, action, True, f"took the tenant's {', '.join(changed)}{note}",
                           list(dict.fromkeys(files)))

    def _write_beside(self, entry: Entry, hook: Hook, why: str) -> PullOutcome:
        remote = entry.remote
        assert remote is not None and hook.script_path is not None
        target = hook.script_path.with_name(f"{hook.script_path.stem}.remote.js")
        atomic_write(target, remote.script)
        self._wrote(target)
        rel = self._rel(target)
        settings = [f for f in entry.remote_changes if f != "script"]
        local = entry.local
        shown = []
        for fld in settings:
            if fld == "enabled":
                shown.append(f"enabled is {str(remote.enabled).lower()} on the tenant")
            elif fld == "triggerId":
                shown.append(f"triggerId is {remote.trigger} on the tenant")
            elif fld == "dependencies":
                shown.append(f"dependencies on the tenant: {dict(remote.dependencies) or 'none'}")
            elif fld == "secrets" and local is not None:
                only_remote = sorted(set(remote.secret_keys) - set(local.secrets))
                only_local = sorted(set(local.secrets) - set(remote.secret_keys))
                if only_remote or only_local:
                    shown.append("secrets differ (tenant only: " + (", ".join(only_remote) or "none")
                                 + "; here only: " + (", ".join(only_local) or "none") + ")")
            elif fld == "name":
                shown.append(f"named {remote.name} on the tenant")
        settings_note = f"; {'; '.join(shown)}" if shown else ""
        if why == "keywords":
            message = (f"the tenant changed the script, but the local one uses keyword placeholders, so it "
                       f"was not overwritten: the tenant's copy is in {rel}; merge it by hand{settings_note}")
        else:
            message = (f"conflict ({entry.note}): your copy is untouched; the tenant's script is in "
                       f"{rel}{settings_note}. Take it (copy it over yours) or merge the two, then push")
        return PullOutcome(entry.name, PullAction.BESIDE, False, message, [rel], conflict=why != "keywords")

    def _record_pulled(self, entry: Entry, hook: Hook) -> None:
        """After a pull, the base is the tenant's copy (with the secret fingerprints the workspace
        still holds unchanged values for)."""
        assert entry.remote is not None
        self.state.record(self.tenant_key, entry.remote.id, hook.deployed_name, tenant_snapshot(entry),
                          file=_rel_to(self.ws, hook.meta_path))

    def _rel(self, path: Any) -> str:
        try:
            return path.relative_to(self.ws.root).as_posix()
        except (ValueError, AttributeError):
            return str(path)

    # ------------------------------------------------------------------ enable / disable

    async def set_enabled(self, name: str, enabled: bool) -> list[str]:
        """Enable or disable a hook on the tenant and in the workspace. Enabling disables the
        other enabled hooks of its trigger first (on both sides). Returns what was done."""
        entries = await self.entries()
        entry = next((e for e in entries if e.name == name), None)
        if entry is None:
            raise WorkspaceError(f"no hook named {name!r} in the workspace or on the tenant; "
                                 f"`hooktui status` lists them")
        if entry.remote is None:
            raise WorkspaceError(f"{name} is not on the tenant yet: push it first "
                                 f"(`hooktui push {name}`)")
        done: list[str] = []
        self.written = []
        tenant = self.state.tenant(self.tenant_key)
        if enabled:
            others = [e for e in entries if e.remote is not None and e.remote.enabled and e.name != name
                      and e.remote.trigger == entry.remote.trigger]
            for other in others:
                await self._patch_enabled(other, False, tenant)
                done.append(f"{other.name}: disabled on the tenant (one enabled hook per trigger)")
                self._say(done[-1])
        if entry.remote.enabled != enabled:
            await self._patch_enabled(entry, enabled, tenant)
            done.append(f"{name}: {'enabled' if enabled else 'disabled'} on the tenant")
        else:
            done.append(f"{name}: already {'enabled' if enabled else 'disabled'} on the tenant")
        self._say(done[-1])
        if entry.local is not None and entry.local.enabled != enabled:
            hook = self.ws.hook(entry.local.name)
            others = self.ws.set_enabled(hook, enabled)
            self._wrote(hook.meta_path, *(other.meta_path for other in others))
            for other in others:
                done.append(f"{other.deployed_name}: disabled in the workspace")
            done.append(f"{name}: {'enabled' if enabled else 'disabled'} in the workspace")
            self._say(done[-1])
        return done

    async def _patch_enabled(self, entry: Entry, enabled: bool, tenant: Any) -> None:
        assert entry.remote is not None
        await self.client.update_hook(entry.remote.id, {"enabled": enabled})
        recorded = tenant.hooks.get(entry.remote.id)
        if recorded is not None:
            local, snap = recorded
            self.state.record(self.tenant_key, entry.remote.id, local, snap.with_changes(enabled=enabled))
        # Without a base the hook stays "never synced": only its enabled flag is known to match.


def summarize(entries: Iterable[Entry]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[str(entry.status)] = counts.get(str(entry.status), 0) + 1
    return counts


__all__ = [
    "HookOutcome", "PullOutcome", "PullReport", "PushReport", "Syncer", "local_hooks", "summarize",
    "Skip", "Status",
]
