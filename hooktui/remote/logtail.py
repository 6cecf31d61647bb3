"""Following a tenant's logs the way `auth0 logs tail` does: the latest entries once (search mode),
then every new entry, polled through the checkpoint mode of GET /api/v2/logs, each exactly once.

Why checkpoint mode for following: search mode pages over a result that shifts while new entries
arrive (an entry can slip between two pages); `from=<log_id>&take=N` walks the log in order from a
known point, so a burst of any size comes back whole. It has no search, so a type filter is applied
here, and the checkpoint moves past the entries the filter drops (else every poll would fetch them
again).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from hooktui.core.redaction import Redactor
from hooktui.remote.client import PER_PAGE, ManagementClient
from hooktui.remote.errors import ApiError, NetworkError, RemoteError

log = logging.getLogger("hooktui.remote")

DEFAULT_INTERVAL = 2.0  # what `auth0 logs tail` polls at
SEARCH_REACH = 1000  # search mode serves at most this many entries of one query (page * per_page)
SEEN_LIMIT = 1000  # log ids remembered against a server that serves an entry twice

# Auth0's log event type codes (https://auth0.com/docs/deploy-monitor/logs/log-event-type-codes),
# the common ones and those hooks cause, each with a short form of Auth0's own name.
EVENT_TYPES: dict[str, str] = {
    "s": "Success Login",
    "f": "Failed Login",
    "fp": "Failed Login (incorrect password)",
    "fu": "Failed Login (invalid email or username)",
    "w": "Warnings During Login",
    "ss": "Success Signup",
    "fs": "Failed Signup",
    "slo": "Success Logout",
    "flo": "Failed Logout",
    "ssa": "Success Silent Auth",
    "fsa": "Failed Silent Auth",
    "scp": "Success Change Password",
    "fcp": "Failed Change Password",
    "scpr": "Success Change Password Request",
    "fcpr": "Failed Change Password Request",
    "scph": "Success Post Change Password Hook",
    "fcph": "Failed Post Change Password Hook",
    "sv": "Success Verification Email",
    "fv": "Failed Verification Email",
    "seccft": "Success Exchange (client credentials)",
    "feccft": "Failed Exchange (client credentials)",
    "seacft": "Success Exchange (authorization code)",
    "feacft": "Failed Exchange (authorization code)",
    "sertft": "Success Exchange (refresh token)",
    "fertft": "Failed Exchange (refresh token)",
    "sepft": "Success Exchange (password)",
    "fepft": "Failed Exchange (password)",
    "sapi": "Success API Operation",
    "fapi": "Failed API Operation",
    "mgmt_api_read": "Management API Read Operation",
    "api_limit": "Rate Limit Reached",
    "api_limit_warning": "Rate Limit Warning",
    "limit_wc": "Blocked Account",
    "limit_mu": "Blocked IP Address",
    "du": "Deleted User",
    "fdu": "Failed User Deletion",
    "fn": "Failed Sending Notification",
    "fc": "Failed by Connector",
    "fco": "Failed by CORS",
    "depnote": "Deprecation Notice",
    "actions_execution_failed": "Failed Action Execution",
}

_TYPE_CODE = re.compile(r"^[a-z0-9_]+$")  # also keeps a code from changing the meaning of `q`
# C0 and C1 controls and DEL: an entry's text comes from users (a signup's name, a hook's error)
# and must not move the cursor or recolour the terminal it is printed on.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

ErrorSink = Callable[[RemoteError], None]


def is_transient(error: RemoteError) -> bool:
    """True for a failure that the next poll may not meet: no answer, a 429, a 5xx. A refused
    token or a missing scope will be refused again: following cannot go on."""
    if isinstance(error, NetworkError):
        return True
    return isinstance(error, ApiError) and (error.status == 429 or error.status >= 500)


def _log_id(entry: Mapping[str, Any]) -> str | None:
    value = entry.get("log_id") or entry.get("_id")
    return str(value) if value else None


class _Seen:
    """The last `limit` log ids read past a checkpoint, in a set for lookups and a queue for their age."""

    def __init__(self, limit: int) -> None:
        self._order: deque[str] = deque()
        self._ids: set[str] = set()
        self._limit = limit

    def __contains__(self, log_id: str) -> bool:
        return log_id in self._ids

    def add(self, log_id: str) -> None:
        if log_id in self._ids:
            return
        self._order.append(log_id)
        self._ids.add(log_id)
        while len(self._order) > self._limit:
            self._ids.discard(self._order.popleft())


class LogTail:
    """The log of one tenant, followed from now on: `recent()` once, then `poll()`, or `follow()`
    for both on a timer. Entries are the API's dicts, always oldest first.

    `types` keeps only those event type codes (e.g. {"fs", "ss"}); `take` is the page size of a
    poll (1 to 100); `initial` how many past entries `recent()` shows. `on_error` hears of each
    poll that failed in a way the next one may not (see `is_transient`). One caller at a time:
    calls wait for each other.
    """

    def __init__(
        self,
        client: ManagementClient,
        *,
        types: Collection[str] | None = None,
        interval: float = DEFAULT_INTERVAL,
        take: int = PER_PAGE,
        initial: int = 20,
        on_error: ErrorSink | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if isinstance(types, str):
            raise TypeError("types is a collection of type codes, e.g. {'fs', 'ss'}, not one string")
        codes = sorted(set(types)) if types is not None else []
        bad = [c for c in codes if not isinstance(c, str) or not _TYPE_CODE.match(c)]
        if bad:
            raise ValueError(f"not a log event type code: {bad[0]!r} (codes look like 's', 'fs', 'seccft')")
        if types is not None and not codes:
            raise ValueError("types is empty: nothing would ever be shown (give None for every type)")
        if not 1 <= take <= PER_PAGE:
            raise ValueError(f"take is a page size from 1 to {PER_PAGE} (the API's maximum), not {take}")
        if not 0 <= initial <= SEARCH_REACH:
            raise ValueError(
                f"initial is from 0 to {SEARCH_REACH} entries (what a log search reaches), not {initial}"
            )
        if not interval >= 0:
            raise ValueError(f"interval is a number of seconds, 0 or more, not {interval}")
        self.client = client
        self.types: frozenset[str] | None = frozenset(codes) if codes else None
        self.interval = float(interval)
        self.take = take
        self.initial = initial
        self.on_error = on_error
        self._sleep = sleep
        # None: not started; "": the log was empty when it started, so everything is new.
        self._checkpoint: str | None = None
        self._seen = _Seen(SEEN_LIMIT)
        self._or_queries = True  # until a server refuses `type:(a OR b)` (the emulator does)
        self._lock = asyncio.Lock()

    @property
    def checkpoint(self) -> str | None:
        """The log_id after which the next poll starts; None before `recent()`."""
        return self._checkpoint

    # ------------------------------------------------------------------ the latest entries

    async def recent(self) -> list[dict[str, Any]]:
        """The last `initial` entries (of `types`), oldest first; following starts after the
        newest entry of the log, whatever its type."""
        async with self._lock:
            return await self._start(self.initial)

    async def _start(self, count: int) -> list[dict[str, Any]]:
        if self.types is None:
            newest_first = await self._search(None, max(count, 1))
            entries = newest_first[:count]
        else:
            # The checkpoint first: an entry written between the two searches then comes
            # after it, and the seen ids keep the poll from showing it a second time.
            newest_first = await self._search(None, 1)
            entries = await self._search_types(count) if count else []
        self._checkpoint = (_log_id(newest_first[0]) if newest_first else None) or ""
        batch = list(reversed(entries))
        for entry in batch:
            if (log_id := _log_id(entry)) is not None:
                self._seen.add(log_id)
        return batch

    async def _search_types(self, count: int) -> list[dict[str, Any]]:
        assert self.types is not None
        codes = sorted(self.types)
        if len(codes) == 1:
            return await self._search(f"type:{codes[0]}", count)
        if self._or_queries:
            try:
                return await self._search(f"type:({' OR '.join(codes)})", count)
            except ApiError as exc:
                if exc.status != 400:
                    raise
                # A server with a smaller query language (the emulator takes AND only): one
                # search per type, merged. Remembered, so that the refusal is met once.
                log.info("log search refused an OR query (%s); searching each type on its own", exc)
                self._or_queries = False
        merged: dict[str, dict[str, Any]] = {}
        for code in codes:
            for entry in await self._search(f"type:{code}", count):
                merged.setdefault(_log_id(entry) or str(id(entry)), entry)
        newest_first = sorted(
            merged.values(), key=lambda e: (str(e.get("date", "")), _log_id(e) or ""), reverse=True
        )
        return newest_first[:count]

    async def _search(self, q: str | None, count: int) -> list[dict[str, Any]]:
        """Up to `count` entries matching `q`, newest first, each once."""
        per_page = min(count, PER_PAGE)
        found: list[dict[str, Any]] = []
        ids: set[str] = set()
        for page in range(-(-count // per_page)):
            items = await self.client.logs(q=q, page=page, per_page=per_page)
            for entry in items:
                # Entries that arrive while paging push older ones onto the next page.
                log_id = _log_id(entry)
                if log_id is None or log_id not in ids:
                    found.append(entry)
                    if log_id is not None:
                        ids.add(log_id)
            if len(items) < per_page:
                break
        return found[:count]

    # ------------------------------------------------------------------ new entries

    async def poll(self) -> list[dict[str, Any]]:
        """Every entry (of `types`) written after the checkpoint, oldest first, none twice.

        Before `recent()`, a poll only learns where the log ends and returns nothing. Nothing
        changes until every page has been read: after a failure the next poll starts from the
        same checkpoint, so no entry is lost.
        """
        async with self._lock:
            if self._checkpoint is None:
                return await self._start(0)
            checkpoint = self._checkpoint
            batch: list[dict[str, Any]] = []
            visited: dict[str, None] = {}  # every id read past the checkpoint, kept or filtered out, in order
            while True:
                page = await self.client.logs(from_id=checkpoint, take=self.take)
                fresh = False
                for entry in page:
                    log_id = _log_id(entry)
                    # A server may serve an entry again: the checkpoint itself (if `from` is
                    # inclusive), or more when its pages overlap.
                    if log_id is None or log_id == checkpoint or log_id in self._seen or log_id in visited:
                        continue
                    fresh = True
                    visited[log_id] = None
                    if self.types is None or entry.get("type") in self.types:
                        batch.append(entry)
                if not fresh:
                    break  # nothing past the checkpoint; also keeps it from moving backwards
                checkpoint = _log_id(page[-1]) or next(reversed(visited))
                if len(page) < self.take:
                    break
            self._checkpoint = checkpoint
            for log_id in visited:
                self._seen.add(log_id)
            return batch

    # ------------------------------------------------------------------ both, on a timer

    async def follow(self) -> AsyncIterator[list[dict[str, Any]]]:
        """`recent()`, then `poll()` every `interval` seconds, forever: each non-empty batch.

        A transient failure (see `is_transient`) goes to `on_error` and the next round tries
        again from the same checkpoint; any other error ends the iteration by propagating.
        """
        while True:
            try:
                batch = await self.recent()
                break
            except RemoteError as exc:
                self._transient(exc)
            await self._sleep(self.interval)
        if batch:
            yield batch
        while True:
            await self._sleep(self.interval)
            try:
                batch = await self.poll()
            except RemoteError as exc:
                self._transient(exc)
                continue
            if batch:
                yield batch

    def _transient(self, error: RemoteError) -> None:
        """Report a failure that following outlives; raise one it does not."""
        if not is_transient(error):
            raise error
        log.warning("log poll failed, trying again in %gs: %s", self.interval, error)
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception:
                # Showing the failure must not end the tail it is about.
                log.exception("on_error failed for %r", str(error))


# ---------------------------------------------------------------------------- one line


def _clean(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return " ".join(_CONTROLS.sub(" ", text).split())


def _local_time(value: Any) -> str:
    try:
        stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return "--:--:--"
    return stamp.astimezone().strftime("%H:%M:%S")  # a naive stamp is taken as local already


def _hook_name(entry: Mapping[str, Any]) -> str | None:
    details = entry.get("details")
    details = details if isinstance(details, Mapping) else {}
    hook = details.get("hook")
    candidates = [
        entry.get("hook_name"),
        details.get("hook_name"),
        hook.get("name") if isinstance(hook, Mapping) else hook,
    ]
    request, response = details.get("request"), details.get("response")
    # A Management API call on a hook: the answer names it (sapi entries).
    if isinstance(request, Mapping) and str(request.get("path", "")).startswith("/api/v2/hooks"):
        body = response.get("body") if isinstance(response, Mapping) else None
        if isinstance(body, Mapping):
            candidates.append(body.get("name"))
    return next((str(c) for c in candidates if isinstance(c, str) and c), None)


def format_entry(entry: Mapping[str, Any], *, redactor: Redactor | None = None) -> str:
    """One terminal line: local time, type code, what the code means, the description, and the
    application, user and hook when the entry names them.

    `details` is never shown (it holds request bodies); control characters are blanked; a
    `redactor` masks the secret values it knows (a hook's secrets that a failing hook put in its
    error message).
    """
    code = _clean(entry.get("type") or "?")
    label = EVENT_TYPES.get(code)
    head = f"{_local_time(entry.get('date'))}  {code:<6}"
    parts = [label] if label else []
    description = _clean(entry.get("description") or "")
    if description:
        parts.append(description)
    for name, value in (
        ("client", entry.get("client_name")),
        ("user", entry.get("user_name")),
        ("hook", _hook_name(entry)),
    ):
        if value:
            parts.append(f"{name} {_clean(value)}")
    line = f"{head}  {' · '.join(parts)}" if parts else head.rstrip()
    return redactor.text(line) if redactor else line
