"""Sync plans: the steps, in phases, that make the tenant match the workspace (`plan_push`), what a pull
does per hook (`plan_pull`), and what a step leaves on the tenant (`apply_step`). Pure: no network here
(hooktui.sync.apply talks to the API); the statuses they start from are hooktui.sync.status's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hooktui.sync.diff import diff_entry  # noqa: F401 - re-exported for importers outside sync, see report
from hooktui.sync.state import VALUE_NOT_SHOWN, Snapshot, SyncState, script_digest
from hooktui.sync.state import SyncStateError as SyncStateError  # the faces catch it from here
from hooktui.sync.status import Entry, Status
from hooktui.sync.status import compare  # noqa: F401 - re-exported for importers outside sync, see report

# ---------------------------------------------------------------------------- push plan


class StepKind(StrEnum):
    DELETE = "delete"
    DISABLE = "disable"  # a PATCH with enabled=false (and any other field changes)
    UPDATE = "update"  # a PATCH of name, script, dependencies (and enabled=true when nothing follows)
    CREATE = "create"
    DELETE_SECRETS = "delete secrets"
    UPDATE_SECRETS = "update secrets"
    ADD_SECRETS = "add secrets"
    ENABLE = "enable"


# Steps run phase by phase across every hook, so that at every moment at most one hook per trigger
# is enabled on the tenant: what goes away first, then what is disabled, then the rest, and what
# is enabled last, after its secrets are in place.
PHASE = {
    StepKind.DELETE: 0, StepKind.DISABLE: 1, StepKind.UPDATE: 2, StepKind.CREATE: 2,
    StepKind.DELETE_SECRETS: 3, StepKind.UPDATE_SECRETS: 4, StepKind.ADD_SECRETS: 5, StepKind.ENABLE: 6,
}


@dataclass
class Step:
    hook: str
    kind: StepKind
    remote_id: str | None = None  # None for a create, and for what follows a create
    changes: dict[str, Any] = field(default_factory=dict)  # API body; secret values for secrets steps
    keys: list[str] = field(default_factory=list)  # secret names this step touches

    def describe(self) -> str:
        if self.kind in (StepKind.UPDATE, StepKind.DISABLE):
            fields = [k for k in self.changes if k != "enabled" or self.kind is StepKind.UPDATE]
            what = f" ({', '.join(fields)})" if fields else ""
            return f"{self.kind}{what}"
        if self.keys:
            return f"{self.kind} {', '.join(self.keys)}"
        return str(self.kind)

    def to_json(self) -> dict[str, Any]:
        return {"hook": self.hook, "step": str(self.kind), "remote_id": self.remote_id,
                "fields": [k for k in self.changes if self.kind not in _SECRET_STEPS] or None,
                "secrets": self.keys or None}


_SECRET_STEPS = (StepKind.DELETE_SECRETS, StepKind.UPDATE_SECRETS, StepKind.ADD_SECRETS)


@dataclass
class Skip:
    hook: str
    reason: str
    error: bool = False  # refused (invalid, cannot be pushed) rather than left alone on purpose

    def to_json(self) -> dict[str, Any]:
        return {"hook": self.hook, "reason": self.reason, "refused": self.error}


@dataclass
class PushPlan:
    steps: list[Step]
    skipped: list[Skip]
    entries: dict[str, Entry]  # every hook considered, by name
    start: dict[str, Snapshot]  # per hook with steps: what the tenant has now (the base to build on)
    record: list[Entry] = field(default_factory=list)  # in sync, but the state file does not say so yet

    @property
    def empty(self) -> bool:
        return not self.steps

    def hooks(self) -> list[str]:
        return list(dict.fromkeys(s.hook for s in self.steps))

    def to_json(self) -> dict[str, Any]:
        return {"steps": [s.to_json() for s in self.steps], "skipped": [s.to_json() for s in self.skipped]}


def plan_push(entries: Iterable[Entry], state: SyncState, *, only: Iterable[str] | None = None,
              force: bool = False, allow_delete: bool = False,
              refused: Mapping[str, str] | None = None) -> PushPlan:
    """The steps that make the tenant match the workspace for the hooks in `only` (all when None).

    `refused` maps hook names to why they must not be pushed (invalid, does not compile).
    A conflict, and a hook changed only on the tenant, are skipped unless `force` (then the
    tenant's change is undone: with `allow_delete` too, the tenant ends up exactly as the
    workspace, as deploy-cli leaves it); a hook only on the tenant is deleted only with
    `allow_delete`.
    """
    entries = list(entries)
    wanted = None if only is None else set(only)
    refused = dict(refused or {})
    steps: list[Step] = []
    skipped: list[Skip] = []
    start: dict[str, Snapshot] = {}
    planned: dict[str, Entry] = {}
    record: list[Entry] = []
    for entry in entries:
        if wanted is not None and entry.name not in wanted:
            continue
        if entry.name in refused and entry.local is not None:
            skipped.append(Skip(entry.name, refused[entry.name], error=True))
            continue
        status = entry.status
        if status is Status.IN_SYNC:
            if needs_record(entry):
                record.append(entry)
            continue
        if status is Status.CHANGED_REMOTELY and not force:
            skipped.append(Skip(entry.name, f"changed on the tenant ({', '.join(entry.remote_changes)}): "
                                            f"pull it first, or push --force to undo the tenant's change"))
            continue
        if status is Status.CONFLICT and not force:
            skipped.append(Skip(entry.name, f"conflict: {entry.note}; `hooktui diff {entry.name}`, then "
                                            f"pull, or push --force to overwrite the tenant's copy"))
            continue
        if entry.local is None:
            if not allow_delete:
                why = entry.note or "only on the tenant"
                skipped.append(Skip(entry.name, f"{why}: pull it, or push --allow-delete to delete it "
                                                f"on the tenant"))
                continue
            assert entry.remote is not None
            steps.append(Step(entry.name, StepKind.DELETE, entry.remote.id))
            planned[entry.name] = entry
            start[entry.name] = entry.remote.snapshot()
            continue
        hook_steps, problem = _steps_to_local(entry, state)
        if problem:
            skipped.append(Skip(entry.name, problem, error=True))
            continue
        if hook_steps:
            steps.extend(hook_steps)
            planned[entry.name] = entry
            start[entry.name] = tenant_snapshot(entry)
    _keep_what_refused_hooks_need(entries, planned, steps, skipped)
    _check_enabled(entries, planned, steps, skipped)
    steps.sort(key=lambda s: PHASE[s.kind])  # stable: hooks keep their order inside a phase
    return PushPlan(steps, skipped, {e.name: e for e in entries}, start, record)


def needs_record(entry: Entry) -> bool:
    """An entry in sync whose base is missing or stale (both sides made the same change)."""
    return (entry.status is Status.IN_SYNC and entry.remote is not None and entry.local is not None
            and (entry.base is None or bool(entry.local_changes or entry.remote_changes)))


def tenant_snapshot(entry: Entry) -> Snapshot:
    """The tenant's hook as it is now (what a push builds on, what a pull records), with the
    fingerprints the base knows for the secret values the tenant has not changed since."""
    if entry.remote is None:
        return Snapshot.make(entry.name, "", False, "")
    snap = entry.remote.snapshot()
    if entry.base is not None and "secrets" not in entry.remote_changes:
        known = entry.base.secret_map
        snap = snap.with_changes(secrets={k: known.get(k) for k in snap.secret_map})
    return snap


def _steps_to_local(entry: Entry, state: SyncState) -> tuple[list[Step], str | None]:
    local, remote = entry.local, entry.remote
    assert local is not None
    unknown = sorted(k for k, v in local.secrets.items() if v == VALUE_NOT_SHOWN)
    recreate = remote is not None and remote.trigger != local.trigger
    if remote is None or recreate:
        if unknown:
            why = "the hook is created anew" if remote is None else \
                "its trigger changes, so the hook is deleted and created anew"
            return [], (f"{why}, but the value of secret {', '.join(unknown)} is {VALUE_NOT_SHOWN} in "
                        f"the workspace: put the value in the hook's JSON (or a keyword mapping) first")
        steps = []
        if recreate:
            assert remote is not None
            steps.append(Step(local.name, StepKind.DELETE, remote.id))
        body = {"name": local.name, "script": local.script, "triggerId": local.trigger,
                "enabled": local.enabled and not local.secrets, "dependencies": dict(local.dependencies)}
        steps.append(Step(local.name, StepKind.CREATE, None, body))
        if local.secrets:
            steps.append(Step(local.name, StepKind.ADD_SECRETS, None, dict(local.secrets), sorted(local.secrets)))
            if local.enabled:
                steps.append(Step(local.name, StepKind.ENABLE, None, {"enabled": True}))
        return steps, None

    base_fps = tenant_snapshot(entry).secret_map
    delete = sorted(k for k in remote.secret_keys if k not in local.secrets)
    missing = sorted(k for k in local.secrets if k not in remote.secret_keys)
    if any(k in unknown for k in missing):
        lost = [k for k in missing if k in unknown]
        return [], (f"secret {', '.join(lost)} is not on the tenant and its value is {VALUE_NOT_SHOWN} "
                    f"in the workspace: put the value in the hook's JSON first")
    update = sorted(
        k for k in local.secrets
        if k in remote.secret_keys and k not in unknown
        and (base_fps.get(k) is None or base_fps.get(k) != state.fingerprint(local.secrets[k]))
    )
    changes: dict[str, Any] = {}
    if remote.name != local.name:
        changes["name"] = local.name
    if remote.script != local.script:
        changes["script"] = local.script
    if dict(remote.dependencies) != dict(local.dependencies):
        changes["dependencies"] = dict(local.dependencies)
    secret_steps = []
    if delete:
        secret_steps.append(Step(local.name, StepKind.DELETE_SECRETS, remote.id, {}, delete))
    if update:
        secret_steps.append(Step(local.name, StepKind.UPDATE_SECRETS, remote.id,
                                 {k: local.secrets[k] for k in update}, update))
    if missing:
        secret_steps.append(Step(local.name, StepKind.ADD_SECRETS, remote.id,
                                 {k: local.secrets[k] for k in missing}, missing))
    steps = []
    if remote.enabled and not local.enabled:
        steps.append(Step(local.name, StepKind.DISABLE, remote.id, {**changes, "enabled": False}))
    elif local.enabled and not remote.enabled and not secret_steps:
        steps.append(Step(local.name, StepKind.UPDATE, remote.id, {**changes, "enabled": True}))
    else:
        if changes:
            steps.append(Step(local.name, StepKind.UPDATE, remote.id, changes))
        if local.enabled and not remote.enabled:
            secret_steps.append(Step(local.name, StepKind.ENABLE, remote.id, {"enabled": True}))
    return steps + secret_steps, None


def _keep_what_refused_hooks_need(entries: list[Entry], planned: dict[str, Entry], steps: list[Step],
                                  skipped: list[Skip]) -> None:
    """A hook only on the tenant is not deleted while a refused hook of the plan expects the value
    of one of its secrets from the tenant (_VALUE_NOT_SHOWN_): that is how a rename looks when it
    cannot be recognised (files moved and edited at once), and the tenant holds the only copy."""
    by_name = {e.name: e for e in entries}
    waiting: dict[str, set[str]] = {}
    for skip in skipped:
        entry = by_name.get(skip.hook)
        if skip.error and entry is not None and entry.local is not None:
            keys = {k for k, v in entry.local.secrets.items() if v == VALUE_NOT_SHOWN}
            if keys:
                waiting[skip.hook] = keys
    for step in [s for s in steps if s.kind is StepKind.DELETE]:
        entry = planned.get(step.hook)
        if entry is None or entry.local is not None or entry.remote is None:
            continue  # a trigger change deletes and creates one hook: refused as a whole already
        for other, keys in waiting.items():
            shared = sorted(keys & entry.remote.secret_keys)
            if shared:
                skipped.append(Skip(step.hook, (
                    f"not deleted: {other} (refused) expects the value of secret {', '.join(shared)} from the "
                    f"tenant ({VALUE_NOT_SHOWN}), and {step.hook} holds it. If {other} is {step.hook} renamed, "
                    f"rename it back, push, then rename it alone and push again (or put the values in "
                    f"{other}'s JSON)"), error=True))
                steps[:] = [s for s in steps if s.hook != step.hook]
                planned.pop(step.hook, None)
                break


def _check_enabled(entries: list[Entry], planned: dict[str, Entry], steps: list[Step],
                   skipped: list[Skip]) -> None:
    """Drop what would leave two enabled hooks on one trigger once the plan is done: the hooks
    the plan enables lose to a hook enabled on the tenant that the plan leaves alone."""
    final: dict[str, list[str]] = {}
    for entry in entries:
        if entry.name in planned:
            if entry.local is not None and entry.local.enabled:
                final.setdefault(entry.local.trigger, []).append(entry.name)
        elif entry.remote is not None and entry.remote.enabled:
            final.setdefault(entry.remote.trigger, []).append(entry.name)
    for trigger, names in final.items():
        if len(names) < 2:
            continue
        staying = [n for n in names if n not in planned]
        for name in names:
            if name not in planned:
                continue
            others = [n for n in names if n != name]
            if staying:
                reason = (f"would be the second enabled {trigger} hook: {', '.join(staying)} stays enabled "
                          f"on the tenant; disable it (push it too) or disable this one")
            else:
                reason = f"{', '.join(others)} would also be enabled for {trigger}; enable one of them only"
            skipped.append(Skip(name, reason, error=True))
            steps[:] = [s for s in steps if s.hook != name]
            planned.pop(name, None)


def apply_step(snapshot: Snapshot, step: Step, state: SyncState) -> Snapshot:
    """What the tenant's copy is after `step` succeeded (for the state file)."""
    kind, changes = step.kind, step.changes
    if kind is StepKind.CREATE:
        return Snapshot.make(changes["name"], changes["triggerId"], changes.get("enabled", False),
                             changes["script"], dependencies=changes.get("dependencies") or {})
    if kind in (StepKind.UPDATE, StepKind.DISABLE, StepKind.ENABLE):
        out = snapshot
        if "name" in changes:
            out = out.with_changes(name=changes["name"])
        if "script" in changes:
            out = out.with_changes(script_sha256=script_digest(changes["script"]))
        if "dependencies" in changes:
            out = out.with_changes(dependencies=changes["dependencies"])
        if "enabled" in changes:
            out = out.with_changes(enabled=bool(changes["enabled"]))
        return out
    secrets = snapshot.secret_map
    if kind is StepKind.DELETE_SECRETS:
        for key in step.keys:
            secrets.pop(key, None)
    else:
        secrets.update({k: state.fingerprint(v) for k, v in changes.items()})
    return snapshot.with_changes(secrets=secrets)


