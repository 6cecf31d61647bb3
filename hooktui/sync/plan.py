"""Sync between the workspace and a tenant: each hook's status, and the plan that brings one side
to the other. Pure: no network here (hooktui.sync.apply talks to the API).

Three views of a hook are compared, each as a `Snapshot`:
- local: the workspace's hook, after keyword replacement (what a push would send);
- remote: the tenant's hook and its secret names (the API never shows secret values);
- base: what was last synced, from `.hooktui/state.json` (hooktui.sync.state), one record per
  tenant and remote id, with a fingerprint of each secret value pushed (None for a value it never
  saw, e.g. one pulled as `_VALUE_NOT_SHOWN_`), so that a changed value is noticed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hooktui.core.workspace import WorkspaceError
from hooktui.sync.state import VALUE_NOT_SHOWN, Snapshot, SyncState, TenantState, differences, script_digest
from hooktui.sync.state import SyncStateError as SyncStateError  # the faces catch it from here

# ---------------------------------------------------------------------------- sides


@dataclass(frozen=True)
class LocalHook:
    """What the workspace says a hook is: the deployed name and the values a push sends."""

    name: str  # deployed name
    trigger: str
    enabled: bool
    script: str  # after keyword replacement
    dependencies: Mapping[str, str]
    secrets: Mapping[str, str]  # values; VALUE_NOT_SHOWN means "keep the tenant's"
    meta_file: str = ""  # the hook's JSON, relative to the workspace (what a rename keeps)
    script_file: str = ""

    def snapshot(self, state: SyncState) -> Snapshot:
        return Snapshot.make(
            self.name, self.trigger, self.enabled, self.script, dependencies=self.dependencies,
            secrets={k: state.fingerprint(v) for k, v in self.secrets.items()},
        )


@dataclass(frozen=True)
class RemoteHook:
    """The tenant's hook: the API's fields and its secret names."""

    id: str
    name: str
    trigger: str
    enabled: bool
    script: str
    dependencies: Mapping[str, str]
    secret_keys: frozenset[str]

    @classmethod
    def from_api(cls, data: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> RemoteHook:
        return cls(
            str(data["id"]), str(data.get("name", "")), str(data.get("triggerId", "")),
            bool(data.get("enabled", False)), str(data.get("script") or ""),
            {str(k): str(v) for k, v in dict(data.get("dependencies") or {}).items()},
            frozenset(secret_keys),
        )

    def snapshot(self) -> Snapshot:
        return Snapshot.make(self.name, self.trigger, self.enabled, self.script,
                             dependencies=self.dependencies, secrets=dict.fromkeys(self.secret_keys))


# ---------------------------------------------------------------------------- status


class Status(StrEnum):
    IN_SYNC = "in sync"
    CHANGED_LOCALLY = "changed locally"
    CHANGED_REMOTELY = "changed remotely"
    CONFLICT = "conflict"
    ONLY_LOCAL = "only local"
    ONLY_REMOTE = "only remote"


@dataclass
class Entry:
    """One hook's status against one tenant."""

    name: str  # the local deployed name, else the remote name
    status: Status
    local: LocalHook | None
    remote: RemoteHook | None
    base: Snapshot | None
    local_changes: list[str]  # fields changed since the base (or differing, with no base)
    remote_changes: list[str]
    note: str = ""

    @property
    def remote_id(self) -> str | None:
        return self.remote.id if self.remote else None

    def to_json(self) -> dict[str, Any]:
        return {
            "hook": self.name, "status": str(self.status), "remote_id": self.remote_id,
            "local_changes": self.local_changes, "remote_changes": self.remote_changes,
            "note": self.note or None,
        }


