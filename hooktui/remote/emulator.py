"""A local Auth0 tenant: the Management API subset hooktui uses, served over real HTTP on loopback.

The remote client's tests, `hooktui demo` and the push benchmark run against it. It answers with the
status codes and error bodies of the real API, enforces the tenant's rules, rate-limits with a token
bucket and misbehaves on demand (5xx, latency, a connection dropped after the request was processed).

Server stack: the standard library's `ThreadingHTTPServer` with an HTTP/1.1 (keep-alive) handler.
- No dependency: hooktui's users get the emulator with the package, and tests need nothing more.
- A thread per connection is plenty for a test tenant: a client keeps a handful of connections open
  and every request is a few dictionary operations under one lock.
- The stdlib pitfall is handled: `http.server` leaves Nagle's algorithm on, so headers and body leave
  in two segments and wait on the peer's delayed ACK, ~45 ms per keep-alive request on loopback.
  The handler sets `disable_nagle_algorithm = True` (TCP_NODELAY); bench/push.py shows the
  request rate it allows (a test checks the flag; tests never time anything).

Choices where the real API is undocumented or where we had to pick (the client must cope either way):
- "enterprise-nonprod" is 0.9 requests/s with bursts of 10: Auth0 only says "under 1/s".
- One enabled hook per trigger: enabling a second one (create or patch) is refused with
  409 `errorCode: "enabled_hook_conflict"`; nothing is disabled behind the caller's back.
- PATCH /hooks/{id} answers 201, as the reference table says; secrets POST/PATCH answer 201 with an
  empty body, DELETE answers 204. DELETE of an unknown hook is 404; DELETE of unknown secret keys is
  ignored (204). Secret conflicts: 409 `hook_secret_conflict`; unknown key on PATCH: 404
  `inexistent_hook_secret`; more than 20 secrets: 400 `too_many_secrets`.
- Every request (token and API) takes a token from the one bucket. Without a RatePlan there is no
  limit and no X-RateLimit-* header. `X-RateLimit-Reset` is when the bucket is full again, rounded up
  to whole epoch seconds, as Auth0 sends it.
- Tokens are HS256 JWTs signed with the client secret, so they outlive a restart of the emulator
  (like real ones); `exp` is checked against the emulator's clock.
- Tenant logs: `sapi`/`fapi` for create, update and delete calls (reads are not logged, otherwise
  polling the logs would write logs), `seccft`/`feccft` for tokens, `api_limit` for each 429.
  A 503 from `fail_rate` writes nothing: the request never reached the tenant. Log ids are
  fixed-width digit strings, so comparing them as strings orders them by creation.
- Logs checkpoint mode (`from`/`take`) refuses `q`, `sort`, `page` and `per_page` (400): filter on the
  client side. `take` without `from` starts at the oldest entry.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
import math
import random
import re
import shlex
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from hooktui.core.files import atomic_write, dump_json
from hooktui.core.triggers import Trigger

VALUE_NOT_SHOWN = "_VALUE_NOT_SHOWN_"
MAX_SECRETS = 20
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
MAX_LOGS = 10_000  # oldest entries go first, like a tenant's retention period
MAX_RECORDS = 100_000  # of Emulator.requests, so that a long-running emulator stays small
HOOK_NAME = re.compile(r"^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$")
TRIGGER_IDS = tuple(t.value for t in Trigger)
HOOK_KEYS = ("id", "name", "triggerId", "enabled", "script", "dependencies")
SCOPES = "read:hooks create:hooks update:hooks delete:hooks read:logs"
STATE_FORMAT = "hooktui-emulator/1"

RATE_LIMIT_MESSAGE = "Global limit has been reached"
EXPIRED_TOKEN = "Expired token received for JSON Web Token validation"
NO_HOOK = "The hook does not exist."


# ---------------------------------------------------------------------------- rate plans


@dataclass(frozen=True)
class RatePlan:
    """A token bucket: `burst` tokens, refilled at `rate` tokens per second."""

    rate: float
    burst: int

    TIERS: ClassVar[dict[str, tuple[float, int]]] = {
        "free": (2.0, 10),
        "paid": (16.0, 50),
        "enterprise-nonprod": (0.9, 10),  # Auth0 says "under 1/s"; the burst is our pick
    }
    FORMS: ClassVar[str] = "free, paid, enterprise-nonprod, or RPS/BURST such as 20/5"

    def __post_init__(self) -> None:
        if not (self.rate > 0 and math.isfinite(self.rate)):
            raise ValueError(f"a rate plan needs a rate above 0 requests per second, not {self.rate}")
        if self.burst < 1:
            raise ValueError(f"a rate plan needs a burst of at least 1 request, not {self.burst}")

    @classmethod
    def parse(cls, text: str) -> RatePlan:
        """A tier name or "RPS/BURST"; ValueError naming the accepted forms otherwise."""
        key = text.strip().lower()
        if key in cls.TIERS:
            rate, burst = cls.TIERS[key]
            return cls(rate, burst)
        rps, sep, burst_text = key.partition("/")
        try:
            if not sep:
                raise ValueError
            return cls(float(rps), int(burst_text))
        except ValueError:
            raise ValueError(f"unknown rate plan {text!r}: expected {cls.FORMS}") from None

    def describe(self) -> str:
        return f"{self.rate:g} requests/s, burst {self.burst}"


class _Bucket:
    """The tenant's token bucket; the caller holds the emulator's lock."""

    def __init__(self, plan: RatePlan, now: float) -> None:
        self.plan = plan
        self.tokens = float(plan.burst)
        self.updated = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.plan.burst), self.tokens + elapsed * self.plan.rate)
        self.updated = now

    def take(self, now: float) -> bool:
        self.refill(now)
        if self.tokens + 1e-9 >= 1.0:  # the same rounding as `remaining`
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False

    @property
    def remaining(self) -> int:
        return int(self.tokens + 1e-9)

    def seconds_to_full(self) -> float:
        return (self.plan.burst - self.tokens) / self.plan.rate


# ---------------------------------------------------------------------------- records and errors


@dataclass(frozen=True)
class RequestRecord:
    """One request as the emulator saw it. `time` is the emulator's (monotonic) clock; the
    remaining counts are what X-RateLimit-Remaining showed before and after it (None without a
    rate plan); `dropped` when the connection was closed instead of answering."""

    time: float
    method: str
    path: str
    status: int
    remaining_before: int | None
    remaining_after: int | None
    dropped: bool = False


class ApiError(Exception):
    """An answer other than success, with the body Auth0 would send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or body.get("error_description") or str(status))
        self.status = status
        self.body = body

    @classmethod
    def api(cls, status: int, message: str, error_code: str | None = None) -> ApiError:
        body: dict[str, Any] = {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}
        if error_code:
            body["errorCode"] = error_code
        return cls(status, body)

    @classmethod
    def payload(cls, detail: str) -> ApiError:
        return cls.api(400, f"Payload validation error: {detail}", "invalid_body")

    @classmethod
    def query(cls, detail: str, prop: str) -> ApiError:
        return cls.api(400, f"Query validation error: '{detail}' on property {prop}.", "invalid_query_string")


