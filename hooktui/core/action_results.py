"""What the Actions runtime takes and gives: an `ActionSpec` (one deployed version of an action, as
plain values), an `ActionResult` (one execution: the `api` commands in order, the outcome, the
error, the logs) and a `FlowResult` (a trigger's bound actions run in binding order, and what the
application gets). Their `to_json()` is the shape of `hooktui run --json` for actions."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The current version of each trigger hooktui runs, and the handler Auth0 calls.
ACTION_TRIGGERS: dict[str, tuple[str, str]] = {
    "post-login": ("v3", "onExecutePostLogin"),
    "credentials-exchange": ("v2", "onExecuteCredentialsExchange"),
    "pre-user-registration": ("v2", "onExecutePreUserRegistration"),
    "post-user-registration": ("v2", "onExecutePostUserRegistration"),
    "post-change-password": ("v2", "onExecutePostChangePassword"),
    "send-phone-message": ("v2", "onExecuteSendPhoneMessage"),
}
# Auth0's runtimes for actions today (node12/16 ended 2025-08-15; node18 is still offered).
ACTION_RUNTIMES = ("node22", "node18", "node18-actions")
COMPILE_ERROR_MESSAGE = "Unable to compile the extensibility code as javascript"

# The outcome of a trigger when nothing was applied (a failure): the same keys as actions_api.js
# gives a successful run, so that every result of one trigger has one shape.
_EMPTY = {
    "post-login": {"denied": None, "access_token_claims": {}, "id_token_claims": {}, "user_metadata": {}, "app_metadata": {},
                   "scopes": {"added": [], "removed": []}, "multifactor": None, "redirect": None, "validation_error": None,
                   "challenge": None, "primary_user": None, "transaction_metadata": None, "session": None,
                   "refresh_token": None, "saml": None, "prompt": None},
    "credentials-exchange": {"denied": None, "access_token_claims": {}, "target_scopes": None},
    "pre-user-registration": {"denied": None, "user_metadata": {}, "app_metadata": {}, "user_id": None, "validation_error": None},
}


def empty_outcome(trigger: str) -> dict[str, Any]:
    return copy.deepcopy(_EMPTY.get(trigger, {"denied": None}))


@dataclass(frozen=True)
class ActionSpec:
    """One version of an action, as Auth0 would have deployed it. Equal specs are one version: the
    runtime keeps its module scope across their runs; any change (code, secrets, dependencies,
    trigger) is a new version with a fresh scope, as a deploy is on Auth0."""

    name: str
    trigger_id: str
    code: str  # keywords already replaced
    trigger_version: str = ""  # "" = the trigger's current version
    code_path: str | None = None  # for stack traces and error locations
    secrets: Mapping[str, str] = field(default_factory=dict)
    dependencies: Mapping[str, str] = field(default_factory=dict)
    runtime: str = "node22"
    meta_file: str | None = None  # the action's .json file, named in dependency errors

    def __post_init__(self) -> None:
        if self.trigger_id not in ACTION_TRIGGERS:
            known = ", ".join(ACTION_TRIGGERS)
            raise ValueError(f"action {self.name!r}: hooktui runs the triggers {known}, not {self.trigger_id!r}")
        current = ACTION_TRIGGERS[self.trigger_id][0]
        if self.trigger_version and self.trigger_version != current:
            raise ValueError(
                f"action {self.name!r}: {self.trigger_id} {self.trigger_version} is not the version hooktui runs "
                f"({current}, the current one); set supported_triggers to {{\"id\": \"{self.trigger_id}\", \"version\": \"{current}\"}}"
            )
        if self.runtime not in ACTION_RUNTIMES:
            raise ValueError(f"action {self.name!r}: runtime {self.runtime!r} is not one Auth0 offers ({', '.join(ACTION_RUNTIMES)})")
        # Frozen, but built from dicts: copies, so a caller editing its dict changes no version.
        object.__setattr__(self, "secrets", dict(self.secrets))
        object.__setattr__(self, "dependencies", dict(self.dependencies))
        # Asked at every run: computed once (the spec is frozen).
        body = json.dumps(
            [self.name, self.trigger_id, self.version, self.code, self.code_path, self.runtime,
             sorted(self.secrets.items()), sorted(self.dependencies.items())],
            separators=(",", ":"),
        )
        object.__setattr__(self, "_identity", hashlib.sha256(body.encode()).hexdigest())

    @property
    def version(self) -> str:
        return self.trigger_version or ACTION_TRIGGERS[self.trigger_id][0]

    @property
    def identity(self) -> str:
        """A digest of everything a deploy would fix: one value per deployed version."""
        return self._identity  # type: ignore[attr-defined, no-any-return]

    def __hash__(self) -> int:
        return hash(self.identity)


def _error_from_envelope(data: Mapping[str, Any]) -> dict[str, Any]:
    """A failure the runtime itself reported (timeout, crash, syntax): as {name, message, stack}."""
    message = str(data.get("message") or "Unknown error")
    detail = data.get("error_description")
    if message == COMPILE_ERROR_MESSAGE and isinstance(detail, str):
        name, _, text = detail.partition(": ")
        return {"name": name if text else "SyntaxError", "message": text or detail, "stack": data.get("stack")}
    if detail:
        message = f"{message}: {detail}"
    return {"name": str(data.get("name") or "Error"), "message": message, "stack": data.get("stack")}


def _valid_cache(cache: Any) -> dict[str, Any] | None:
    """The cache a sandbox hands back, within Auth0's limits whatever the sandbox claims: it goes
    to the trigger's other actions, and a hostile one must not hand them more."""
    if not isinstance(cache, dict):
        return None
    out: dict[str, Any] = {}
    total = 0
    for key, record in list(cache.items())[:64]:
        if not isinstance(record, dict) or not isinstance(record.get("value"), str):
            continue
        expires = record.get("expires_at")
        if not isinstance(expires, (int, float)) or isinstance(expires, bool):
            continue
        size = len(str(key).encode()) + len(record["value"].encode())
        if len(str(key).encode()) > 64 or len(record["value"].encode()) > 4096 or total + size > 8192:
            continue
        total += size
        out[str(key)] = {"value": record["value"], "expires_at": expires}
    return out