def compare(locals_: Iterable[LocalHook], remotes: Iterable[RemoteHook], tenant: TenantState,
            state: SyncState) -> list[Entry]:
    """Each hook's status. A local hook is matched to the tenant's by the id last synced: found
    by its name, else by the file it was synced from (its `name` was edited), else (its files were
    moved too) as the one new hook with the trigger and script last synced; the rest by name.
    Sorted by name."""
    locals_ = list(locals_)
    if state.legacy_salt is not None:
        state.upgrade(locals_)
    remotes = {r.id: r for r in remotes}
    by_name = {h.name: h for h in locals_}
    by_file = {h.meta_file: h for h in locals_ if h.meta_file}
    used_local: set[str] = set()
    pairs: dict[str, LocalHook | None] = {}
    records = [(rid, local_name, base) for rid, (local_name, base) in tenant.hooks.items()
               if rid in remotes or local_name in by_name]
    for rid, local_name, _ in records:
        local = by_name.get(local_name)
        if local is not None and local.name not in used_local:
            pairs[rid] = local
            used_local.add(local.name)
    claimed = {local_name for _, local_name, _ in records}
    for rid, _, _ in records:
        if rid in pairs or rid not in remotes:
            continue
        local = by_file.get(tenant.files.get(rid, ""))
        if local is not None and local.name not in used_local and local.name not in claimed:
            pairs[rid] = local
            used_local.add(local.name)
    remote_names = {r.name for r in remotes.values() if r.id not in tenant.hooks}
    orphans = [(rid, base) for rid, _, base in records if rid not in pairs and rid in remotes]
    strays = [h for h in locals_ if h.name not in used_local and h.name not in claimed
              and h.name not in remote_names]
    for rid, base in orphans:
        remote = remotes[rid]
        digests = {base.script_sha256, script_digest(remote.script)}
        like = [h for h in strays if h.trigger == remote.trigger and script_digest(h.script) in digests]
        if len(like) != 1:
            continue
        others = [o for o, b in orphans if o != rid and remotes[o].trigger == remote.trigger
                  and script_digest(like[0].script) in {b.script_sha256, script_digest(remotes[o].script)}]
        if not others:  # one candidate each way, or it is a guess
            pairs[rid] = like[0]
            used_local.add(like[0].name)
            strays.remove(like[0])

    entries: list[Entry] = []
    used_remote: set[str] = set()
    for rid, local_name, base in records:
        local, remote = pairs.get(rid), remotes.get(rid)
        if local is None and remote is None:
            continue
        if remote is not None:
            used_remote.add(remote.id)
        entries.append(_entry(local, remote, base, state))
    unmatched = {r.name: r for r in remotes.values() if r.id not in used_remote}
    for local in locals_:
        if local.name in used_local:
            continue
        remote = unmatched.pop(local.name, None)
        if remote is not None:
            used_remote.add(remote.id)
        entries.append(_entry(local, remote, None, state))
    for remote in remotes.values():
        if remote.id not in used_remote:
            entries.append(_entry(None, remote, None, state))
    return sorted(entries, key=lambda e: (e.name, e.remote_id or ""))


def _entry(local: LocalHook | None, remote: RemoteHook | None, base: Snapshot | None,
           state: SyncState) -> Entry:
    ls = local.snapshot(state) if local else None
    rs = remote.snapshot() if remote else None
    name = local.name if local else remote.name if remote else "?"
    if ls is not None and rs is not None:
        if base is None:
            return _never_synced(name, local, remote, ls, rs)
        lc, rc = differences(ls, base), differences(rs, base)
        if lc and rc:
            if not differences(ls, rs):
                if _secret_values_changed(ls, base):
                    # The same change on both sides, and secret values changed here: those are
                    # still to push (the tenant never shows its values).
                    return Entry(name, Status.CHANGED_LOCALLY, local, remote, base, ["secrets"], rc,
                                 "the tenant has the workspace's other changes already")
                return Entry(name, Status.IN_SYNC, local, remote, base, lc, rc, "both sides made the same change")
            return Entry(name, Status.CONFLICT, local, remote, base, lc, rc,
                         "changed on both sides since the last sync")
        if lc:
            return Entry(name, Status.CHANGED_LOCALLY, local, remote, base, lc, [])
        if rc:
            return Entry(name, Status.CHANGED_REMOTELY, local, remote, base, [], rc)
        return Entry(name, Status.IN_SYNC, local, remote, base, [], [])
    if ls is not None:
        note = "deleted on the tenant since the last sync" if base is not None else ""
        return Entry(name, Status.ONLY_LOCAL, local, None, base, [], [], note)
    assert rs is not None
    if base is None:
        return Entry(name, Status.ONLY_REMOTE, None, remote, None, [], [])
    rc = differences(rs, base)
    if rc:
        return Entry(name, Status.CONFLICT, None, remote, base, ["deleted"], rc,
                     "deleted in the workspace but changed on the tenant since the last sync")
    return Entry(name, Status.ONLY_REMOTE, None, remote, base, ["deleted"], [],
                 "deleted in the workspace since the last sync")


