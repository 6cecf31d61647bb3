"""Each hook's status against one tenant: the two sides (`LocalHook`, `RemoteHook`), how a local hook is
matched to the tenant's (by the id last synced, its file, or its script) and what changed on which side.

Three views of a hook are compared, each as a `Snapshot`:
- local: the workspace's hook, after keyword replacement (what a push would send);
- remote: the tenant's hook and its secret names (the API never shows secret values);
- base: what was last synced, from `.hooktui/state.json` (hooktui.sync.state), one record per
  tenant and remote id, with a fingerprint of each secret value pushed (None for a value it never
  saw, e.g. one pulled as `_VALUE_NOT_SHOWN_`), so that a changed value is noticed.
Pure: no network here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hooktui.core.problems import WorkspaceError
from hooktui.sync.state import Snapshot, SyncState, TenantState, differences, script_digest

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

