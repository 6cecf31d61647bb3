"""ManagementClient: single response shapes over httpx.MockTransport, then whole flows against the
real emulator on 127.0.0.1 (rate limit, dropped connections, 5xx, expired tokens)."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hooktui.core.config import Credentials
from hooktui.remote.client import ManagementClient, tenant_base_url
from hooktui.remote.errors import ApiError, CredentialsError, NetworkError
from hooktui.remote.ratelimit import RateLimitConfig, RateLimitEvent, RateLimitPolicy
from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.emulator import Emulator

DOMAIN = "tenant.eu.auth0.com"
CLIENT_ID = "m2m-client-id"
CLIENT_SECRET = "client-secret-5f2c9a7e"
SCRIPT = "module.exports = function (client, scope, audience, context, cb) { cb(null, {}); };"
CE = "credentials-exchange"


def hook_body(name: str, trigger: str = CE, script: str = SCRIPT) -> dict[str, Any]:
    return {"name": name, "script": script, "triggerId": trigger}


def api_error(status: int, message: str, code: str | None = None) -> httpx.Response:
    """An answer in the Management API's error shape."""
    body: dict[str, Any] = {"statusCode": status, "error": "Error", "message": message}
    if code:
        body["errorCode"] = code
    return httpx.Response(status, json=body)