def _never_synced(name: str, local: LocalHook | None, remote: RemoteHook | None, ls: Snapshot,
                  rs: Snapshot) -> Entry:
    """A local and a tenant hook of one name, with no record of a sync between them."""
    diff = differences(ls, rs)
    unverified = [k for k, fp in ls.secrets if fp is not None]
    if not diff and not unverified:
        return Entry(name, Status.IN_SYNC, local, remote, None, [], [])
    # What a push from here leaves when its answers are lost (the client or the tenant killed
    # mid-way): the same script and settings, created disabled, secrets not all added yet. The
    # push that finishes it only adds to the tenant's copy, so it needs no --force.
    only_additions = (set(diff) <= {"enabled", "secrets"}
                      and rs.secret_map.keys() <= ls.secret_map.keys()
                      and not (rs.enabled and not ls.enabled))
    if not diff or only_additions:
        return Entry(name, Status.CHANGED_LOCALLY, local, remote, None, diff or ["secrets"], [],
                     "never synced from here, but the tenant's copy has the same script and settings: "
                     "a push sends the workspace's secret values and enabled flag")
    return Entry(name, Status.CONFLICT, local, remote, None, diff, diff,
                 "never synced from here and the two differ: diff them, then push --force "
                 "to make the tenant match, or pull to get the tenant's copy beside yours")


def _secret_values_changed(ls: Snapshot, base: Snapshot) -> bool:
    b = base.secret_map
    return any(fp is not None and b.get(k) != fp for k, fp in ls.secrets)


def select(entries: Iterable[Entry], names: Iterable[str]) -> list[Entry]:
    """The entries of `names`, in that order; an unknown name is an error that names it."""
    known = {e.name: e for e in entries}
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise WorkspaceError(f"no hook named {', '.join(unknown)} in the workspace or on the tenant; "
                             f"`hooktui status` lists them")
    return [known[n] for n in names]


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


# ---------------------------------------------------------------------------- diff


def _settings_lines(name: str, trigger: str, enabled: bool, dependencies: Mapping[str, str],
                    secrets: Mapping[str, str]) -> list[str]:
    shown = {
        "name": name, "triggerId": trigger, "enabled": enabled,
        "dependencies": dict(sorted(dependencies.items())), "secrets": dict(sorted(secrets.items())),
    }
    return json.dumps(shown, indent=2, ensure_ascii=False).splitlines(keepends=True)


def diff_entry(entry: Entry, state: SyncState, *, script_path: str | None = None) -> str:
    """A unified diff from the tenant's copy (---) to the workspace's (+++): the script, then the
    settings. Secret values never appear: a secret shows as "(set)", "(changed here)" when the
    workspace's value differs from the one last pushed, or "(value kept)" for _VALUE_NOT_SHOWN_."""
    import difflib

    name = entry.name
    local, remote = entry.local, entry.remote
    remote_label = f"tenant/{remote.name}.js" if remote else "/dev/null"
    local_label = (script_path or (local.script_file or f"hooks/{local.name}.js")) if local else "/dev/null"
    remote_script = remote.script if remote else ""
    local_script = local.script if local else ""
    out: list[str] = []

    def lines(text: str) -> list[str]:
        parts = text.splitlines(keepends=True)
        if parts and not parts[-1].endswith("\n"):
            parts[-1] += "\n\\ No newline at end of file\n"
        return parts

    out.extend(difflib.unified_diff(lines(remote_script), lines(local_script), remote_label, local_label))
    base = entry.base.secret_map if entry.base else {}
    remote_secrets = {k: "(set)" for k in sorted(remote.secret_keys)} if remote else {}
    local_secrets: dict[str, str] = {}
    if local:
        for key, value in local.secrets.items():
            if value == VALUE_NOT_SHOWN:
                local_secrets[key] = "(value kept)"
            elif key in remote_secrets and base.get(key) not in (None, state.fingerprint(value)):
                local_secrets[key] = "(changed here)"
            elif key in remote_secrets and base.get(key) is None:
                local_secrets[key] = "(set, not pushed from here yet)"
            else:
                local_secrets[key] = "(set)"
    remote_settings = _settings_lines(remote.name, remote.trigger, remote.enabled, remote.dependencies,
                                      remote_secrets) if remote else []
    local_settings = _settings_lines(local.name, local.trigger, local.enabled, local.dependencies,
                                     local_secrets) if local else []
    out.extend(difflib.unified_diff(
        remote_settings, local_settings,
        f"tenant/{remote.name} (settings)" if remote else "/dev/null",
        f"{local.meta_file or f'hooks/{local.name}.json'} (settings)" if local else "/dev/null",
    ))
    return "".join(out)
