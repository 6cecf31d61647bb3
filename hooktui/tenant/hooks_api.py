"""The Management API's hooks and hook secrets endpoints: the tenant's rules on names, triggers, one
enabled hook per trigger and at most 20 secrets, in Auth0's error texts, and the `sapi` log entries."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from typing import Any

from hooktui.core.triggers import Trigger
from hooktui.tenant.request import (
    ApiError,
    Call,
    clip,
    json_type,
    paginate,
    query_bool,
    select_fields,
)

VALUE_NOT_SHOWN = "_VALUE_NOT_SHOWN_"
MAX_SECRETS = 20
HOOK_NAME = re.compile(r"^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$")
TRIGGER_IDS = tuple(t.value for t in Trigger)
HOOK_KEYS = ("id", "name", "triggerId", "enabled", "script", "dependencies")
NO_HOOK = "The hook does not exist."


class HooksApi:
    """The hooks and secrets endpoints, mixed into the Emulator, which holds the lock while they run
    and writes the state file when they set `_dirty`."""

    hooks: dict[str, dict[str, Any]]
    secrets: dict[str, dict[str, str]]
    _dirty: bool
    _rng: random.Random
    _log: Callable[..., None]

    # ------------------------------------------------------------------ hooks

    def _list_hooks(self, ctx: Call) -> tuple[int, Any]:
        q = ctx.query
        hooks = [self._public(h) for h in self.hooks.values()]
        if "enabled" in q:
            enabled = query_bool(q, "enabled")
            hooks = [h for h in hooks if h["enabled"] is enabled]
        if "triggerId" in q:
            if q["triggerId"] not in TRIGGER_IDS:
                raise ApiError.query(f"No enum match for: \"{clip(q['triggerId'])}\"", "triggerId")
            hooks = [h for h in hooks if h["triggerId"] == q["triggerId"]]
        page_items, start, limit = paginate(hooks, q, page_all=True)
        page_items = select_fields(page_items, q)
        if query_bool(q, "include_totals", False):
            return 200, {"hooks": page_items, "start": start, "limit": limit, "total": len(hooks)}
        return 200, page_items

    def _get_hook(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        return 200, select_fields([self._public(self._hook(hook_id))], ctx.query)[0]

    def _create_hook(self, ctx: Call) -> tuple[int, Any]:
        data = ctx.json()
        self._validate_hook(data, creating=True)
        self._check_conflicts(data, None)
        hook = self._store_new_hook(self._new_hook_id(), data)
        self.secrets[hook["id"]] = {}
        self._sapi(ctx, "Create a hook", 201, hook)
        return 201, self._public(hook)

    def _update_hook(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        data = ctx.json()
        self._validate_hook(data, creating=False)
        hook = self._hook(hook_id)
        self._check_conflicts({**hook, **data}, hook_id)
        for key in ("name", "script", "enabled"):
            if key in data:
                hook[key] = data[key]
        if "dependencies" in data:
            hook["dependencies"] = dict(data["dependencies"])
        self._dirty = True
        self._sapi(ctx, "Update a hook", 201, hook)
        return 201, self._public(hook)

    def _delete_hook(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        self._hook(hook_id)
        del self.hooks[hook_id]
        self.secrets.pop(hook_id, None)
        self._dirty = True
        self._sapi(ctx, "Delete a hook", 204, None)
        return 204, None

    def _hook(self, hook_id: str) -> dict[str, Any]:
        hook = self.hooks.get(hook_id)
        if hook is None:
            raise ApiError.api(404, NO_HOOK, "inexistent_hook")
        return hook

    @staticmethod
    def _public(hook: dict[str, Any]) -> dict[str, Any]:
        out = {k: hook[k] for k in HOOK_KEYS}
        out["dependencies"] = dict(hook["dependencies"])
        return out

    def _new_hook_id(self) -> str:
        while True:
            hook_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            if hook_id not in self.hooks:
                return hook_id

    def _store_new_hook(self, hook_id: str, data: dict[str, Any]) -> dict[str, Any]:
        hook = {
            "id": hook_id, "name": data["name"], "triggerId": data["triggerId"],
            "enabled": bool(data.get("enabled", False)), "script": data["script"],
            "dependencies": dict(data.get("dependencies") or {}),
        }
        self.hooks[hook_id] = hook
        self._dirty = True
        return hook

    @staticmethod
    def _validate_hook(data: Any, *, creating: bool) -> None:
        if not isinstance(data, dict):
            raise ApiError.payload(f"Expected type object but found type {json_type(data)}")
        allowed = ("name", "script", "triggerId", "enabled", "dependencies") if creating else (
            "name", "script", "enabled", "dependencies")
        extra = [k for k in data if k not in allowed]
        if extra:
            raise ApiError.payload(f"Additional properties not allowed: {', '.join(extra)}")
        if creating:
            for key in ("name", "script", "triggerId"):
                if key not in data:
                    raise ApiError.payload(f"Missing required property: {key}")
        elif not data:
            raise ApiError.payload("Too few properties defined (0), minimum 1")
        for key, kind in (("name", str), ("script", str), ("triggerId", str), ("enabled", bool),
                          ("dependencies", dict)):
            if key in data and not isinstance(data[key], kind):
                expected = {str: "string", bool: "boolean", dict: "object"}[kind]
                raise ApiError.payload(
                    f"Expected type {expected} but found type {json_type(data[key])} on property {key}")
        if "name" in data and not HOOK_NAME.match(data["name"]):
            raise ApiError.payload(
                f"String does not match pattern {HOOK_NAME.pattern}: {clip(data['name'])} on property name")
        if "script" in data and not data["script"]:
            raise ApiError.payload("String is too short (0 chars), minimum 1 on property script")
        if "triggerId" in data and data["triggerId"] not in TRIGGER_IDS:
            raise ApiError.payload(f"No enum match for: \"{clip(data['triggerId'])}\" on property triggerId")
        for name, version in (data.get("dependencies") or {}).items():
            if not isinstance(version, str):
                raise ApiError.payload(
                    f"Expected type string but found type {json_type(version)} on property dependencies.{name}")

    def _check_conflicts(self, hook: dict[str, Any], hook_id: str | None) -> None:
        """409 when the name is taken or when a second hook of a trigger would be enabled."""
        for other in self.hooks.values():
            if other["id"] == hook_id:
                continue
            if other["name"] == hook["name"]:
                raise ApiError.api(409, f"A hook with the name \"{hook['name']}\" already exists.", "hook_conflict")
            if hook.get("enabled") and other["enabled"] and other["triggerId"] == hook["triggerId"]:
                raise ApiError.api(
                    409,
                    f"Only one hook can be enabled per trigger: \"{other['name']}\" ({other['id']}) is already "
                    f"enabled for {hook['triggerId']}. Disable it first.",
                    "enabled_hook_conflict",
                )

    # ------------------------------------------------------------------ secrets

    def _get_secrets(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        self._hook(hook_id)
        return 200, dict.fromkeys(self.secrets.get(hook_id, {}), VALUE_NOT_SHOWN)

    def _secrets_body(self, ctx: Call) -> dict[str, str]:
        data = ctx.json()
        if not isinstance(data, dict):
            raise ApiError.payload(f"Expected type object but found type {json_type(data)}")
        if not data:
            raise ApiError.payload("Too few properties defined (0), minimum 1")
        self._check_secret_values(data)
        return data

    @staticmethod
    def _check_secret_values(data: dict[str, Any]) -> None:
        for key, value in data.items():
            if not key:
                raise ApiError.payload("A secret needs a non-empty name")
            if not isinstance(value, str):
                raise ApiError.payload(f"Expected type string but found type {json_type(value)} on property {key}")

    def _add_secrets(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        data = self._secrets_body(ctx)
        self._hook(hook_id)
        current = self.secrets.setdefault(hook_id, {})
        taken = [k for k in data if k in current]
        if taken:
            raise ApiError.api(409, f"Secret \"{taken[0]}\" already exists for this hook.", "hook_secret_conflict")
        total = len(current) + len(data)
        if total > MAX_SECRETS:
            raise ApiError.api(
                400, f"A hook can have at most {MAX_SECRETS} secrets; this request would make {total}.",
                "too_many_secrets")
        current.update(data)
        self._dirty = True
        self._sapi(ctx, "Add hook secrets", 201, None, secret_keys=sorted(data))
        return 201, None

    def _update_secrets(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        data = self._secrets_body(ctx)
        self._hook(hook_id)
        current = self.secrets.setdefault(hook_id, {})
        missing = [k for k in data if k not in current]
        if missing:
            raise ApiError.api(404, f"Secret \"{missing[0]}\" does not exist for this hook.", "inexistent_hook_secret")
        current.update(data)
        self._dirty = True
        self._sapi(ctx, "Update hook secrets", 201, None, secret_keys=sorted(data))
        return 201, None

    def _delete_secrets(self, ctx: Call, hook_id: str) -> tuple[int, Any]:
        keys = ctx.json()
        if not isinstance(keys, list):
            raise ApiError.payload(f"Expected type array but found type {json_type(keys)}")
        if not keys:
            raise ApiError.payload("Array is too short (0), minimum 1")
        for key in keys:
            if not isinstance(key, str):
                raise ApiError.payload(f"Expected type string but found type {json_type(key)} in the array")
        self._hook(hook_id)
        current = self.secrets.setdefault(hook_id, {})
        for key in keys:
            current.pop(key, None)
        self._dirty = True
        self._sapi(ctx, "Delete hook secrets", 204, None, secret_keys=sorted(set(keys)))
        return 204, None

    def _sapi(self, ctx: Call, description: str, status: int, hook: dict[str, Any] | None, *,
              secret_keys: list[str] | None = None) -> None:
        request: dict[str, Any] = {"method": ctx.method.lower(), "path": ctx.path}
        if secret_keys is not None:  # the names only: a log never holds a secret's value
            request["body"] = dict.fromkeys(secret_keys, VALUE_NOT_SHOWN)
        response: dict[str, Any] = {"statusCode": status}
        if hook is not None:
            response["body"] = {k: hook[k] for k in ("id", "name", "triggerId", "enabled")}
        self._log("sapi", description, client_id=ctx.client_id, ip=ctx.ip, headers=ctx.headers,
                  details={"request": request, "response": response})