@dataclass
class ActionResult:
    name: str
    trigger: str
    run_id: str
    status: str  # success | error
    commands: list[dict[str, Any]]
    outcome: dict[str, Any]
    error: dict[str, Any] | None
    logs: list[Any]  # LogEvent
    duration_ms: float
    warnings: list[str]
    persisted_log: str = ""  # what Auth0's execution log keeps of the console (256 characters)
    log_chars: int = 0
    location: Any = None  # SourceLocation of an error, when in the action's file
    crash: str | None = None
    logs_dropped: int = 0
    fresh_scope: bool = False
    carry: dict[str, Any] = field(default_factory=dict)  # what the next action of a flow sees
    cache: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def denied(self) -> dict[str, Any] | None:
        return self.outcome.get("denied")

    @property
    def error_message(self) -> str | None:
        if self.error is None:
            return None
        name = self.error.get("name")
        message = str(self.error.get("message") or "Unknown error")
        return f"{name}: {message}" if name and name != "Error" else message

    @classmethod
    def from_runtime(cls, name: str, trigger: str, run_id: str, event: Mapping[str, Any], logs: list[Any],
                     location: Any) -> ActionResult:
        envelope = event.get("envelope") or {}
        data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
        status = "success" if envelope.get("status") == "success" else "error"
        warnings = [str(w) for w in event.get("warnings") or []]
        if "commands" in data:
            error = data.get("error")
            if status == "error" and not isinstance(error, dict):
                error = {"name": "Error", "message": "Unknown error", "stack": None}
            outcome = data.get("outcome") if isinstance(data.get("outcome"), dict) else empty_outcome(trigger)
            commands = [c for c in data.get("commands") or [] if isinstance(c, dict)]
        else:
            error = _error_from_envelope(data)
            status = "error"
            outcome, commands = empty_outcome(trigger), []
        persisted = str(data.get("persistedLog") or "")
        log_chars = int(data.get("logChars") or 0)
        if log_chars > len(persisted) and log_chars > 256:
            warnings.append(
                f"Auth0 keeps the first 256 characters of an action's console output in its execution log; "
                f"this run wrote {log_chars} (all of it shows here and in the live log view)"
            )
        cache = _valid_cache(data.get("cache"))
        return cls(
            name=name, trigger=trigger, run_id=run_id, status=status, commands=commands, outcome=outcome,
            error=error, logs=logs, duration_ms=float(event.get("durationMs") or 0.0), warnings=warnings,
            persisted_log=persisted, log_chars=log_chars, location=location, crash=event.get("crash"),
            logs_dropped=int(event.get("logsDropped") or 0), fresh_scope=bool(data.get("freshScope")),
            carry=dict(data.get("carry") or {}), cache=cache,
        )

    @classmethod
    def failed(cls, name: str, trigger: str, run_id: str, message: str, logs: list[Any], crash: str) -> ActionResult:
        return cls(name, trigger, run_id, "error", [], empty_outcome(trigger), {"name": "Error", "message": message, "stack": None},
                   logs, 0.0, [], crash=crash)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "action",
            "action": self.name,
            "trigger": self.trigger,
            "run_id": self.run_id,
            "status": self.status,
            "commands": self.commands,
            "outcome": self.outcome,
            "error": self.error,
            "location": None if self.location is None else {"line": self.location.line, "column": self.location.column},
            "crash": self.crash,
            "logs": [e.to_json() for e in self.logs],
            "persisted_log": self.persisted_log,
            "logs_dropped": self.logs_dropped,
            "duration_ms": round(self.duration_ms, 3),
            "fresh_scope": self.fresh_scope,
            "warnings": list(self.warnings),
        }


