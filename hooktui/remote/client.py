"""The Auth0 Management API client: hooks, their secrets and tenant logs over httpx, each request
paced and retried by a RateLimitPolicy, with no secret or token in any message.

Why tenacity, and how: the retry loop's bookkeeping (attempt numbers, time since the first
attempt, "sleep, then try again", re-raising the last error) is what tenacity is for, and its
`AsyncRetrying` takes plain callables for each decision. Every decision is the policy's: `wait`
asks `wait_after_429` or `wait_before_retry`, `stop` asks `gives_up` (max_attempts, max_total with
the coming wait included), `retry` says which failures may be repeated, and `before_sleep`
reports the wait as an event. None of tenacity's stock waits is used: `wait_exponential` as its
README shows it takes minutes for what the headers say takes seconds.

What is retried:
- 429, always (the server refused the request, nothing happened), bounded by the policy;
- a request that never left (connection refused, connect or pool timeout), always;
- 5xx and a connection lost after sending (the outcome is unknown) only for idempotent requests:
  GET, DELETE, PATCH of a hook and of secrets (they set values; repeating them sets the same),
  and the token request. A DELETE that was maybe done answers 404 on its repeat: that counts as
  done.
- POST is not idempotent. `create_hook` whose outcome is unknown looks the hook up by name and
  returns it if the lost attempt created it, else creates it again; `add_secrets` reads which keys
  exist and updates those, adds the rest. No run leaves a duplicate hook or a half-added set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState

from hooktui import __version__
from hooktui.core.config import Credentials, is_loopback
from hooktui.core.redaction import Redactor
from hooktui.remote.errors import ApiError, CredentialsError, NetworkError, RemoteError
from hooktui.remote.errors import Retryable as _Retryable
from hooktui.remote.errors import json_body as _json
from hooktui.remote.ratelimit import RateLimitConfig, RateLimitEvent, RateLimitPolicy
from hooktui.remote.unknown_outcome import UnknownOutcomes

log = logging.getLogger("hooktui.remote")

API = "/api/v2"
TOKEN_PATH = "/oauth/token"
PER_PAGE = 100  # the API's maximum
# What the console and the CLI receive: a wait (RateLimitEvent) or a line of text.
EventSink = Callable[[RateLimitEvent | str], None]


# ---------------------------------------------------------------------------- the tenant's address


def tenant_base_url(domain: str) -> str:
    """The API's base URL from AUTH0_DOMAIN: a bare domain means https; a full URL may use plain
    http only for a loopback host (a local emulator)."""
    text = domain.strip()
    shown = f"AUTH0_DOMAIN {text!r}"
    if not text:
        raise CredentialsError("AUTH0_DOMAIN is empty: set it to your tenant, e.g. my-tenant.eu.auth0.com")
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise CredentialsError(f"{shown} is not a valid address: {exc}") from None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or not host:
        raise CredentialsError(f"{shown}: expected a domain like my-tenant.eu.auth0.com or an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise CredentialsError(f"{shown}: credentials do not belong in the address")
    if parts.path.rstrip("/") not in ("", API) or parts.query or parts.fragment:
        raise CredentialsError(f"{shown}: give the tenant's address without a path, e.g. https://{host}")
    if scheme == "http" and not is_loopback(host):
        raise CredentialsError(
            f"{shown}: plain http is accepted only for a local emulator on a loopback address "
            f"(127.0.0.1, localhost, ::1); a tenant is reached over https://{host}"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


# ---------------------------------------------------------------------------- one request


@dataclass
class _Call:
    method: str
    path: str
    policy: RateLimitPolicy
    idempotent: bool
    authenticated: bool = True
    params: dict[str, Any] | None = None
    body: Any = None  # JSON; None for no body
    token_used: str | None = None
    refreshed: bool = False  # a 401 already led to a new token
    maybe_done: bool = False  # an earlier attempt may have taken effect
    gone_is_done: bool = False  # a 404 after such an attempt means it did (DELETE)


class _Tokens:
    """The access token: a ready one (AUTH0_TOKEN), or one from the client-credentials grant,
    cached until shortly before it expires and fetched again after a 401."""

    def __init__(self, client: ManagementClient, credentials: Credentials) -> None:
        self._client = client
        self._static = credentials.token
        self._client_id = credentials.client_id
        self._client_secret = credentials.client_secret
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def can_refresh(self) -> bool:
        return bool(self._client_id and self._client_secret)

    async def get(self) -> str:
        if self._static:
            return self._static
        if self._token and time.monotonic() < self._expires_at:
            return self._token
        async with self._lock:  # concurrent callers share one fetch
            if self._token and time.monotonic() < self._expires_at:
                return self._token
            return await self._fetch()

    async def renew(self, rejected: str | None) -> None:
        """Forget `rejected` (unless another caller has already replaced it) and fetch anew."""
        async with self._lock:
            if self._static and self._static == rejected:
                self._static = None  # fall back on the client credentials
            if self._token is None or self._token == rejected:
                self._token = None
                await self._fetch()

    async def _fetch(self) -> str:
        base = self._client.base_url
        response = await self._client._request(
            "POST",
            TOKEN_PATH,
            json={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "audience": f"{base}{API}/",
            },
            policy=self._client._auth_policy,
            idempotent=True,  # a second token is as good as the first
            authenticated=False,
        )
        data = _json(response)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError(
                response.status_code, None, "the token response has no access_token", "POST", TOKEN_PATH
            )
        self._client._secrets.add(token)
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 3600.0
        # Renew a little early, so that a token never expires between our check and the server's.
        self._expires_at = time.monotonic() + lifetime - min(60.0, lifetime / 10)
        self._token = token
        return token


class _Secrets:
    """Every secret value the client has seen, to mask in what it shows."""

    def __init__(self, values: Iterable[str | None]) -> None:
        self._values = {v for v in values if v}
        self._redactor = Redactor(self._values)

    def add(self, *values: str | None) -> None:
        new = {v for v in values if v} - self._values
        if new:
            self._values |= new
            self._redactor = Redactor(self._values)

    def mask(self, text: str) -> str:
        return self._redactor.text(text)



def _quote(value: str) -> str:
    return quote(str(value), safe="")


# ---------------------------------------------------------------------------- the client


class ManagementClient(UnknownOutcomes):
    """The Management API of one tenant. Use as `async with ManagementClient(creds) as api:`.

    `on_event` receives every wait (a RateLimitEvent) and notes such as "looking the hook up by
    name"; `transport`, `sleep` and `rate_limit` are there for tests and benchmarks. `remember`
    (default: when no `policy` is given) starts from what earlier commands learnt of the tenant's
    rate limit and keeps what this one learnt, on close.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        on_event: EventSink | None = None,
        rate_limit: RateLimitConfig | None = None,
        policy: RateLimitPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        remember: bool | None = None,
    ) -> None:
        if not credentials.domain:
            raise CredentialsError(
                "no tenant: set AUTH0_DOMAIN (e.g. my-tenant.eu.auth0.com, or http://127.0.0.1:PORT "
                "for a local emulator)"
            )
        if not credentials.token and not (credentials.client_id and credentials.client_secret):
            missing = [
                name
                for name, value in (
                    ("AUTH0_CLIENT_ID", credentials.client_id),
                    ("AUTH0_CLIENT_SECRET", credentials.client_secret),
                )
                if not value
            ]
            raise CredentialsError(
                f"no credentials for {credentials.domain}: set {' and '.join(missing)} (a machine-to-"
                f"machine application authorised for the Management API), or AUTH0_TOKEN"
            )
        self.base_url = tenant_base_url(credentials.domain)
        self.client_id = credentials.client_id
        self.on_event = on_event
        self._secrets = _Secrets([credentials.client_secret, credentials.token])
        self.policy = policy or RateLimitPolicy(rate_limit)
        if self.policy.on_event is None:
            self.policy.on_event = self._emit
        # The authentication API (/oauth/token) has its own limits on Auth0: its headers must not
        # teach the Management API's bucket.
        self._auth_policy = RateLimitPolicy(self.policy.config, clock=self.policy.clock, on_event=self._emit)
        # What earlier commands learnt of this tenant's buckets (hooktui.remote.ratememory); a
        # caller that brings its own policy (a test, a benchmark) owns what it knows.
        self._remember = policy is None if remember is None else remember
        if self._remember:
            from hooktui.remote import ratememory

            memory = ratememory.recall(self.base_url)
            self.policy.recall(memory.get("api"))
            self._auth_policy.recall(memory.get("auth"))
        self._sleep = sleep
        self._pacer = {id(p): asyncio.Lock() for p in (self.policy, self._auth_policy)}
        self._tokens = _Tokens(self, credentials)
        loopback = is_loopback(urlsplit(self.base_url).hostname or "")
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": f"hooktui/{__version__}", "Accept": "application/json"},
            follow_redirects=False,  # a redirect must not carry the token elsewhere
            trust_env=not loopback,  # a proxy from the environment never sees emulator traffic
        )

    async def __aenter__(self) -> ManagementClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._remember:
            from hooktui.remote import ratememory

            ratememory.remember(self.base_url, {"api": self.policy.remember(), "auth": self._auth_policy.remember()})
            self._remember = False  # once, even if closed twice
        await self._http.aclose()

    def __repr__(self) -> str:
        auth = "client credentials" if self._tokens.can_refresh else "token"
        return f"ManagementClient(base_url={self.base_url!r}, client_id={self.client_id!r}, auth={auth!r})"

    __str__ = __repr__

    # ------------------------------------------------------------------------ events

    def _emit(self, event: RateLimitEvent | str) -> None:
        if isinstance(event, str):
            event = self._secrets.mask(event)
        log.info("%s", event)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                # Showing a wait must not break the request it is about (a push half done).
                log.exception("on_event failed for %r", str(event))

    # ------------------------------------------------------------------------ requests

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool,
        policy: RateLimitPolicy | None = None,
        authenticated: bool = True,
        gone_is_done: bool = False,
    ) -> httpx.Response:
        """One API call: pacing, retries, token renewal; a RemoteError if it does not succeed."""
        call = _Call(
            method,
            path,
            policy or self.policy,
            idempotent,
            authenticated,
            params=dict(params) if params else None,
            body=json,
            gone_is_done=gone_is_done,
        )
        retrying = AsyncRetrying(
            sleep=self._sleep,
            retry=lambda state: self._may_retry(call, state),
            wait=lambda state: self._wait(call, state),
            stop=lambda state: call.policy.gives_up(
                state.attempt_number, state.seconds_since_start or 0.0, state.upcoming_sleep
            ),
            before_sleep=lambda state: self._report(call, state),
            reraise=True,
        )
        try:
            return await retrying(self._attempt, call)
        except _Retryable as failed:
            error = failed.error
            if failed.rate_limited and isinstance(error, ApiError):
                attempts = retrying.statistics.get("attempt_number", 1)
                error = ApiError(
                    error.status, error.error_code, error.message, error.method, error.path,
                    hint=f"still rate limited after {attempts} attempts; try again later",
                )
            raise error from None

    @staticmethod
    def _failure(state: RetryCallState) -> _Retryable | None:
        outcome = state.outcome
        if outcome is None or not outcome.failed:
            return None
        exc = outcome.exception()
        return exc if isinstance(exc, _Retryable) else None

    def _may_retry(self, call: _Call, state: RetryCallState) -> bool:
        failure = self._failure(state)
        if failure is None:
            return False
        if failure.rate_limited or not failure.error.outcome_unknown:
            return True  # refused, or never sent: nothing happened
        return call.idempotent

    def _wait(self, call: _Call, state: RetryCallState) -> float:
        failure = self._failure(state)
        if failure is not None and failure.rate_limited:
            assert failure.response is not None
            return call.policy.wait_after_429(failure.response.headers, state.attempt_number)
        return call.policy.wait_before_retry(state.attempt_number)

    def _report(self, call: _Call, state: RetryCallState) -> None:
        failure = self._failure(state)
        wait = state.upcoming_sleep
        attempt = f"attempt {state.attempt_number + 1} of {call.policy.config.max_attempts}"
        if failure is not None and failure.rate_limited:
            call.policy.report("429", wait, f"{call.method} {call.path}, {attempt}")
            return
        reason = failure.error if failure is not None else "failed"
        call.policy.report("retry", wait, f"{reason}; {attempt}")

    async def _attempt(self, call: _Call) -> httpx.Response:
        response = await self._send(call)
        renewable = call.authenticated and not call.refreshed and self._tokens.can_refresh
        if response.status_code == 401 and renewable:
            call.refreshed = True
            self._emit(f"{call.method} {call.path}: the access token was refused; fetching a new one")
            await self._tokens.renew(call.token_used)
            response = await self._send(call)
        status = response.status_code
        if status < 400:
            return response
        if status == 404 and call.maybe_done and call.gone_is_done:
            return response  # the attempt whose answer was lost did it
        error = self._api_error(response, call)
        if status == 429 or status >= 500:
            call.maybe_done = call.maybe_done or status >= 500
            raise _Retryable(error, response)
        raise error

    async def _send(self, call: _Call) -> httpx.Response:
        """Send once: token, pacing, the request; the policy learns from the answer."""
        headers = {}
        if call.authenticated:
            call.token_used = await self._tokens.get()
            headers["Authorization"] = f"Bearer {call.token_used}"
        policy = call.policy
        # Callers take their turn at the pacer, so that each wait is computed from the latest
        # answer (a wait booked long ahead from an early, rough rate would stay rough).
        async with self._pacer[id(policy)]:
            delay = policy.delay_before_request()
            if delay > 0:
                try:
                    await self._sleep(delay)
                except BaseException:
                    policy.forget_request()
                    raise
            sent_at = policy.sending()
            if policy.needs_order:
                # Nothing is known of the bucket before the first answer (concurrent callers could
                # empty a small one at once), and a nearly empty bucket of unknown rate is learnt
                # from answers in order: such a request goes alone.
                return await self._transmit(call, headers, sent_at)
        return await self._transmit(call, headers, sent_at)

    async def _transmit(self, call: _Call, headers: dict[str, str], sent_at: float) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await self._http.request(
                call.method,
                call.path,
                params=call.params,
                json=call.body,
                headers=headers,
            )
        except httpx.TransportError as exc:
            call.policy.forget_request(sent_at)
            unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
            call.maybe_done = call.maybe_done or not unsent
            reason = self._secrets.mask(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            error = NetworkError(call.method, call.path, reason, outcome_unknown=not unsent)
            raise _Retryable(error) from None
        except BaseException:  # cancelled
            call.policy.forget_request(sent_at)
            raise
        call.policy.observe(response.headers, sent_at=sent_at, status=response.status_code)
        log.debug(
            "%s %s -> %s in %.0f ms (%s/%s left)",
            call.method,
            call.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
            call.policy.remaining,
            call.policy.limit,
        )
        return response

    def _api_error(self, response: httpx.Response, call: _Call) -> ApiError:
        body = _json(response)
        message = code = None
        if isinstance(body, dict):
            message = body.get("message") or body.get("error_description")
            code = body.get("errorCode")
            if code is None and "error_description" in body:
                code = body.get("error")  # the authentication API's shape
            message = message or body.get("error")
        status = response.status_code
        text = self._secrets.mask(str(message or response.reason_phrase or f"HTTP {status}"))
        hint = None
        if call.path == TOKEN_PATH and status in (401, 403):
            hint = (
                "check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and that the application may use "
                "the Management API"
            )
        elif status == 401 and not self._tokens.can_refresh:
            hint = (
                "AUTH0_TOKEN was refused: it may have expired; set a new one, or "
                "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET"
            )
        elif status == 403:
            hint = "the application lacks a scope for this call (read:hooks, create:hooks, ...)"
        return ApiError(status, str(code) if code else None, text, call.method, call.path, hint=hint)

    # ------------------------------------------------------------------------ hooks

    async def list_hooks(
        self, *, trigger: str | None = None, enabled: bool | None = None
    ) -> list[dict[str, Any]]:
        """Every hook (optionally of one trigger, or only enabled/disabled ones), all pages."""
        params: dict[str, Any] = {"per_page": PER_PAGE, "include_totals": "true"}
        if trigger is not None:
            params["triggerId"] = str(getattr(trigger, "value", trigger))
        if enabled is not None:
            params["enabled"] = "true" if enabled else "false"
        hooks: list[dict[str, Any]] = []
        for page in range(10_000):  # a bound in case a server keeps answering full pages
            page_params = {**params, "page": page}
            body = _json(await self._request("GET", f"{API}/hooks", params=page_params, idempotent=True))
            if isinstance(body, list):
                items, total = body, None
            elif isinstance(body, dict):
                items, total = body.get("hooks") or [], body.get("total")
            else:
                items, total = [], None
            hooks.extend(items)
            if len(items) < PER_PAGE or (isinstance(total, int) and len(hooks) >= total):
                break
        return hooks

    async def get_hook(self, hook_id: str) -> dict[str, Any]:
        return _json(await self._request("GET", f"{API}/hooks/{_quote(hook_id)}", idempotent=True))

    async def update_hook(self, hook_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH name, script, enabled or dependencies. A trigger cannot change: delete and create."""
        if "triggerId" in changes:
            raise ValueError("a hook's triggerId cannot change: delete the hook and create it again")
        path = f"{API}/hooks/{_quote(hook_id)}"
        return _json(await self._request("PATCH", path, json=dict(changes), idempotent=True))

    async def delete_hook(self, hook_id: str) -> None:
        path = f"{API}/hooks/{_quote(hook_id)}"
        await self._request("DELETE", path, idempotent=True, gone_is_done=True)

    # ------------------------------------------------------------------------ secrets

    async def get_secrets(self, hook_id: str) -> dict[str, str]:
        """The hook's secret names; the API shows every value as `_VALUE_NOT_SHOWN_`."""
        body = _json(await self._request("GET", f"{API}/hooks/{_quote(hook_id)}/secrets", idempotent=True))
        return dict(body) if isinstance(body, dict) else {}

    async def update_secrets(self, hook_id: str, secrets: Mapping[str, str]) -> None:
        """Change the values of existing secrets (404 for an unknown key)."""
        secrets = dict(secrets)
        self._secrets.add(*secrets.values())
        path = f"{API}/hooks/{_quote(hook_id)}/secrets"
        await self._request("PATCH", path, json=secrets, idempotent=True)

    async def delete_secrets(self, hook_id: str, keys: Iterable[str]) -> None:
        path = f"{API}/hooks/{_quote(hook_id)}/secrets"
        await self._request("DELETE", path, json=list(keys), idempotent=True)

    # ------------------------------------------------------------------------ logs

    async def logs(
        self,
        *,
        q: str | None = None,
        from_id: str | None = None,
        take: int = 100,
        page: int | None = None,
        per_page: int | None = None,
    ) -> list[dict[str, Any]]:
        """Tenant log entries. With `from_id`: checkpoint mode, the `take` entries after it, oldest
        first (no search there). Otherwise search mode, newest first: `q` (Lucene syntax),
        `page`/`per_page`, `take` as the page size when `per_page` is not given."""
        params: dict[str, Any]
        if from_id is not None:
            if q is not None or page is not None or per_page is not None:
                raise ValueError("checkpoint mode (from_id) takes neither q, page nor per_page")
            params = {"from": from_id, "take": min(take, PER_PAGE)}
        else:
            params = {"per_page": min(per_page or take, PER_PAGE), "sort": "date:-1"}
            if q:
                params["q"] = q
            if page is not None:
                params["page"] = page
        body = _json(await self._request("GET", f"{API}/logs", params=params, idempotent=True))
        if isinstance(body, dict):
            body = body.get("logs")
        return list(body) if isinstance(body, list) else []



# Re-exported for importers outside remote (the console, the CLI, tests), see report.
__all__ = ["PER_PAGE", "ApiError", "CredentialsError", "ManagementClient", "NetworkError", "RemoteError",
           "tenant_base_url"]
