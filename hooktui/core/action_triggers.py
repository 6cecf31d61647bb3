"""The Auth0 Actions triggers: each one's versions (current, deprecated), the handler its code must
export, whether Auth0 waits for it, and the runtimes Auth0 offers.

Source: a tenant's `GET /api/v2/actions/triggers` as recorded in auth0-deploy-cli's e2e recordings
(2026-08), deploy-cli's `constants.ACTIONS_TRIGGERS`, and Auth0's docs per trigger. The table is
data: the workspace checks against it, `hooktui new` picks its defaults from it, and the runtime
reads the handler names from it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CURRENT = "current"
DEPRECATED = "deprecated"

DEFAULT_RUNTIME = "node22"
# What Auth0 offers today. "node18-actions" is how GET /actions/triggers lists Node 18; an action
# itself says "node18" (both are accepted).
OFFERED_RUNTIMES = ("node22", "node18", "node18-actions")
# Auth0 ended these on 2025-08-15 and moved every action using them to Node 22.
ENDED_RUNTIMES = {"node12": "2025-08-15", "node16": "2025-08-15"}
RUNTIME_HINT = f'set "runtime": "{DEFAULT_RUNTIME}" (the default) or "node18"'

# The v1 versions predate the current programming model: deploy-cli's fixtures for post-login v1
# make the module itself the handler, `module.exports = async (event, context) => { return {...} }`,
# while its example export for send-phone-message v1 exports the current handler. Either passes.
MODULE_EXPORTS = "module.exports"


@dataclass(frozen=True)
class TriggerVersion:
    version: str
    status: str  # CURRENT | DEPRECATED
    runtimes: tuple[str, ...]  # as GET /actions/triggers lists them
    handler: str | None  # the export Auth0 calls; MODULE_EXPORTS for the beta model


@dataclass(frozen=True)
class ActionTrigger:
    id: str
    summary: str
    blocking: bool  # does Auth0 wait for the flow (sync) or run it in the background (async)?
    versions: tuple[TriggerVersion, ...]
    # "trigger-bound": bound through triggers/triggers.json; "entity-bound": Auth0 binds the
    # action to the entity it serves (a token-exchange profile...), a binding in the file is refused.
    binding_policy: str = "trigger-bound"
    optional_handlers: tuple[str, ...] = ()  # exported when used, never required
    runnable: bool = False  # does hooktui's local runtime run it?

    @property
    def current(self) -> TriggerVersion | None:
        return next((v for v in self.versions if v.status == CURRENT), None)

    @property
    def handler(self) -> str | None:
        """The export the current version calls, e.g. "onExecutePostLogin"."""
        current = self.current
        return current.handler if current else None

    @property
    def sync(self) -> bool:
        return self.blocking

    def version(self, version: str) -> TriggerVersion | None:
        return next((v for v in self.versions if v.version == version), None)

    @property
    def version_names(self) -> tuple[str, ...]:
        return tuple(v.version for v in self.versions)


_NOW = ("node18-actions", "node22")
_V1_RUNTIMES = ("node22",)


def _versions(current: str, handler: str | None, *deprecated: tuple[str, str | None, tuple[str, ...]],
              runtimes: tuple[str, ...] = _NOW) -> tuple[TriggerVersion, ...]:
    older = tuple(TriggerVersion(v, DEPRECATED, r, h) for v, h, r in deprecated)
    return (TriggerVersion(current, CURRENT, runtimes, handler), *older)


def _beta(version: str = "v1") -> tuple[str, str | None, tuple[str, ...]]:
    return (version, MODULE_EXPORTS, _V1_RUNTIMES)


ACTION_TRIGGERS: dict[str, ActionTrigger] = {
    t.id: t
    for t in (
        ActionTrigger(
            "post-login", "runs after a user logs in: deny, add token claims, set metadata, MFA, redirect",
            True, _versions("v3", "onExecutePostLogin", _beta(),
                            ("v2", "onExecutePostLogin", ("node18", "node22"))),
            optional_handlers=("onContinuePostLogin",), runnable=True,
        ),
        ActionTrigger(
            "credentials-exchange", "runs before a client-credentials access token is issued: deny or add claims",
            True, _versions("v2", "onExecuteCredentialsExchange", _beta()), runnable=True,
        ),
        ActionTrigger(
            "pre-user-registration", "runs before a user is created: deny the signup or set metadata",
            True, _versions("v2", "onExecutePreUserRegistration", _beta()), runnable=True,
        ),
        ActionTrigger(
            "post-user-registration", "runs after a user is created (notifications, provisioning); nothing waits for it",
            False, _versions("v2", "onExecutePostUserRegistration", _beta()), runnable=True,
        ),
        ActionTrigger(
            "post-change-password", "runs after a password change; nothing waits for it",
            False, _versions("v2", "onExecutePostChangePassword", _beta()), runnable=True,
        ),
        ActionTrigger(
            "send-phone-message", "sends MFA SMS and voice messages through your own provider",
            True, _versions("v2", "onExecuteSendPhoneMessage", _beta()), runnable=True,
        ),
        ActionTrigger(
            "password-reset-post-challenge", "runs after the password-reset challenge: deny, MFA, redirect",
            True, _versions("v1", "onExecutePostChallenge"),
        ),
        ActionTrigger(
            "custom-phone-provider", "delivers phone messages through a custom provider",
            True, _versions("v1", "onExecuteCustomPhoneProvider"),
        ),
        ActionTrigger(
            "custom-email-provider", "delivers emails through a custom provider",
            True, _versions("v1", "onExecuteCustomEmailProvider"),
        ),
        ActionTrigger(
            "custom-token-exchange", "validates a subject token and sets the user of a custom token exchange",
            True, _versions("v1", "onExecuteCustomTokenExchange", runtimes=("node18", "node22")),
            binding_policy="entity-bound",
        ),
        # The handler names of these three are in no source hooktui has: the check is skipped.
        ActionTrigger("event-stream", "transforms events of an event stream", False,
                      _versions("v1", None, runtimes=("node22",)), binding_policy="entity-bound"),
        ActionTrigger("password-hash-migration", "verifies passwords hashed by another system", True,
                      _versions("v1", None, runtimes=("node22",)), binding_policy="entity-bound"),
        ActionTrigger("mcp-tool", "implements a tool of an MCP server", True,
                      _versions("v1", None, runtimes=("node22",)), binding_policy="entity-bound"),
        # In deploy-cli's list of triggers and its example export, not in the tenant's list: no
        # version is known, so any version is taken as written.
        ActionTrigger("login-post-identifier", "runs after the identifier step of a login", True, ()),
        ActionTrigger("signup-post-identifier", "runs after the identifier step of a signup", True, ()),
    )
}

RUNNABLE_TRIGGERS = tuple(t.id for t in ACTION_TRIGGERS.values() if t.runnable)


def action_trigger(trigger_id: str) -> ActionTrigger | None:
    return ACTION_TRIGGERS.get(trigger_id)


def unknown_trigger_message(trigger_id: str) -> str:
    """Why `trigger_id` is refused, with the closest known id."""
    close = difflib.get_close_matches(trigger_id, list(ACTION_TRIGGERS), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (f"unknown trigger {trigger_id!r}{hint}; Auth0's action triggers are "
            f"{', '.join(ACTION_TRIGGERS)}")


def version_problem(trigger: ActionTrigger, version: str) -> tuple[str, str] | None:
    """(severity, message) when Auth0 refuses or discourages `version` of `trigger`, else None."""
    if not trigger.versions:
        return None
    found = trigger.version(version)
    current = trigger.current
    use = f'; use "version": "{current.version}"' if current else ""
    if found is None:
        known = ", ".join(trigger.version_names)
        return "error", f"{trigger.id} has no version {version!r} (Auth0 has {known}){use}"
    if found.status == DEPRECATED:
        how = ""
        if current is not None and current.handler and found.handler != current.handler:
            how = f"; {current.version} calls exports.{current.handler}(event, api)"
        return "warning", f"{trigger.id} {version} is deprecated: Auth0 still runs it but gives it no new features{how}{use}"
    return None


def runtime_problem(runtime: str, trigger: ActionTrigger | None, version: str | None) -> tuple[str, str] | None:
    """(severity, message) for an action's "runtime", else None."""
    if runtime in ENDED_RUNTIMES:
        return "error", (f"Auth0 no longer offers {runtime}: it ended on {ENDED_RUNTIMES[runtime]} and "
                         f"moved such actions to Node 22; {RUNTIME_HINT}")
    if runtime not in OFFERED_RUNTIMES:
        close = difflib.get_close_matches(runtime, list(OFFERED_RUNTIMES[:2]), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return "error", f"unknown runtime {runtime!r}{hint}; Auth0 offers node22 (the default) and node18: {RUNTIME_HINT}"
    found = trigger.version(version) if trigger is not None and version is not None else None
    if found is not None:
        offered = {"node18" if r == "node18-actions" else r for r in found.runtimes}
        plain = "node18" if runtime == "node18-actions" else runtime
        if plain not in offered:
            return "warning", (f"{trigger.id} {version} runs on {', '.join(sorted(offered))} only, not "
                               f"{runtime}; {RUNTIME_HINT}")
    return None