# How each outcome field of the actions of one flow adds up: dictionaries merge key by key in
# binding order (the last write of a key wins, as Auth0 batches metadata to the end of the
# trigger), scope changes accumulate, single decisions are the last one made.
_MERGED = ("access_token_claims", "id_token_claims", "user_metadata", "app_metadata", "transaction_metadata",
           "session", "refresh_token", "saml")


def merge_outcomes(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {"denied": None}
    for outcome in outcomes:
        for key, value in outcome.items():
            if key in _MERGED:
                if value:
                    merged[key] = {**(merged.get(key) or {}), **value}
                else:
                    merged.setdefault(key, copy.deepcopy(value))
            elif key == "scopes":
                scopes = merged.setdefault("scopes", {"added": [], "removed": []})
                for s in value.get("added", []):
                    scopes["removed"] = [x for x in scopes["removed"] if x != s]
                    scopes["added"] = [*scopes["added"], s] if s not in scopes["added"] else scopes["added"]
                for s in value.get("removed", []):
                    scopes["added"] = [x for x in scopes["added"] if x != s]
                    scopes["removed"] = [*scopes["removed"], s] if s not in scopes["removed"] else scopes["removed"]
            elif value is not None or key not in merged:
                merged[key] = copy.deepcopy(value)
    return merged


@dataclass
class FlowResult:
    trigger: str
    actions: list[ActionResult]
    not_run: list[dict[str, str]]  # [{"action", "reason"}]: bound after the action that ended the flow
    duration_ms: float

    @property
    def status(self) -> str:
        return "success" if all(a.ok for a in self.actions) else "error"

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def failed_action(self) -> ActionResult | None:
        return next((a for a in self.actions if not a.ok), None)

    @property
    def outcome(self) -> dict[str, Any]:
        """What the application gets. A failed action fails the whole execution: Auth0 applies
        none of the flow's commands, so nothing of the earlier actions' work remains either."""
        if not self.ok:
            return empty_outcome(self.trigger)
        return merge_outcomes([empty_outcome(self.trigger), *(a.outcome for a in self.actions)])

    @property
    def denied(self) -> dict[str, Any] | None:
        return self.outcome.get("denied")

    @property
    def commands(self) -> list[dict[str, Any]]:
        return [{"action": a.name, **c} for a in self.actions for c in a.commands]

    @property
    def logs(self) -> list[Any]:
        return [e for a in self.actions for e in a.logs]

    @property
    def warnings(self) -> list[str]:
        out = [f"{a.name}: {w}" for a in self.actions for w in a.warnings]
        failed = self.failed_action
        if failed is not None and len(self.actions) > 1:
            out.append(f"{failed.name} failed: Auth0 fails the whole {self.trigger} execution and applies none of the flow's commands")
        return out

    @property
    def error(self) -> dict[str, Any] | None:
        failed = self.failed_action
        return None if failed is None else {"action": failed.name, **(failed.error or {})}

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "flow",
            "trigger": self.trigger,
            "status": self.status,
            "commands": self.commands,
            "outcome": self.outcome,
            "error": self.error,
            "logs": [e.to_json() for e in self.logs],
            "duration_ms": round(self.duration_ms, 3),
            "warnings": self.warnings,
            "actions": [a.to_json() for a in self.actions],
            "not_run": list(self.not_run),
        }
