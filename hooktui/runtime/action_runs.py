"""The Actions half of the Executor: running one action (`run_action`) and a trigger's flow
(`run_flow`) over the same supervisor and sandboxes as hooks. A mixin of `Executor`, which owns
the process, the pending runs and the reader; this part only builds requests and flows."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from hooktui.core.action_results import ActionResult, ActionSpec, FlowResult

if TYPE_CHECKING:
    from hooktui.core.results import LogEvent

# Actions are loaded under this prefix: their names share the runtime with hook names.
ACTION_PREFIX = "action:"


class ActionRuns:
    """Needs the Executor's `_send`, `_seq`, `_ids`, `_waiters`, `_pending`, `_loaded`, `_arm`,
    `_new_pending`, `_error`, `_load_reply`, `start`, `timeout` and `log_limit`."""

    _action_versions: dict[str, str]  # "action:NAME" -> ActionSpec.identity loaded
    action_cache: dict[str, dict[str, Any]]  # api.cache per trigger, kept across runs

    def _send_action_load(self, spec: ActionSpec) -> tuple[str, int, asyncio.Future[dict[str, Any]]] | None:
        """Load a version of an action unless it is the one loaded: a new version gets new
        sandboxes, so a new module scope, as a deploy does on Auth0."""
        key = ACTION_PREFIX + spec.name
        if self._action_versions.get(key) == spec.identity and key in self._loaded:
            return None
        payload = {
            "name": key, "kind": "action", "trigger": spec.trigger_id, "triggerVersion": spec.version,
            "filename": spec.code_path or f"actions/{spec.name}/code.js", "source": spec.code,
            "dependencies": dict(spec.dependencies), "metaFile": spec.meta_file,
        }
        seq = next(self._seq)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[seq] = waiter
        self._loaded[key] = payload
        self._action_versions[key] = spec.identity
        self._send({"op": "load", "seq": seq, "hook": payload})
        return key, seq, waiter

    async def run_action(
        self,
        spec: ActionSpec,
        event: Mapping[str, Any],
        *,
        timeout: float | None = None,
        fresh_scope: bool = False,
        entrypoint: str | None = None,
        on_log: Callable[[LogEvent], None] | None = None,
    ) -> ActionResult:
        """Run one action on an event, as Auth0 runs one step of a trigger: `event.secrets` are the
        spec's secrets; the module scope of this version is reused unless `fresh_scope`."""
        await self.start()
        pending_load = self._send_action_load(spec)
        key = ACTION_PREFIX + spec.name
        run_id = f"r{next(self._ids)}"
        limit = self.timeout if timeout is None else timeout
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        pending = self._new_pending(run_id, future, spec.name, spec.trigger_id, on_log=on_log, limit=limit, action=True)
        now_ms = time.time() * 1000
        cache = {k: v for k, v in self.action_cache.get(spec.trigger_id, {}).items()
                 if isinstance(v, dict) and float(v.get("expires_at") or 0) > now_ms}
        request = {
            "op": "run", "id": run_id, "hook": key, "event": event, "secrets": dict(spec.secrets), "cache": cache,
            "freshScope": fresh_scope, "entrypoint": entrypoint, "timeoutMs": max(1, int(limit * 1000)),
            "logLimit": self.log_limit,
        }
        try:
            self._send(request)
        except (TypeError, ValueError) as e:
            self._pending.pop(run_id, None)
            raise self._error(f"the event cannot be sent as JSON: {e}") from None
        self._arm(pending)
        try:
            result = await future
        finally:
            if pending.guard is not None:
                pending.guard.cancel()
        if pending_load is not None:
            await self._load_reply(*pending_load)
        return result

    async def run_flow(
        self,
        trigger_id: str,
        specs: list[ActionSpec],
        event: Mapping[str, Any],
        *,
        timeout: float | None = None,
        fresh_scope: bool = False,
        on_log: Callable[[LogEvent], None] | None = None,
    ) -> FlowResult:
        """Run a trigger's bound actions in binding order on one event. Each sees what Auth0 lets
        it see of the earlier ones (transaction metadata, target scopes, the cache; not their
        claims or metadata, which Auth0 applies at the end). A deny, a redirect or a failure ends
        the flow. The trigger's time limit is shared by all its actions."""
        for spec in specs:
            if spec.trigger_id != trigger_id:
                raise self._error(f"action {spec.name!r} is for {spec.trigger_id}, not {trigger_id}: it cannot be in this flow")
        limit = self.timeout if timeout is None else timeout
        current = copy.deepcopy(dict(event))
        results: list[ActionResult] = []
        not_run: list[dict[str, str]] = []
        spent = 0.0
        for i, spec in enumerate(specs):
            remaining = limit - spent / 1000.0
            if remaining <= 0:
                not_run = [{"action": s.name, "reason": f"the {trigger_id} execution ran out of its {limit:g} s"} for s in specs[i:]]
                break
            result = await self.run_action(spec, current, timeout=remaining, fresh_scope=fresh_scope, on_log=on_log)
            results.append(result)
            spent += result.duration_ms
            reason = None
            if not result.ok:
                reason = f"{spec.name} failed, which fails the execution"
            elif result.outcome.get("denied"):
                reason = f"{spec.name} denied the transaction"
            elif result.outcome.get("redirect"):
                reason = f"{spec.name} redirected the user: the rest of the flow runs when the redirect comes back (onContinuePostLogin)"
            if reason is not None:
                not_run = [{"action": s.name, "reason": reason} for s in specs[i + 1:]]
                break
            for path, value in result.carry.items():
                _patch(current, path, value)
        return FlowResult(trigger_id, results, not_run, spent)

    async def unload_action(self, name: str) -> None:
        """Forget an action (deleted from the workspace): its sandboxes and module scope go."""
        self._action_versions.pop(ACTION_PREFIX + name, None)
        await self.unload(ACTION_PREFIX + name)  # type: ignore[attr-defined]

    def clear_action_cache(self, trigger_id: str | None = None) -> None:
        if trigger_id is None:
            self.action_cache.clear()
        else:
            self.action_cache.pop(trigger_id, None)


def _patch(event: dict[str, Any], path: str, value: Any) -> None:
    """Set `a.b` in an event, creating the objects on the way (an event without `transaction`)."""
    *parents, last = path.split(".")
    node = event
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = copy.deepcopy(value)
