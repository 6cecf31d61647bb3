"""Helpers of the migration tests: a hook's sample payload as the event Auth0 gives the action,
and both runs through the real runtime (real node)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hooktui.core.action_results import ActionSpec
from hooktui.core.workspace import Workspace
from hooktui.migrate.convert import MigrationResult
from hooktui.runtime.executor import Executor

ROOT = Path(__file__).resolve().parents[2]


def event_for(trigger: str, payload: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The action's event for a hook payload, per Auth0's migration guide (the mapping the
    conversion assumes, written out independently here)."""
    p = copy.deepcopy(payload)
    ctx = p.get("context") or {}
    request = {"ip": "127.0.0.1", "method": "POST", "language": ctx.get("requestLanguage") or ctx.get("language")}
    if trigger == "credentials-exchange":
        client = p["client"]
        return {"client": {"client_id": client["id"], "name": client["name"], "metadata": client.get("metadata", {})},
                "tenant": {"id": client["tenant"]}, "resource_server": {"identifier": p["audience"]},
                "accessToken": {"customClaims": {}, "scope": list(p.get("scope") or [])},
                "transaction": {"requested_scopes": list(p.get("scope") or [])}, "request": request, "secrets": secrets}
    if trigger == "send-phone-message":
        return {"message_options": {k: ctx[k] for k in ("action", "code", "message_type")} | {"recipient": p["recipient"], "text": p["text"]},
                "client": ({"client_id": ctx["client"]["client_id"], "name": ctx["client"]["name"],
                            "metadata": ctx["client"].get("client_metadata", {})} if ctx.get("client") else None),
                "user": ctx.get("user", {}), "tenant": {"id": "my-tenant"},
                "request": {"ip": ctx.get("ip"), "method": "POST", "language": ctx.get("language"), "user_agent": ctx.get("user_agent")},
                "secrets": secrets}
    user = p["user"]
    event_user = {k: v for k, v in user.items() if k not in ("id", "tenant", "password", "emailVerified", "phoneNumber",
                                                             "phoneNumberVerified")}
    if "id" in user:
        event_user["user_id"] = f"auth0|{user['id']}"
    if "emailVerified" in user:
        event_user["email_verified"] = user["emailVerified"]
    if "phoneNumber" in user:
        event_user["phone_number"] = user["phoneNumber"]
    connection = {k: v for k, v in ctx.get("connection", {}).items() if k != "tenant"} | {"strategy": "auth0"}
    event = {"user": event_user, "connection": connection, "tenant": {"id": user.get("tenant") or "my-tenant"},
             "request": request, "secrets": secrets}
    if trigger == "pre-user-registration":
        event["transaction"] = {"locale": ctx.get("renderLanguage") or "en", "requested_scopes": [], "ui_locales": [], "acr_values": []}
    return event


async def run_both(ws: Workspace, hook_name: str, result: MigrationResult, payload: dict[str, Any]):
    hook = ws.hook(hook_name)
    secrets = dict(hook.secrets)
    spec = ActionSpec(result.action, result.trigger_id, result.code, code_path=f"/ws/actions/{result.action}/code.js",
                      secrets=secrets)
    async with Executor(ws, timeout=15.0) as ex:
        hook_run = await ex.run(hook_name, payload)
        event = event_for(result.trigger_id, payload, secrets)
        action_run = await ex.run_action(spec, event)
    return hook_run, action_run, event


def applied_metadata(before: dict[str, Any] | None, written: dict[str, Any]) -> dict[str, Any]:
    after = dict(before or {})
    for key, value in written.items():
        if value is None:
            after.pop(key, None)
        else:
            after[key] = value
    return after


def assert_same_outcome(trigger: str, hook_run, action_run, event) -> None:
    assert action_run.ok, action_run.error
    data = hook_run.data
    outcome = action_run.outcome
    if trigger == "credentials-exchange":
        if hook_run.ok:
            assert outcome["denied"] is None
            claims = {k: v for k, v in data.items() if k != "scope"}
            assert outcome["access_token_claims"] == claims
            if outcome["target_scopes"] is not None:
                assert outcome["target_scopes"] == data["scope"]
        else:
            codes = {"InvalidRequestError": "invalid_request", "InvalidScopeError": "invalid_scope"}
            assert outcome["denied"]["code"] == codes.get(data["name"], "server_error")
            assert outcome["denied"]["reason"] == data["message"]
    elif trigger == "pre-user-registration":
        if hook_run.ok:
            assert outcome["denied"] is None
            for kind in ("user_metadata", "app_metadata"):
                if kind in (data.get("user") or {}):
                    assert applied_metadata(event["user"].get(kind), outcome[kind]) == data["user"][kind]
        else:
            assert outcome["denied"]["reason"] == data["message"]
            assert outcome["denied"]["user_message"] == data["friendlyMessage"]
    else:
        assert hook_run.ok, hook_run.data