class _AuthError(ApiError):
    """The Authentication API's error shape: {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(status, {"error": error, "error_description": description})


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class _Outcome:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    drop: bool
    latency: float


# ---------------------------------------------------------------------------- the tenant


class Emulator:
    """An Auth0 tenant in memory (or in a JSON file) behind a real HTTP server on loopback.

    `fail_rate` and `latency_ms` are plain attributes: tests may change them while it runs.
    `hooks`, `secrets` and `logs` are the tenant's state; read them once requests are done.
    """

    def __init__(
        self,
        *,
        rate: RatePlan | None = None,
        client_id: str = "hooktui-emulator",
        client_secret: str = "emulator-secret",
        fail_rate: float = 0.0,
        latency_ms: int = 0,
        state_file: Path | None = None,
        token_ttl: int = 86400,
        seed: int | None = None,
        domain: str = "emulator.local",
        clock: Callable[[], float] = time.monotonic,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError(f"fail_rate is a share of requests between 0 and 1, not {fail_rate}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms cannot be negative ({latency_ms})")
        if token_ttl < 1:
            raise ValueError(f"token_ttl must be at least 1 second ({token_ttl})")
        self.rate = rate
        self.client_id = client_id
        self.client_secret = client_secret
        self.fail_rate = fail_rate
        self.latency_ms = latency_ms
        self.state_file = Path(state_file) if state_file is not None else None
        self.token_ttl = token_ttl
        self.domain = domain
        self.on_request = on_request
        self._clock = clock
        # Epoch time follows the injected clock, so that a test moving the clock moves token
        # expiry and X-RateLimit-Reset with it.
        self._epoch_offset = time.time() - clock()
        self._rng = random.Random(seed)
        self._lock = threading.RLock()
        self._bucket = _Bucket(rate, clock()) if rate else None
        self._drops: list[list[Any]] = []  # [METHOD, path prefix, count left]
        self._next_log = 1
        self._dirty = False

        self.requests: list[RequestRecord] = []
        self.hooks: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, dict[str, str]] = {}
        self.logs: list[dict[str, Any]] = []
        self.base_url = ""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            if self.state_file.exists():
                self._load()

    # ------------------------------------------------------------------ lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; returns the base URL, e.g. "http://127.0.0.1:PORT"."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        server = _Server((host, port), self)
        self._server = server
        bound_host, bound_port = server.server_address[:2]
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        self.base_url = f"http://{shown}:{bound_port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="hooktui-emulator", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close every open connection (keep-alive ones included)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test hooks

    def drop_after_processing(self, method: str, path_prefix: str, count: int = 1) -> None:
        """Process the next `count` requests matching method and path prefix (their effects
        happen) and then close the connection without answering."""
        with self._lock:
            self._drops.append([method.upper(), path_prefix, count])

    def seed_hooks(self, hooks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Put hooks in the tenant directly (no request, no log entry), with their `secrets`.

        Each dict has name, script, triggerId and optionally enabled, dependencies, secrets and id.
        The tenant's rules hold (ValueError otherwise). Returns copies with their ids.
        """
        out = []
        with self._lock:
            for spec in hooks:
                spec = dict(spec)
                secrets = spec.pop("secrets", None) or {}
                hook_id = spec.pop("id", None) or self._new_hook_id()
                try:
                    self._validate_hook(spec, creating=True)
                    self._check_secret_values(secrets)
                    if len(secrets) > MAX_SECRETS:
                        raise ApiError.api(400, f"a hook can have at most {MAX_SECRETS} secrets", "too_many_secrets")
                    if hook_id in self.hooks:
                        raise ApiError.api(409, f"A hook with id {hook_id!r} already exists", "hook_conflict")
                    self._check_conflicts(spec, None)
                except ApiError as exc:
                    raise ValueError(f"cannot seed hook {spec.get('name')!r}: {exc}") from None
                hook = self._store_new_hook(hook_id, spec)
                self.secrets[hook_id] = dict(secrets)
                out.append({**hook, "secrets": dict(secrets)})
            self._dirty = True
            self._persist()
        return out

    # ------------------------------------------------------------------ one request

    def _handle(self, method: str, target: str, headers: Any, body: bytes, ip: str) -> _Outcome:
        """Everything the tenant does for one request; called by the HTTP handler's thread."""
        split = urlsplit(target)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        drop = False
        with self._lock:
            now = self._clock()
            before = after = None
            allowed = True
            if self._bucket is not None:
                self._bucket.refill(now)
                before = self._bucket.remaining
                allowed = self._bucket.take(now)
                after = self._bucket.remaining
            if not allowed:
                status, payload = 429, ApiError.api(429, RATE_LIMIT_MESSAGE, "too_many_requests").body
                self._log("api_limit", RATE_LIMIT_MESSAGE, client_id=self._caller(headers), ip=ip, headers=headers,
                          details={"request": {"method": method.lower(), "path": path}})
            elif self.fail_rate and self._rng.random() < self.fail_rate:
                status, payload = 503, ApiError.api(
                    503, "The service is temporarily unavailable (emulator fail_rate)").body
            else:
                drop = self._take_drop(method, path)
                try:
                    status, payload = self._route(method, path, query, headers, body, ip)
                except ApiError as exc:
                    status, payload = exc.status, exc.body
                    if path.startswith("/api/v2/") and method in ("POST", "PATCH", "PUT", "DELETE"):
                        self._log("fapi", str(exc), client_id=self._caller(headers), ip=ip, headers=headers,
                                  details={"request": {"method": method.lower(), "path": path},
                                           "response": {"statusCode": status, "body": exc.body}})
                except Exception:
                    traceback.print_exc()
                    status, payload = 500, ApiError.api(500, "An internal server error occurred").body
            out_headers = [] if payload is None else [("Content-Type", "application/json; charset=utf-8")]
            if self._bucket is not None:
                reset = math.ceil(self._epoch(now) + self._bucket.seconds_to_full())
                out_headers += [
                    ("X-RateLimit-Limit", str(self._bucket.plan.burst)),
                    ("X-RateLimit-Remaining", str(self._bucket.remaining)),
                    ("X-RateLimit-Reset", str(reset)),
                ]
            record = RequestRecord(now, method, path, status, before, after, drop)
            self.requests.append(record)
            if len(self.requests) > MAX_RECORDS:
                del self.requests[: MAX_RECORDS // 10]
            self._persist()
            latency = self.latency_ms / 1000.0
        if self.on_request is not None:
            self.on_request(record)
        raw = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return _Outcome(status, raw, out_headers, drop, latency)

    def _take_drop(self, method: str, path: str) -> bool:
        for rule in self._drops:
            if rule[0] == method.upper() and path.startswith(rule[1]) and rule[2] > 0:
                rule[2] -= 1
                if rule[2] == 0:
                    self._drops.remove(rule)
                return True
        return False

    def _route(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes,
               ip: str) -> tuple[int, Any]:
        if path == "/oauth/token":
            if method != "POST":
                raise ApiError.api(404, "Not Found")
            return self._token(headers, body, ip)
        parts = path.split("/")
        # "", "api", "v2", collection, [id], [sub]
        if len(parts) < 4 or parts[:3] != ["", "api", "v2"]:
            raise ApiError.api(404, "Not Found")
        rest = [unquote(p) for p in parts[3:]]
        routes: dict[tuple[str, int, str], Callable[..., tuple[int, Any]]] = {
            ("hooks", 1, "GET"): self._list_hooks,
            ("hooks", 1, "POST"): self._create_hook,
            ("hooks", 2, "GET"): self._get_hook,
            ("hooks", 2, "PATCH"): self._update_hook,
            ("hooks", 2, "DELETE"): self._delete_hook,
            ("secrets", 3, "GET"): self._get_secrets,
            ("secrets", 3, "POST"): self._add_secrets,
            ("secrets", 3, "PATCH"): self._update_secrets,
            ("secrets", 3, "DELETE"): self._delete_secrets,
            ("logs", 1, "GET"): self._search_logs,
            ("logs", 2, "GET"): self._get_log,
        }
        kind = rest[0]
        if kind == "hooks" and len(rest) == 3:
            kind = "secrets" if rest[2] == "secrets" else ""
        if kind == "logs" and len(rest) > 2 or any(p == "" for p in rest):
            kind = ""
        handler = routes.get((kind, len(rest), method))
        if handler is None:
            raise ApiError.api(404, "Not Found")
        client_id = self._authenticate(headers)
        ctx = _Call(method, path, query, body, client_id, ip, headers.get("User-Agent", ""))
        return handler(ctx, *rest[1:2])

    # ------------------------------------------------------------------ tokens

    def _token(self, headers: Any, body: bytes, ip: str) -> tuple[int, Any]:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if ctype == "application/x-www-form-urlencoded":
                params: Any = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            else:
                params = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise _AuthError(400, "invalid_request", "Invalid request body") from None
        if not isinstance(params, dict):
            raise _AuthError(400, "invalid_request", "Invalid request body")
        grant = params.get("grant_type")
        if not grant:
            raise _AuthError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant != "client_credentials":
            raise _AuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
        client_id = str(params.get("client_id") or "")
        fail = {"client_id": client_id, "ip": ip, "headers": headers}
        if client_id != self.client_id or not hmac.compare_digest(
            str(params.get("client_secret") or "").encode(), self.client_secret.encode()
        ):
            self._log("feccft", "Unauthorized", **fail)
            raise _AuthError(401, "access_denied", "Unauthorized")
        audience = params.get("audience")
        if not audience:
            message = "No audience parameter was provided, and no default audience has been configured"
            self._log("feccft", message, **fail)
            raise _AuthError(403, "access_denied", message)
        if audience not in self._audiences(headers):
            message = f"Service not enabled within domain: {audience}"
            self._log("feccft", message, **fail)
            raise _AuthError(403, "access_denied", message)
        iat = int(self._epoch(self._clock()))
        claims = {
            "iss": f"https://{self.domain}/", "sub": f"{client_id}@clients", "aud": audience,
            "iat": iat, "exp": iat + self.token_ttl, "azp": client_id, "scope": SCOPES,
            "gty": "client-credentials",
        }
        self._log("seccft", "Client Credentials for Access Token", client_id=client_id, ip=ip, headers=headers,
                  details={"audience": audience, "scope": SCOPES})
        return 200, {"access_token": self._sign(claims), "expires_in": self.token_ttl, "scope": SCOPES,
                     "token_type": "Bearer"}

    def _audiences(self, headers: Any) -> set[str]:
        hosts = {f"https://{self.domain}"}
        if self.base_url:
            hosts.add(self.base_url)
        if headers.get("Host"):
            hosts.add(f"http://{headers['Host']}")
        return {f"{h}/api/v2/" for h in hosts}

    def _sign(self, claims: dict[str, Any]) -> str:
        head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        mac = hmac.new(self.client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{_b64url(mac)}"

    def _claims(self, token: str) -> dict[str, Any] | None:
        """The token's claims if this tenant signed it (expired or not), else None."""
        try:
            head, body, sig = token.split(".")
            mac = hmac.new(self.client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_b64url_decode(sig), mac):
                return None
            claims = json.loads(_b64url_decode(body))
        except (ValueError, TypeError):
            return None
        return claims if isinstance(claims, dict) else None

    def _bearer(self, headers: Any) -> str | None:
        scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _authenticate(self, headers: Any) -> str:
        token = self._bearer(headers)
        if token is None:
            raise ApiError.api(401, "Missing authentication")
        claims = self._claims(token)
        if claims is None:
            raise ApiError.api(401, "Invalid token", "invalid_token")
        if not isinstance(claims.get("exp"), int) or self._epoch(self._clock()) >= claims["exp"]:
            raise ApiError.api(401, EXPIRED_TOKEN, "invalid_token")
        return str(claims.get("azp", ""))

    def _caller(self, headers: Any) -> str:
        """Who sent the request, for a log entry, when the token says so."""
        token = self._bearer(headers)
        claims = self._claims(token) if token else None
        return str(claims.get("azp", "")) if claims else ""

    # ------------------------------------------------------------------ hooks

    def _list_hooks(self, ctx: _Call) -> tuple[int, Any]:
        q = ctx.query
        hooks = [self._public(h) for h in self.hooks.values()]
        if "enabled" in q:
            enabled = _query_bool(q, "enabled")
            hooks = [h for h in hooks if h["enabled"] is enabled]
        if "triggerId" in q:
            if q["triggerId"] not in TRIGGER_IDS:
                raise ApiError.query(f"No enum match for: \"{q['triggerId']}\"", "triggerId")
            hooks = [h for h in hooks if h["triggerId"] == q["triggerId"]]
        page_items, start, limit = _paginate(hooks, q, page_all=True)
        page_items = _select_fields(page_items, q)
        if _query_bool(q, "include_totals", False):
            return 200, {"hooks": page_items, "start": start, "limit": limit, "total": len(hooks)}
        return 200, page_items

    def _get_hook(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
        return 200, _select_fields([self._public(self._hook(hook_id))], ctx.query)[0]

    def _create_hook(self, ctx: _Call) -> tuple[int, Any]:
        data = ctx.json()
        self._validate_hook(data, creating=True)
        self._check_conflicts(data, None)
        hook = self._store_new_hook(self._new_hook_id(), data)
        self.secrets[hook["id"]] = {}
        self._sapi(ctx, "Create a hook", 201, hook)
        return 201, self._public(hook)

    def _update_hook(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
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

    def _delete_hook(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
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
            raise ApiError.payload(f"Expected type object but found type {_json_type(data)}")
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
                    f"Expected type {expected} but found type {_json_type(data[key])} on property {key}")
        if "name" in data and not HOOK_NAME.match(data["name"]):
            raise ApiError.payload(
                f"String does not match pattern {HOOK_NAME.pattern}: {data['name']} on property name")
        if "script" in data and not data["script"]:
            raise ApiError.payload("String is too short (0 chars), minimum 1 on property script")
        if "triggerId" in data and data["triggerId"] not in TRIGGER_IDS:
            raise ApiError.payload(f"No enum match for: \"{data['triggerId']}\" on property triggerId")
        for name, version in (data.get("dependencies") or {}).items():
            if not isinstance(version, str):
                raise ApiError.payload(
                    f"Expected type string but found type {_json_type(version)} on property dependencies.{name}")

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

    def _get_secrets(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
        self._hook(hook_id)
        return 200, dict.fromkeys(self.secrets.get(hook_id, {}), VALUE_NOT_SHOWN)

    def _secrets_body(self, ctx: _Call) -> dict[str, str]:
        data = ctx.json()
        if not isinstance(data, dict):
            raise ApiError.payload(f"Expected type object but found type {_json_type(data)}")
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
                raise ApiError.payload(f"Expected type string but found type {_json_type(value)} on property {key}")

    def _add_secrets(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
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

    def _update_secrets(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
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

    def _delete_secrets(self, ctx: _Call, hook_id: str) -> tuple[int, Any]:
        keys = ctx.json()
        if not isinstance(keys, list):
            raise ApiError.payload(f"Expected type array but found type {_json_type(keys)}")
        if not keys:
            raise ApiError.payload("Array is too short (0), minimum 1")
        for key in keys:
            if not isinstance(key, str):
                raise ApiError.payload(f"Expected type string but found type {_json_type(key)} in the array")
        self._hook(hook_id)
        current = self.secrets.setdefault(hook_id, {})
        for key in keys:
            current.pop(key, None)
        self._dirty = True
        self._sapi(ctx, "Delete hook secrets", 204, None, secret_keys=sorted(set(keys)))
        return 204, None

    # ------------------------------------------------------------------ logs

    def _search_logs(self, ctx: _Call) -> tuple[int, Any]:
        q = ctx.query
        if "from" in q or "take" in q:
            mixed = [k for k in ("q", "sort", "page", "per_page") if k in q]
            if mixed:
                raise ApiError.query(f"{mixed[0]} cannot be used with from and take (checkpoint mode)", mixed[0])
            take = _query_int(q, "take", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
            start = q.get("from", "")
            entries = [e for e in self.logs if e["log_id"] > start][:take]
            return 200, _select_fields([copy.deepcopy(e) for e in entries], q)
        entries = self.logs
        if q.get("q"):
            match = _log_query(q["q"])
            entries = [e for e in entries if match(e)]
        sort = q.get("sort", "date:-1")
        if sort not in ("date:-1", "date:1"):
            raise ApiError.query(f"unsupported sort {sort!r}: use date:1 or date:-1", "sort")
        if sort == "date:-1":
            entries = entries[::-1]
        page_items, start_at, limit = _paginate(entries, q, page_all=False)
        page_items = _select_fields([copy.deepcopy(e) for e in page_items], q)
        if _query_bool(q, "include_totals", False):
            return 200, {"start": start_at, "limit": limit, "length": len(page_items), "total": len(entries),
                         "logs": page_items}
        return 200, page_items

    def _get_log(self, ctx: _Call, log_id: str) -> tuple[int, Any]:
        for entry in self.logs:
            if entry["log_id"] == log_id:
                return 200, copy.deepcopy(entry)
        raise ApiError.api(404, "log not found", "inexistent_log")

    def _sapi(self, ctx: _Call, description: str, status: int, hook: dict[str, Any] | None, *,
              secret_keys: list[str] | None = None) -> None:
        request: dict[str, Any] = {"method": ctx.method.lower(), "path": ctx.path}
        if secret_keys is not None:  # the names only: a log never holds a secret's value
            request["body"] = dict.fromkeys(secret_keys, VALUE_NOT_SHOWN)
        response: dict[str, Any] = {"statusCode": status}
        if hook is not None:
            response["body"] = {k: hook[k] for k in ("id", "name", "triggerId", "enabled")}
        self._log("sapi", description, client_id=ctx.client_id, ip=ctx.ip, headers=ctx.headers,
                  details={"request": request, "response": response})

    def _log(self, kind: str, description: str, *, client_id: str, ip: str, headers: Any,
             details: dict[str, Any] | None = None) -> None:
        log_id = f"900{self._next_log:021d}"
        self._next_log += 1
        stamp = datetime.fromtimestamp(self._epoch(self._clock()), tz=timezone.utc)
        entry: dict[str, Any] = {
            "_id": log_id, "log_id": log_id,
            "date": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "type": kind, "description": description, "client_id": client_id,
            "client_name": "hooktui emulator client" if client_id == self.client_id else "",
            "ip": ip, "user_agent": headers.get("User-Agent", "") if headers is not None else "",
            "hostname": self.domain, "details": details or {},
        }
        self.logs.append(entry)
        if len(self.logs) > MAX_LOGS:
            del self.logs[: len(self.logs) - MAX_LOGS]
        self._dirty = True

    # ------------------------------------------------------------------ state

    def _epoch(self, monotonic: float) -> float:
        return monotonic + self._epoch_offset

    def _persist(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if self.state_file is None:
            return
        state = {
            "format": STATE_FORMAT,
            "hooks": list(self.hooks.values()),
            "secrets": self.secrets,
            "next_log": self._next_log,
            "logs": self.logs,
        }
        # The file holds secret values: readable by its owner only.
        atomic_write(self.state_file, dump_json(state), mode=0o600)

    def _load(self) -> None:
        assert self.state_file is not None
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
            if state.get("format") != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} file")
            hooks = {h["id"]: {k: h[k] for k in HOOK_KEYS} for h in state["hooks"]}
            secrets = {str(k): dict(v) for k, v in state.get("secrets", {}).items()}
            logs = list(state.get("logs", []))
            next_log = int(state.get("next_log", 1))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{self.state_file}: cannot load the emulator's state: {exc}") from None
        self.hooks, self.secrets, self.logs = hooks, secrets, logs
        for hook_id in hooks:
            self.secrets.setdefault(hook_id, {})
        self._next_log = max([next_log] + [int(e["log_id"]) + 1 - 900 * 10**21 for e in logs])


@dataclass
class _Call:
    """What a route handler needs to know about the request it serves."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    client_id: str
    ip: str
    user_agent: str

    @property
    def headers(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent}

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError.api(400, "Invalid request payload JSON format", "invalid_body") from None


# ---------------------------------------------------------------------------- query helpers


def _query_bool(q: dict[str, str], name: str, default: bool | None = None) -> bool:
    value = q.get(name)
    if value is None:
        assert default is not None
        return default
    if value not in ("true", "false"):
        raise ApiError.query(f"Expected type boolean but found type string ({value!r})", name)
    return value == "true"


def _query_int(q: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    if name not in q:
        return default
    try:
        value = int(q[name])
    except ValueError:
        raise ApiError.query(f"Expected type integer but found type string ({q[name]!r})", name) from None
    if value < low:
        raise ApiError.query(f"Value {value} is less than minimum {low}", name)
    if high is not None and value > high:
        raise ApiError.query(f"Value {value} is greater than maximum {high}", name)
    return value


def _paginate(items: list[Any], q: dict[str, str], *, page_all: bool) -> tuple[list[Any], int, int]:
    """(page, start, limit). Hooks come all at once when neither page nor per_page is given."""
    if page_all and "page" not in q and "per_page" not in q:
        return list(items), 0, len(items)
    per_page = _query_int(q, "per_page", DEFAULT_PER_PAGE, 0, MAX_PER_PAGE)
    page = _query_int(q, "page", 0, 0, None)
    start = page * per_page
    return list(items[start:start + per_page]), start, per_page


def _select_fields(items: list[dict[str, Any]], q: dict[str, str]) -> list[dict[str, Any]]:
    if not q.get("fields"):
        return items
    fields = {f.strip() for f in q["fields"].split(",") if f.strip()}
    include = _query_bool(q, "include_fields", True)
    return [{k: v for k, v in item.items() if (k in fields) == include} for item in items]


_FIELD_TERM = re.compile(r"^([A-Za-z_][\w.]*):(.*)$", re.S)
_TEXT_FIELDS = ("description", "type", "client_id", "client_name", "ip", "user_agent", "hostname")


def _log_query(text: str) -> Callable[[dict[str, Any]], bool]:
    """Lucene-ish `q`: terms joined by AND (or spaces); `field:value` (dotted paths, a trailing `*`
    for a prefix) or plain text that one of the entry's text fields contains."""
    try:
        terms = [t for t in shlex.split(text) if t.upper() != "AND"]
    except ValueError as exc:
        raise ApiError.query(str(exc), "q") from None
    if any(t.upper() in ("OR", "NOT") for t in terms):
        raise ApiError.query("the emulator supports AND only", "q")
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for term in terms:
        m = _FIELD_TERM.match(term)
        if m:
            path, value = m.group(1).split("."), m.group(2)

            def field_test(entry: dict[str, Any], path: list[str] = path, value: str = value) -> bool:
                found: Any = entry
                for part in path:
                    if not isinstance(found, dict) or part not in found:
                        return False
                    found = found[part]
                shown = found if isinstance(found, str) else json.dumps(found)
                return shown.startswith(value[:-1]) if value.endswith("*") else shown == value

            tests.append(field_test)
        else:
            needle = term.casefold()
            tests.append(lambda entry, needle=needle: any(
                needle in str(entry.get(f, "")).casefold() for f in _TEXT_FIELDS))
    return lambda entry: all(t(entry) for t in tests)


# ---------------------------------------------------------------------------- HTTP


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    disable_nagle_algorithm = True  # see the module docstring: ~45 ms per request otherwise
    server_version = "hooktui-emulator"
    sys_version = ""
    server: _Server

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self.send_error(400, "Bad request body framing")
            return
        out = self.server.emulator._handle(self.command, self.path, self.headers, body, self.client_address[0])
        if out.latency:
            time.sleep(out.latency)
        if out.drop:
            # The tenant did the work; the client never hears about it.
            self.close_connection = True
            return
        self.send_response(out.status)
        for name, value in out.headers:
            self.send_header(name, value)
        if out.status != 204:
            self.send_header("Content-Length", str(len(out.body)))
        self.end_headers()
        if out.status != 204 and out.body:
            self.wfile.write(out.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"x", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # requests are reported through Emulator.on_request


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Keep-alive connections outlive serve_forever(); stop means stop."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to report
        super().handle_error(request, client_address)


# ---------------------------------------------------------------------------- command line


def _rate_arg(text: str) -> RatePlan:
    try:
        return RatePlan.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _share_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the fail rate is a share between 0 and 1, e.g. 0.1")
    return value


def _ms_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the latency is a whole number of milliseconds, 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hooktui emulator",
        description="Serve a local Auth0 tenant (the Management API subset hooktui uses) over HTTP "
                    "on loopback, until Ctrl+C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--rate", type=_rate_arg, default=None, metavar="PLAN",
                        help=f"rate limit: {RatePlan.FORMS} (default: no limit)")
    parser.add_argument("--fail-rate", type=_share_arg, default=0.0, metavar="P",
                        help="share of requests answered 503 without being processed (0 to 1)")
    parser.add_argument("--latency", type=_ms_arg, default=0, metavar="MS", help="delay before each answer")
    parser.add_argument("--state", type=Path, default=None, metavar="FILE",
                        help="keep the tenant in this JSON file (loaded if present, written on every change)")
    parser.add_argument("--client-id", default="hooktui-emulator", metavar="ID")
    parser.add_argument("--client-secret", default=None, metavar="S",
                        help="the secret clients must send (default: the emulator's own test secret)")
    parser.add_argument("--seed", type=int, default=None, help="seed for hook ids and injected failures")
    parser.add_argument("--quiet", action="store_true", help="do not print a line per request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`hooktui emulator ...`: serve until Ctrl+C (or SIGTERM). Exit 0, or 2 on bad usage."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    given_secret = args.client_secret is not None

    def report(record: RequestRecord) -> None:
        left = "" if record.remaining_after is None else f"  ({record.remaining_after}/{args.rate.burst} left)"
        status = "dropped" if record.dropped else str(record.status)
        print(f"{time.strftime('%H:%M:%S')}  {record.method:6} {record.path}  {status}{left}", flush=True)

    try:
        emulator = Emulator(
            rate=args.rate, client_id=args.client_id,
            **({"client_secret": args.client_secret} if given_secret else {}),
            fail_rate=args.fail_rate, latency_ms=args.latency, state_file=args.state, seed=args.seed,
            on_request=None if args.quiet else report,
        )
        url = emulator.start(args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"hooktui emulator: {exc}", file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"hooktui emulator: warning: listening on {args.host}, reachable beyond this machine "
              f"with a known test secret", file=sys.stderr)
    secret_line = (
        "AUTH0_CLIENT_SECRET=<the secret you passed with --client-secret>" if given_secret
        else f"AUTH0_CLIENT_SECRET={emulator.client_secret}"
    )
    print(f"Auth0 Management API emulator at {url}")
    print(f"  rate limit: {args.rate.describe() if args.rate else 'none'}"
          f"{f'   fail rate: {args.fail_rate:g}' if args.fail_rate else ''}"
          f"{f'   latency: {args.latency} ms' if args.latency else ''}")
    print(f"  state: {args.state if args.state else 'in memory'}")
    print(f"  client id: {emulator.client_id}")
    print("  client secret: " + ("the one given with --client-secret" if given_secret else
                                 f"{emulator.client_secret} (the emulator's own test secret, not a real credential)"))
    print("Point hooktui at it:")
    print(f"  export AUTH0_DOMAIN={url}")
    print(f"  export AUTH0_CLIENT_ID={emulator.client_id}")
    print(f"  export {secret_line}")
    print("Ctrl+C stops it.", flush=True)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("emulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
