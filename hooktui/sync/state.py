"""`.hooktui/state.json`, what was last synced with each tenant, and the `Snapshot` of a hook it
keeps: each field, a hash of the script, and a fingerprint of each secret value, never the value.

The fingerprint is an HMAC under a per-user key kept in the user's data folder
(hooktui.core.userdata), never in the workspace: a state file that leaks with a repository
cannot be used to try short values. The file is written 0600 anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hooktui.core.files import atomic_write, dump_json
from hooktui.core.state_dir import ensure_state_dir

VALUE_NOT_SHOWN = "_VALUE_NOT_SHOWN_"
STATE_FILE = "state.json"
STATE_VERSION = 2
# Version 1 kept a salt beside HMAC(salt, value): readable, so it is migrated on first use.
LEGACY_VERSION = 1
# The base fingerprint of a value that a version-1 file proves was changed since it was pushed.
CHANGED_SINCE_PUSH = "changed-since-the-last-push"
FIELDS = ("name", "triggerId", "enabled", "script", "dependencies", "secrets")


class SyncStateError(Exception):
    """The state file cannot be read; the message names it and says what to do."""


# ---------------------------------------------------------------------------- snapshots


def script_digest(text: str) -> str:
    # surrogatepass: a hook refused for a lone surrogate is still compared, never a crash.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A hook as one side has it. `secrets` maps each key to a fingerprint of its value, or
    None when the value is not known (always so on the remote side)."""

    name: str
    trigger: str
    enabled: bool
    script_sha256: str
    dependencies: tuple[tuple[str, str], ...]
    secrets: tuple[tuple[str, str | None], ...]

    @classmethod
    def make(cls, name: str, trigger: str, enabled: bool, script: str | None = None, *,
             script_sha256: str | None = None, dependencies: Mapping[str, str] | None = None,
             secrets: Mapping[str, str | None] | None = None) -> Snapshot:
        digest = script_sha256 if script_sha256 is not None else script_digest(script or "")
        return cls(name, trigger, bool(enabled), digest, tuple(sorted((dependencies or {}).items())),
                   tuple(sorted((secrets or {}).items())))

    @property
    def secret_map(self) -> dict[str, str | None]:
        return dict(self.secrets)

    @property
    def dependency_map(self) -> dict[str, str]:
        return dict(self.dependencies)

    def with_changes(self, **changes: Any) -> Snapshot:
        if "dependencies" in changes:
            changes["dependencies"] = tuple(sorted(dict(changes["dependencies"]).items()))
        if "secrets" in changes:
            changes["secrets"] = tuple(sorted(dict(changes["secrets"]).items()))
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "triggerId": self.trigger, "enabled": self.enabled,
            "script_sha256": self.script_sha256, "dependencies": self.dependency_map,
            "secrets": self.secret_map,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls.make(
            str(data["name"]), str(data["triggerId"]), bool(data["enabled"]),
            script_sha256=str(data["script_sha256"]),
            dependencies={str(k): str(v) for k, v in dict(data.get("dependencies") or {}).items()},
            secrets={str(k): (None if v is None else str(v)) for k, v in dict(data.get("secrets") or {}).items()},
        )


def differences(a: Snapshot, b: Snapshot) -> list[str]:
    """The fields in which two snapshots differ. A secret value differs only when both sides
    know its fingerprint."""
    out = []
    if a.name != b.name:
        out.append("name")
    if a.trigger != b.trigger:
        out.append("triggerId")
    if a.enabled != b.enabled:
        out.append("enabled")
    if a.script_sha256 != b.script_sha256:
        out.append("script")
    if a.dependencies != b.dependencies:
        out.append("dependencies")
    sa, sb = a.secret_map, b.secret_map
    if sa.keys() != sb.keys() or any(
        sa[k] is not None and sb[k] is not None and sa[k] != sb[k] for k in sa
    ):
        out.append("secrets")
    return out


# ---------------------------------------------------------------------------- state file