class FakeTime:
    """The policy's clock and the client's sleep in one: sleeping moves the clock, at once."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.5
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Tenant:
    """A scripted Management API for MockTransport: a token endpoint, hooks in a dict, and a queue
    of canned outcomes per "METHOD /path" (a Response, an exception, or a callable)."""

    def __init__(self) -> None:
        self.hooks: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, dict[str, str]] = {}
        self.requests: list[httpx.Request] = []
        self.script: dict[str, list[Any]] = {}
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()

    def then(self, route: str, *outcomes: Any) -> Tenant:
        self.script.setdefault(route, []).extend(outcomes)
        return self

    def count(self, route: str) -> int:
        method, path = route.split(" ", 1)
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = f"{request.method} {request.url.path}"
        queued = self.script.get(route)
        if queued:
            outcome = queued.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            if callable(outcome):
                return outcome(request)
            return outcome
        return self.serve(request)

    def serve(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if path == "/oauth/token":
            body = json.loads(request.content)
            if body.get("client_secret") != CLIENT_SECRET:
                denied = {"error": "access_denied", "error_description": "Unauthorized"}
                return httpx.Response(401, json=denied)
            self.tokens_issued += 1
            token = f"access-token-{self.tokens_issued}-xyz"
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": 86400})
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return api_error(401, "Invalid token")
        if path == "/api/v2/hooks" and method == "POST":
            return self.create(request)
        if path == "/api/v2/hooks" and method == "GET":
            items = list(self.hooks.values())
            page = int(request.url.params.get("page", 0))
            per_page = int(request.url.params.get("per_page", 50))
            chunk = items[page * per_page : (page + 1) * per_page]
            return httpx.Response(200, json={"hooks": chunk, "total": len(items)})
        if path.startswith("/api/v2/hooks/"):
            rest = path.removeprefix("/api/v2/hooks/").split("/")
            hook_id = rest[0]
            if hook_id not in self.hooks:
                return api_error(404, "The hook does not exist.", "inexistent_hook")
            if len(rest) == 1 and method == "GET":
                return httpx.Response(200, json=self.hooks[hook_id])
            if len(rest) == 1 and method == "DELETE":
                del self.hooks[hook_id]
                return httpx.Response(204)
            if rest[1:] == ["secrets"]:
                return self.secret_call(hook_id, request)
        return api_error(404, "Not Found")

    def create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if any(h["name"] == body["name"] for h in self.hooks.values()):
            return api_error(409, f'A hook with the name "{body["name"]}" already exists.', "hook_conflict")
        hook_id = f"hook-{len(self.hooks) + 1}"
        self.hooks[hook_id] = {"id": hook_id, "enabled": False, "dependencies": {}, **body}
        return httpx.Response(201, json=self.hooks[hook_id])

    def secret_call(self, hook_id: str, request: httpx.Request) -> httpx.Response:
        current = self.secrets.setdefault(hook_id, {})
        if request.method == "GET":
            return httpx.Response(200, json=dict.fromkeys(current, "_VALUE_NOT_SHOWN_"))
        body = json.loads(request.content)
        if request.method == "POST":
            if any(k in current for k in body):
                return api_error(409, "Secret exists", "hook_secret_conflict")
            current.update(body)
            return httpx.Response(201)
        if request.method == "PATCH":
            if any(k not in current for k in body):
                return api_error(404, "No such secret", "inexistent_hook_secret")
            current.update(body)
            return httpx.Response(201)
        for key in body:
            current.pop(key, None)
        return httpx.Response(204)

    def after(
        self, effect: Callable[[httpx.Request], Any], then: Any
    ) -> Callable[[httpx.Request], httpx.Response]:
        """An outcome that does `effect` (as the server would) and then answers `then` (or raises)."""

        def outcome(request: httpx.Request) -> httpx.Response:
            effect(request)
            if isinstance(then, BaseException):
                raise then
            return then

        return outcome


def make_client(
    tenant: Tenant,
    *,
    credentials: Credentials | None = None,
    events: list | None = None,
    config: RateLimitConfig | None = None,
) -> tuple[ManagementClient, FakeTime]:
    fake = FakeTime()
    creds = credentials or Credentials(domain=DOMAIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    policy = RateLimitPolicy(config, clock=fake, random=lambda: 0.5)
    client = ManagementClient(
        creds,
        policy=policy,
        transport=httpx.MockTransport(tenant.handler),
        sleep=fake.sleep,
        on_event=None if events is None else events.append,
    )
    return client, fake


def rate_limited(reset_in: float | None = None, retry_after: str | None = None) -> httpx.Response:
    """Auth0's 429; Reset is `reset_in` seconds after FakeTime's start, rounded up."""
    response = api_error(429, "Global limit has been reached", "too_many_requests")
    response.headers.update({"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0"})
    if reset_in is not None:
        response.headers["X-RateLimit-Reset"] = str(math.ceil(1_700_000_000.5 + reset_in))
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def unavailable(status: int = 503) -> httpx.Response:
    return api_error(status, "try later")


# ---------------------------------------------------------------------------- the tenant's address


@pytest.mark.parametrize(
    ("domain", "base"),
    [
        ("tenant.eu.auth0.com", "https://tenant.eu.auth0.com"),
        (" https://tenant.eu.auth0.com/ ", "https://tenant.eu.auth0.com"),
        ("https://tenant.eu.auth0.com/api/v2/", "https://tenant.eu.auth0.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.3.2.1:9", "http://127.3.2.1:9"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_domain_or_url(domain, base):
    assert tenant_base_url(domain) == base


@pytest.mark.parametrize(
    ("domain", "says"),
    [
        ("http://tenant.eu.auth0.com", "plain http is accepted only for a local emulator"),
        ("http://10.0.0.5:8080", "plain http is accepted only for a local emulator"),
        ("http://127.0.0.1.evil.example", "plain http is accepted only for a local emulator"),
        ("ftp://tenant.eu.auth0.com", "expected a domain"),
        ("https://tenant.eu.auth0.com/some/path", "without a path"),
        ("https://user:pw@tenant.eu.auth0.com", "credentials do not belong"),
        ("", "AUTH0_DOMAIN is empty"),
        ("https://tenant.eu.auth0.com:99999", "not a valid address"),
    ],
)
def test_bad_domains_are_refused_clearly(domain, says):
    with pytest.raises(CredentialsError, match=says):
        tenant_base_url(domain)


def test_missing_credentials_say_what_to_set():
    with pytest.raises(CredentialsError, match="AUTH0_DOMAIN"):
        ManagementClient(Credentials(client_id="x", client_secret="y"))
    with pytest.raises(CredentialsError, match="AUTH0_CLIENT_SECRET.*AUTH0_TOKEN"):
        ManagementClient(Credentials(domain=DOMAIN, client_id="x"))


# ---------------------------------------------------------------------------- tokens


async def test_the_token_is_fetched_once_and_used_as_bearer():
    tenant = Tenant()
    client, _ = make_client(tenant)
    async with client:
        for _ in range(3):
            assert await client.list_hooks() == []
    assert tenant.tokens_issued == 1
    token_request = json.loads(tenant.requests[0].content)
    assert token_request == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "audience": f"https://{DOMAIN}/api/v2/",
    }
    assert tenant.requests[1].headers["Authorization"] == "Bearer access-token-1-xyz"


async def test_concurrent_first_calls_share_one_token_fetch():
    tenant = Tenant()
    client, _ = make_client(tenant)
    async with client:
        await asyncio.gather(*(client.list_hooks() for _ in range(5)))
    assert tenant.tokens_issued == 1


async def test_a_401_renews_the_token_once_and_retries():
    tenant = Tenant()
    client, _ = make_client(tenant)
    async with client:
        await client.list_hooks()
        tenant.valid_tokens.clear()  # the tenant revoked or expired it
        await client.list_hooks()
        assert tenant.tokens_issued == 2
        tenant.then("GET /api/v2/hooks", api_error(401, "Invalid token"), api_error(401, "Invalid token"))
        with pytest.raises(ApiError) as caught:
            await client.list_hooks()
    assert caught.value.status == 401
    assert tenant.tokens_issued == 3  # renewed once for that call, not in a loop


async def test_a_refused_ready_token_says_so():
    tenant = Tenant()
    creds = Credentials(domain=DOMAIN, token="ready-token-4b9f0d")
    client, _ = make_client(tenant, credentials=creds)
    async with client:
        with pytest.raises(ApiError, match="AUTH0_TOKEN was refused") as caught:
            await client.list_hooks()
    assert caught.value.status == 401
    assert tenant.tokens_issued == 0
    assert "ready-token-4b9f0d" not in str(caught.value)


async def test_bad_client_secret_is_a_clear_401():
    tenant = Tenant()
    creds = Credentials(domain=DOMAIN, client_id=CLIENT_ID, client_secret="wrong-secret-77aa")
    client, _ = make_client(tenant, credentials=creds)
    async with client:
        with pytest.raises(ApiError) as caught:
            await client.get_hook("h1")
    error = caught.value
    assert (error.status, error.error_code, error.message) == (401, "access_denied", "Unauthorized")
    assert error.path == "/oauth/token"
    assert "AUTH0_CLIENT_SECRET" in str(error)
    assert "wrong-secret-77aa" not in str(error)


# ---------------------------------------------------------------------------- 429


async def test_a_429_with_retry_after_waits_that_long():
    tenant, events = Tenant(), []
    tenant.then("GET /api/v2/hooks", rate_limited(reset_in=5, retry_after="2"))
    client, fake = make_client(tenant, events=events)
    async with client:
        assert await client.list_hooks() == []
    waits = [e for e in events if isinstance(e, RateLimitEvent) and e.kind == "429"]
    assert len(waits) == 1
    assert waits[0].wait == pytest.approx(2.0 + 0.5 * 0.25)  # Retry-After plus (bounded) jitter
    assert waits[0].message.startswith(
        "rate limited: waiting 2.1 s, 0/10 left (GET /api/v2/hooks, attempt 2 of 5)"
    )
    assert fake.slept[0] == waits[0].wait
    assert tenant.count("GET /api/v2/hooks") == 2


async def test_a_429_without_retry_after_waits_until_reset():
    tenant, events = Tenant(), []
    tenant.then("GET /api/v2/hooks", rate_limited(reset_in=3))  # Reset = 1_700_000_004
    client, fake = make_client(tenant, events=events)
    async with client:
        await client.list_hooks()
    (wait,) = [e.wait for e in events if isinstance(e, RateLimitEvent) and e.kind == "429"]
    assert wait == pytest.approx(3.5 + 0.5 * 0.25)  # from 1_700_000_000.5 to Reset, plus jitter
    assert fake.slept == [wait]  # and no pacing on top: by then the bucket has refilled


async def test_a_429_that_does_not_end_gives_up_with_the_apis_message():
    tenant = Tenant()
    tenant.then("GET /api/v2/hooks/h1", *[rate_limited(retry_after="1") for _ in range(10)])
    client, fake = make_client(tenant, config=RateLimitConfig(max_attempts=4))
    async with client:
        with pytest.raises(ApiError) as caught:
            await client.get_hook("h1")
    error = caught.value
    assert (error.status, error.error_code) == (429, "too_many_requests")
    assert error.message == "Global limit has been reached"
    assert "still rate limited after 4 attempts" in str(error)
    assert tenant.count("GET /api/v2/hooks/h1") == 4
    assert len(fake.slept) >= 3


async def test_total_time_is_bounded_too():
    tenant = Tenant()
    tenant.then("GET /api/v2/hooks/h1", *[rate_limited(retry_after="8") for _ in range(10)])
    client, _ = make_client(tenant, config=RateLimitConfig(max_total=0.5))
    async with client:
        with pytest.raises(ApiError, match="429"):
            await client.get_hook("h1")
    assert tenant.count("GET /api/v2/hooks/h1") == 1  # an 8 s wait would pass max_total


# ---------------------------------------------------------------------------- 5xx and the network


async def test_5xx_on_a_read_is_retried_with_backoff():
    tenant, events = Tenant(), []
    tenant.then("GET /api/v2/hooks", unavailable(503), unavailable(502))
    client, _ = make_client(tenant, events=events)
    async with client:
        assert await client.list_hooks() == []
    retries = [e for e in events if isinstance(e, RateLimitEvent) and e.kind == "retry"]
    assert len(retries) == 2
    assert "GET /api/v2/hooks: 503: try later; attempt 2 of 5: retrying in" in retries[0].message
    assert all(0 < e.wait <= 8 for e in retries)


async def test_5xx_that_persists_surfaces_the_apis_message():
    tenant = Tenant()
    tenant.then("GET /api/v2/hooks/h1", *[unavailable() for _ in range(10)])
    client, _ = make_client(tenant)
    async with client:
        with pytest.raises(ApiError, match="503: try later"):
            await client.get_hook("h1")
    assert tenant.count("GET /api/v2/hooks/h1") == 5


async def test_a_request_that_never_left_is_retried_even_for_create():
    tenant = Tenant()
    tenant.then("POST /api/v2/hooks", httpx.ConnectError("connection refused"))
    client, _ = make_client(tenant)
    async with client:
        created = await client.create_hook(hook_body("a"))
    assert created["name"] == "a"
    assert tenant.count("POST /api/v2/hooks") == 2
    assert tenant.count("GET /api/v2/hooks") == 0  # nothing to look up: it never arrived


async def test_5xx_on_create_is_not_repeated_blindly_when_the_hook_exists():
    tenant, events = Tenant(), []
    # The tenant creates the hook, then the answer is a 503 (a proxy timing out, say).
    tenant.then("POST /api/v2/hooks", tenant.after(tenant.create, unavailable(503)))
    client, _ = make_client(tenant, events=events)
    async with client:
        created = await client.create_hook(hook_body("a"))
    assert created["name"] == "a" and created["id"] == "hook-1"
    assert len(tenant.hooks) == 1
    assert tenant.count("POST /api/v2/hooks") == 1
    assert any("did create it" in str(e) for e in events)


async def test_5xx_on_create_creates_again_when_the_hook_is_not_there():
    tenant = Tenant()
    tenant.then("POST /api/v2/hooks", unavailable(503))
    client, _ = make_client(tenant)
    async with client:
        created = await client.create_hook(hook_body("a"))
    assert created["id"] == "hook-1"
    assert tenant.count("POST /api/v2/hooks") == 2
    assert tenant.count("GET /api/v2/hooks") == 1


async def test_a_dropped_connection_on_create_looks_the_hook_up_by_name():
    tenant = Tenant()
    dropped = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    tenant.then("POST /api/v2/hooks", tenant.after(tenant.create, dropped))
    client, _ = make_client(tenant)
    async with client:
        created = await client.create_hook(hook_body("a"))
    assert created["id"] == "hook-1"
    assert len(tenant.hooks) == 1
    assert tenant.count("POST /api/v2/hooks") == 1


async def test_a_timeout_on_create_then_409_finds_the_hook():
    tenant = Tenant()
    tenant.then(
        "POST /api/v2/hooks",
        httpx.ReadTimeout("timed out"),  # outcome unknown; the lookup finds nothing yet
    )
    lookups = 0

    def not_yet_listed(request: httpx.Request) -> httpx.Response:
        nonlocal lookups
        lookups += 1
        tenant.create(httpx.Request("POST", request.url, json=hook_body("a")))  # lands late
        return httpx.Response(200, json={"hooks": [], "total": 0})

    tenant.then("GET /api/v2/hooks", not_yet_listed)
    client, _ = make_client(tenant)
    async with client:
        created = await client.create_hook(hook_body("a"))  # POST again -> 409 -> look up again
    assert created["id"] == "hook-1"
    assert len(tenant.hooks) == 1


async def test_a_hook_of_that_name_with_another_script_is_a_conflict_not_a_success():
    tenant = Tenant()
    other = httpx.Request("POST", f"https://{DOMAIN}/api/v2/hooks", json=hook_body("a", script="other"))
    tenant.then("POST /api/v2/hooks", tenant.after(lambda r: tenant.create(other), unavailable()))
    client, _ = make_client(tenant)
    async with client:
        with pytest.raises(ApiError, match="exists on the tenant with another trigger or script") as caught:
            await client.create_hook(hook_body("a"))
    assert caught.value.status == 409


async def test_a_409_on_a_first_create_is_the_apis_error():
    tenant = Tenant()
    client, _ = make_client(tenant)
    async with client:
        await client.create_hook(hook_body("a"))
        with pytest.raises(ApiError) as caught:
            await client.create_hook(hook_body("a"))
    assert (caught.value.status, caught.value.error_code) == (409, "hook_conflict")
    assert caught.value.message == 'A hook with the name "a" already exists.'
    assert (caught.value.method, caught.value.path) == ("POST", "/api/v2/hooks")


async def test_a_delete_whose_answer_was_lost_counts_a_404_as_done():
    tenant = Tenant()
    client, _ = make_client(tenant)
    async with client:
        created = await client.create_hook(hook_body("a"))
        tenant.then(
            f"DELETE /api/v2/hooks/{created['id']}",
            tenant.after(lambda r: tenant.hooks.clear(), httpx.ReadError("connection reset")),
        )
        await client.delete_hook(created["id"])
        with pytest.raises(ApiError, match="404"):
            await client.delete_hook(created["id"])  # a plain 404 is still an error
    assert tenant.hooks == {}


async def test_adding_secrets_with_an_unknown_outcome_adds_nothing_twice():
    tenant = Tenant()
    client, _ = make_client(tenant)
    async with client:
        created = await client.create_hook(hook_body("a"))
        hid = created["id"]

        def half_applied(request: httpx.Request) -> None:
            tenant.secrets.setdefault(hid, {})["API_KEY"] = "old-value-123456"  # one key landed

        tenant.then(f"POST /api/v2/hooks/{hid}/secrets", tenant.after(half_applied, unavailable(502)))
        await client.add_secrets(hid, {"API_KEY": "new-value-654321", "OTHER": "other-value-99"})
    assert tenant.secrets[hid] == {"API_KEY": "new-value-654321", "OTHER": "other-value-99"}
    assert tenant.count(f"PATCH /api/v2/hooks/{hid}/secrets") == 1


async def test_update_hook_refuses_a_trigger_change():
    client, _ = make_client(Tenant())
    async with client:
        with pytest.raises(ValueError, match="delete the hook and create it again"):
            await client.update_hook("h1", {"triggerId": "pre-user-registration"})


# ---------------------------------------------------------------------------- paging and logs


async def test_list_hooks_pages_until_all_are_there():
    tenant = Tenant()
    for i in range(230):
        tenant.hooks[f"h{i}"] = {"id": f"h{i}", "name": f"n{i}", "triggerId": CE, "script": "x"}
    client, _ = make_client(tenant)
    async with client:
        hooks = await client.list_hooks(trigger=CE, enabled=False)
    assert [h["id"] for h in hooks] == [f"h{i}" for i in range(230)]
    pages = [r for r in tenant.requests if r.url.path == "/api/v2/hooks"]
    assert [r.url.params["page"] for r in pages] == ["0", "1", "2"]
    assert all(r.url.params["per_page"] == "100" and r.url.params["include_totals"] == "true" for r in pages)
    assert pages[0].url.params["triggerId"] == CE and pages[0].url.params["enabled"] == "false"


async def test_logs_checkpoint_and_search_modes():
    tenant = Tenant()
    tenant.then(
        "GET /api/v2/logs",
        httpx.Response(200, json=[{"log_id": "2"}]),
        httpx.Response(200, json=[{"log_id": "9"}]),
    )
    tenant.valid_tokens.add("t")
    client, _ = make_client(tenant, credentials=Credentials(domain=DOMAIN, token="t"))
    async with client:
        assert await client.logs(from_id="1", take=500) == [{"log_id": "2"}]
        assert await client.logs(q="type:sapi", per_page=20, page=1) == [{"log_id": "9"}]
        with pytest.raises(ValueError):
            await client.logs(from_id="1", q="type:sapi")
    checkpoint, search = [dict(r.url.params) for r in tenant.requests]
    assert checkpoint == {"from": "1", "take": "100"}
    assert search == {"q": "type:sapi", "page": "1", "per_page": "20", "sort": "date:-1"}


# ---------------------------------------------------------------------------- secrets never shown


async def test_secrets_and_tokens_never_appear_in_errors_events_logs_or_reprs(caplog):
    caplog.set_level(logging.DEBUG)
    tenant, events = Tenant(), []
    secret_value = "sk_live_5ecret_Value_42"

    def echo_secret(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        return api_error(400, f"bad secret value {sent['API_KEY']}", "invalid_body")

    client, _ = make_client(tenant, events=events)
    seen: list[str] = [repr(client), str(client)]
    async with client:
        created = await client.create_hook(hook_body("a"))
        hid = created["id"]
        tenant.then(f"POST /api/v2/hooks/{hid}/secrets", echo_secret)
        with pytest.raises(ApiError) as caught:
            await client.add_secrets(hid, {"API_KEY": secret_value})
        seen += [str(caught.value), repr(caught.value), caught.value.message]
        token = "access-token-1-xyz"
        reset = httpx.ReadError(f"reset while sending {secret_value} with {token}")
        tenant.then(f"PATCH /api/v2/hooks/{hid}/secrets", *[reset] * 9)
        with pytest.raises(NetworkError) as dropped:
            await client.update_secrets(hid, {"API_KEY": secret_value})
        seen += [str(dropped.value), dropped.value.reason]
    seen += [str(e) for e in events] + [r.getMessage() for r in caplog.records]
    seen += [repr(Credentials(domain=DOMAIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token=token))]
    text = "\n".join(seen)
    assert "***" in text  # the API's message and the network error were shown, masked
    for secret in (secret_value, CLIENT_SECRET, token):
        assert secret not in text


async def test_a_failing_event_sink_does_not_break_the_request():
    tenant = Tenant()
    tenant.then("GET /api/v2/hooks", unavailable())

    def broken(event: object) -> None:
        raise RuntimeError("display gone")

    client, fake = make_client(tenant)
    client.on_event = broken
    async with client:
        assert await client.list_hooks() == []


# ---------------------------------------------------------------------------- the real emulator

EMU_ID, EMU_SECRET = "emu-client", "emu-secret-0c1d2e3f"


def emulator(**options: Any) -> Emulator:
    return Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, **options)


def connect(emu: Emulator, **options: Any) -> ManagementClient:
    creds = Credentials(domain=emu.base_url, client_id=EMU_ID, client_secret=EMU_SECRET)
    return ManagementClient(creds, **options)


async def test_push_30_hooks_through_a_small_bucket_without_a_429():
    plan = RatePlan(rate=20.0, burst=5)
    events: list = []
    with emulator(rate=plan) as emu:
        async with connect(emu, on_event=events.append) as api:
            for i in range(30):
                await api.create_hook(hook_body(f"hook-{i}"))
        records = list(emu.requests)
        names = sorted(h["name"] for h in emu.hooks.values())
    assert names == sorted(f"hook-{i}" for i in range(30))  # all there, none twice
    assert [r.status for r in records if r.status == 429] == []
    # No request reached an empty bucket (remaining_before is what the headers showed before it).
    assert all(r.remaining_before >= 1 for r in records)
    assert any(isinstance(e, RateLimitEvent) and e.kind == "pace" for e in events)


async def test_concurrent_creates_share_the_bucket_without_a_429():
    with emulator(rate=RatePlan(rate=20.0, burst=10)) as emu:
        async with connect(emu) as api:
            gate = asyncio.Semaphore(4)

            async def create(i: int) -> None:
                async with gate:
                    await api.create_hook(hook_body(f"hook-{i}"))

            await asyncio.gather(*(create(i) for i in range(30)))
        assert len(emu.hooks) == 30
        assert [r for r in emu.requests if r.status == 429] == []


async def test_a_create_dropped_after_processing_leaves_exactly_one_hook():
    events: list = []
    with emulator() as emu:
        emu.drop_after_processing("POST", "/api/v2/hooks")
        async with connect(emu, on_event=events.append) as api:
            created = await api.create_hook(hook_body("dropped"))
            assert await api.get_hook(created["id"]) == created
        posts = [r for r in emu.requests if r.method == "POST" and r.path == "/api/v2/hooks"]
        assert [h["name"] for h in emu.hooks.values()] == ["dropped"]
    assert [r.dropped for r in posts] == [True]  # it was never sent a second time
    assert any("did create it" in str(e) for e in events)


async def test_injected_5xx_neither_fails_a_push_nor_duplicates_a_hook():
    with emulator(fail_rate=0.3, seed=7) as emu:
        async with connect(emu, rate_limit=RateLimitConfig(max_attempts=8, backoff_base=0.01)) as api:
            for i in range(12):
                await api.create_hook(hook_body(f"hook-{i}"))
            assert len(await api.list_hooks()) == 12
        assert sum(r.status == 503 for r in emu.requests) > 0
        assert sorted(h["name"] for h in emu.hooks.values()) == sorted(f"hook-{i}" for i in range(12))


async def test_an_expired_token_is_renewed():
    clock = [1000.0]
    with emulator(clock=lambda: clock[0], token_ttl=3600) as emu:
        async with connect(emu) as api:
            await api.list_hooks()
            clock[0] += 7200  # the tenant's clock passes the token's expiry; ours does not know
            await api.create_hook(hook_body("after-expiry"))
        statuses = [(r.path, r.status) for r in emu.requests]
    assert statuses == [
        ("/oauth/token", 200),
        ("/api/v2/hooks", 200),
        ("/api/v2/hooks", 401),
        ("/oauth/token", 200),
        ("/api/v2/hooks", 201),
    ]


async def test_bad_credentials_against_the_emulator():
    with emulator() as emu:
        creds = Credentials(domain=emu.base_url, client_id=EMU_ID, client_secret="not-the-secret-123")
        async with ManagementClient(creds) as api:
            with pytest.raises(ApiError) as caught:
                await api.list_hooks()
    error = caught.value
    assert (error.status, error.error_code, error.message) == (401, "access_denied", "Unauthorized")
    assert "not-the-secret-123" not in str(caught.value)


async def test_secrets_lifecycle_against_the_emulator():
    with emulator() as emu:
        async with connect(emu) as api:
            hid = (await api.create_hook(hook_body("with-secrets")))["id"]
            await api.add_secrets(hid, {"A": "value-a-123456", "B": "value-b-123456"})
            assert await api.get_secrets(hid) == {"A": "_VALUE_NOT_SHOWN_", "B": "_VALUE_NOT_SHOWN_"}
            await api.update_secrets(hid, {"A": "value-a-changed"})
            await api.delete_secrets(hid, ["B"])
            assert await api.get_secrets(hid) == {"A": "_VALUE_NOT_SHOWN_"}
            with pytest.raises(ApiError) as caught:
                await api.add_secrets(hid, {"A": "again-123456"})
        assert emu.secrets[hid] == {"A": "value-a-changed"}
    assert (caught.value.status, caught.value.error_code) == (409, "hook_secret_conflict")


async def test_hooks_crud_paging_and_logs_against_the_emulator():
    with emulator() as emu:
        emu.seed_hooks([{"name": f"seeded-{i}", "script": SCRIPT, "triggerId": CE} for i in range(150)])
        async with connect(emu) as api:
            assert len(await api.list_hooks()) == 150
            created = await api.create_hook(hook_body("mine", trigger="pre-user-registration"))
            updated = await api.update_hook(created["id"], {"enabled": True})
            assert updated["enabled"] is True
            assert [h["name"] for h in await api.list_hooks(enabled=True)] == ["mine"]
            await api.delete_hook(created["id"])
            with pytest.raises(ApiError) as caught:
                await api.get_hook(created["id"])
            assert caught.value.status == 404 and caught.value.message == "The hook does not exist."
            newest = await api.logs(q="type:sapi")
            descriptions = [e["description"] for e in newest][:3]
            assert descriptions == ["Delete a hook", "Update a hook", "Create a hook"]
            oldest = await api.logs(from_id="", take=2)
            assert len(oldest) == 2 and oldest[0]["log_id"] < oldest[1]["log_id"]


async def test_create_hook_gives_up_after_unknown_outcomes_without_a_duplicate():
    tenant, events = Tenant(), []
    config = RateLimitConfig(max_attempts=3)
    # Every attempt answers 503 without creating anything: the client looks the hook up before
    # each new attempt, and after the last one it gives up with the API's message.
    tenant.then("POST /api/v2/hooks", *(unavailable(503) for _ in range(3)))
    client, _ = make_client(tenant, events=events, config=config)
    async with client:
        with pytest.raises(ApiError) as caught:
            await client.create_hook(hook_body("a"))
    assert caught.value.status == 503 and caught.value.outcome_unknown
    assert "try later" in str(caught.value)
    assert tenant.count("POST /api/v2/hooks") == 3
    assert tenant.count("GET /api/v2/hooks") == 2  # a lookup before each new attempt
    assert tenant.hooks == {}
    assert sum("will look it up by name" in str(e) for e in events) == 2