# ---------------------------------------------------------------------------- pull


class PullAction(StrEnum):
    WRITE = "write"  # the workspace takes the tenant's copy
    CREATE = "create"  # a new hook in the workspace
    BESIDE = "beside"  # conflict: the tenant's script goes to <name>.remote.js
    RECORD = "record"  # the two are the same: remember it as synced


@dataclass
class PullItem:
    entry: Entry
    action: PullAction


@dataclass
class PullPlan:
    items: list[PullItem]
    skipped: list[Skip]

    def to_json(self) -> dict[str, Any]:
        return {"actions": [{"hook": i.entry.name, "action": str(i.action)} for i in self.items],
                "skipped": [s.to_json() for s in self.skipped]}


def plan_pull(entries: Iterable[Entry], *, only: Iterable[str] | None = None) -> PullPlan:
    """What `pull` does per hook. It never overwrites a local change: a conflict puts the tenant's
    copy beside the local one."""
    wanted = None if only is None else set(only)
    items: list[PullItem] = []
    skipped: list[Skip] = []
    for entry in entries:
        if wanted is not None and entry.name not in wanted:
            continue
        status = entry.status
        if status is Status.IN_SYNC:
            if needs_record(entry):
                items.append(PullItem(entry, PullAction.RECORD))
        elif status is Status.CHANGED_REMOTELY:
            items.append(PullItem(entry, PullAction.WRITE))
        elif status is Status.ONLY_REMOTE:
            if entry.base is not None:
                skipped.append(Skip(entry.name, "deleted in the workspace since the last sync: restore its "
                                                "files to keep it, or push --allow-delete to delete it on the tenant"))
            else:
                items.append(PullItem(entry, PullAction.CREATE))
        elif status is Status.CONFLICT:
            if entry.local is None:
                skipped.append(Skip(entry.name, f"conflict: {entry.note}; restore its files to get the "
                                                f"tenant's copy"))
            else:
                items.append(PullItem(entry, PullAction.BESIDE))
        elif status is Status.CHANGED_LOCALLY:
            skipped.append(Skip(entry.name, f"changed locally ({', '.join(entry.local_changes)}): push it"))
        elif status is Status.ONLY_LOCAL:
            if entry.base is not None:
                skipped.append(Skip(entry.name, "deleted on the tenant since the last sync: push to create it "
                                                "again, or delete it here"))
    return PullPlan(items, skipped)