@dataclass
class TenantState:
    """What was last synced with one tenant: remote id -> (local hook name, snapshot), and the
    workspace file each hook was synced from (which finds a hook renamed since)."""

    hooks: dict[str, tuple[str, Snapshot]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def by_local(self, name: str) -> str | None:
        for remote_id, (local, _) in self.hooks.items():
            if local == name:
                return remote_id
        return None


class SyncState:
    """`.hooktui/state.json`: per tenant, per remote id, what was last synced. Written atomically,
    mode 0600, after every step that succeeded (so a push cut short records what it did).

    `key` is the fingerprints' HMAC key; by default the user's (hooktui.core.userdata), read or
    created on first need. The file names the key by an id (an HMAC of a constant, which tells
    nothing of the key): fingerprints made under another key (another user, a lost key file)
    cannot be checked and load as None, "unknown, value kept".
    """

    def __init__(self, path: Path, tenants: dict[str, TenantState], *, key: bytes | None = None,
                 legacy_salt: str | None = None) -> None:
        self.path = path
        self.tenants = tenants
        self._key = key
        self.legacy_salt = legacy_salt  # a version-1 file's, until upgrade() re-fingerprints

    @property
    def key(self) -> bytes:
        if self._key is None:
            from hooktui.core.userdata import state_key

            try:
                self._key = state_key()
            except OSError as exc:
                raise SyncStateError(f"cannot read or create the key of the state file's fingerprints: "
                                     f"{exc}; check the permissions of that folder") from None
        return self._key

    @property
    def key_id(self) -> str:
        return hmac.new(self.key, b"hooktui state key id", hashlib.sha256).hexdigest()[:16]

    @classmethod
    def load(cls, state_dir: Path, *, key: bytes | None = None) -> SyncState:
        path = Path(state_dir) / STATE_FILE
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, {}, key=key)
        except (OSError, UnicodeDecodeError) as exc:
            raise SyncStateError(f"cannot read {path}: {exc}; fix its permissions or delete it "
                                 f"(every hook then counts as never synced)") from None
        try:
            data = json.loads(raw)
            version = data.get("version") if isinstance(data, dict) else "?"
            if version not in (STATE_VERSION, LEGACY_VERSION):
                raise ValueError(f"unknown format (version {version})")
            tenants = {}
            for tenant, entry in dict(data.get("tenants") or {}).items():
                hooks = {
                    str(remote_id): (str(item["local"]), Snapshot.from_json(item))
                    for remote_id, item in dict(entry.get("hooks") or {}).items()
                }
                files = {str(remote_id): str(item["file"]) for remote_id, item in dict(entry.get("hooks") or {}).items()
                         if isinstance(item.get("file"), str)}
                tenants[str(tenant)] = TenantState(hooks, files)
            legacy_salt = str(data["salt"]) if version == LEGACY_VERSION else None
            key_id = None if version == LEGACY_VERSION else data.get("key")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SyncStateError(
                f"{path} is damaged ({exc}); delete it and every hook counts as never synced "
                f"(nothing on the tenant or in the workspace is lost)"
            ) from None
        state = cls(path, tenants, key=key, legacy_salt=legacy_salt)
        if legacy_salt is None and state._has_fingerprints() and key_id != state.key_id:
            state._forget_fingerprints()  # made under another key: they cannot be checked
        return state

    def _has_fingerprints(self) -> bool:
        return any(fp is not None for t in self.tenants.values() for _, snap in t.hooks.values()
                   for _, fp in snap.secrets)

    def _forget_fingerprints(self) -> None:
        for tenant in self.tenants.values():
            for rid, (local, snap) in list(tenant.hooks.items()):
                tenant.hooks[rid] = (local, snap.with_changes(secrets=dict.fromkeys(snap.secret_map)))

    def upgrade(self, locals_: Iterable[Any]) -> None:
        """Re-fingerprint a version-1 file under the user's key, checking each old fingerprint
        against the workspace's value (`locals_`: the LocalHooks, by `name` and `secrets`): the same value gets the new fingerprint, another value
        is marked changed (a push sends it), and what cannot be checked (no local value) becomes
        unknown. The salted form is gone from the file at once."""
        salt, self.legacy_salt = self.legacy_salt, None
        if salt is None:
            return
        values = {h.name: h.secrets for h in locals_}

        def legacy(value: str) -> str:
            return hmac.new(salt.encode(), value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

        for tenant in self.tenants.values():
            for rid, (local, snap) in list(tenant.hooks.items()):
                now = values.get(local, {})
                secrets: dict[str, str | None] = {}
                for key, old in snap.secrets:
                    value = now.get(key)
                    if old is None or value is None or value == VALUE_NOT_SHOWN:
                        secrets[key] = None
                    elif hmac.compare_digest(legacy(value), old):
                        secrets[key] = self.fingerprint(value)
                    else:
                        secrets[key] = CHANGED_SINCE_PUSH
                tenant.hooks[rid] = (local, snap.with_changes(secrets=secrets))
        self.save()

    def tenant(self, base_url: str) -> TenantState:
        return self.tenants.setdefault(base_url, TenantState())

    def fingerprint(self, value: str) -> str | None:
        if value == VALUE_NOT_SHOWN:
            return None
        return hmac.new(self.key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def record(self, base_url: str, remote_id: str, local: str, snapshot: Snapshot, *,
               file: str | None = None) -> None:
        tenant = self.tenant(base_url)
        for other in [rid for rid, (name, _) in tenant.hooks.items() if name == local and rid != remote_id]:
            del tenant.hooks[other]  # a hook recreated under a new id (trigger change)
            tenant.files.pop(other, None)
        tenant.hooks[remote_id] = (local, snapshot)
        if file:
            tenant.files[remote_id] = file
        self.save()

    def forget(self, base_url: str, remote_id: str) -> None:
        tenant = self.tenant(base_url)
        tenant.files.pop(remote_id, None)
        if tenant.hooks.pop(remote_id, None) is not None:
            self.save()

    def save(self) -> None:
        if self.legacy_salt is not None:
            self._forget_fingerprints()  # saved before upgrade(): never write the salted form again
            self.legacy_salt = None
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if self._has_fingerprints():
            data["key"] = self.key_id
        data["tenants"] = {
            tenant: {"hooks": {rid: {"local": local, **({"file": state.files[rid]} if rid in state.files else {}),
                                     **snap.to_json()}
                               for rid, (local, snap) in sorted(state.hooks.items())}}
            for tenant, state in sorted(self.tenants.items())
            if state.hooks
        }
        ensure_state_dir(self.path.parent)  # with the .gitignore that keeps it out of git
        atomic_write(self.path, dump_json(data), mode=0o600)
