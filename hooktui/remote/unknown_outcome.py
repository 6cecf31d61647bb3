"""What the client does when a POST's answer is lost (POST is not idempotent): `create_hook` looks the
hook up by name before creating it again, `add_secrets` reads which keys landed and updates those."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from hooktui.remote.errors import ApiError, RemoteError
from hooktui.remote.errors import json_body as _json
from hooktui.remote.ratelimit import RateLimitPolicy

API = "/api/v2"


def _quote(value: str) -> str:
    return quote(str(value), safe="")


class UnknownOutcomes:
    """The two creating calls, mixed into the ManagementClient, whose request machinery they use."""

    policy: RateLimitPolicy
    _sleep: Callable[[float], Awaitable[Any]]
    _secrets: Any
    _request: Callable[..., Awaitable[httpx.Response]]
    _emit: Callable[[Any], None]
    list_hooks: Callable[..., Awaitable[list[dict[str, Any]]]]
    get_hook: Callable[[str], Awaitable[dict[str, Any]]]
    get_secrets: Callable[[str], Awaitable[dict[str, str]]]
    update_secrets: Callable[[str, Mapping[str, str]], Awaitable[None]]

    async def create_hook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a hook. When the outcome of an attempt is unknown the hook is looked up by name
        first: it is returned if that attempt created it, created again otherwise."""
        body = dict(body)
        name = str(body.get("name", ""))
        path = f"{API}/hooks"
        maybe_created = False
        started = time.monotonic()
        for attempt in range(1, self.policy.config.max_attempts + 1):
            try:
                return _json(await self._request("POST", path, json=body, idempotent=False))
            except RemoteError as exc:
                if isinstance(exc, ApiError) and exc.status == 409 and maybe_created:
                    found = await self._find_created(name, body)
                    if found is not None:
                        return found
                    raise
                if not exc.outcome_unknown:
                    raise
                maybe_created = True
                wait = self.policy.wait_before_retry(attempt)
                if self.policy.gives_up(attempt, time.monotonic() - started, wait):
                    raise
                detail = f"create hook {name!r}: {exc}; will look it up by name before creating it again"
                self.policy.report("retry", wait, detail)
                await self._sleep(wait)
                found = await self._find_created(name, body)
                if found is not None:
                    self._emit(f"create hook {name!r}: the lost attempt did create it ({found.get('id')})")
                    return found
        raise AssertionError("unreachable: the last attempt raises")

    async def _find_created(self, name: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """The hook named `name` if it is the one `body` describes; None if there is none."""
        for hook in await self.list_hooks():
            if hook.get("name") != name:
                continue
            if "script" not in hook and hook.get("id"):
                hook = await self.get_hook(str(hook["id"]))
            same = all(hook.get(key) == body[key] for key in ("triggerId", "script") if key in body)
            if not same:
                raise ApiError(
                    409,
                    "hook_conflict",
                    f"a hook named {name!r} exists on the tenant with another trigger or script",
                    "POST",
                    f"{API}/hooks",
                )
            return hook
        return None

    async def add_secrets(self, hook_id: str, secrets: Mapping[str, str]) -> None:
        """Add new secrets (409 if one exists). If an attempt's outcome is unknown, the keys that now
        exist are updated to these values and the others added, so nothing is added twice."""
        pending = dict(secrets)
        self._secrets.add(*pending.values())
        path = f"{API}/hooks/{_quote(hook_id)}/secrets"
        for attempt in range(1, self.policy.config.max_attempts + 1):
            try:
                await self._request("POST", path, json=pending, idempotent=False)
                return
            except RemoteError as exc:
                if not exc.outcome_unknown or attempt == self.policy.config.max_attempts:
                    raise
                self._emit(f"add secrets to hook {hook_id}: {exc}; checking which keys exist")
            present = await self.get_secrets(hook_id)
            landed = {k: v for k, v in pending.items() if k in present}
            if landed:
                await self.update_secrets(hook_id, landed)
            pending = {k: v for k, v in pending.items() if k not in present}
            if not pending:
                return
