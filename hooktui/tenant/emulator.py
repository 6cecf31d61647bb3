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
- Around it: server.py (framing, body limits, connection timeouts), request.py
  (error bodies, query rules and the body decoder: strict UTF-8, a 400 for nesting too deep to
  parse, a 400 naming the field for a lone surrogate, which parses but could never be encoded
  into an answer or the state file), store.py (the state file and its batched writer),
  cli/main.py (`hooktui emulator`).

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
  (like real ones); `exp` is checked against the emulator's clock, and `aud` on every call: the
  tenant's own `https://{domain}/api/v2/`, or `http(s)://{Host}/api/v2/` for the host[:port] called
  (what the official SDKs ask for). A token minted at another emulator is "Bad audience" (401).
- Tenant logs: `sapi`/`fapi` for create, update and delete calls of an authenticated caller (reads
  are not logged, otherwise polling the logs would write logs; a request without a valid token is
  answered 401 and leaves no trace), `seccft`/`feccft` for tokens, `api_limit` for each 429.
  `feccft` and `api_limit` need no credentials, so they never cause a write of the state file on
  their own: they reach it with the next real change.
  A 503 from `fail_rate` writes nothing: the request never reached the tenant. Log ids are
  fixed-width digit strings, so comparing them as strings orders them by creation.
- Logs checkpoint mode (`from`/`take`) refuses `q`, `sort`, `page` and `per_page` (400): filter on the
  client side. `take` without `from` starts at the oldest entry.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import random
import re
import sys
import threading
import time
import traceback
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from hooktui.core.triggers import Trigger
from hooktui.tenant.request import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    ApiError,
    AuthError,
    Call,
    Unauthenticated,
    clip,
    json_type,
    log_query,
    lone_surrogate,
    paginate,
    parse_json,
    query_bool,
    query_int,
    select_fields,
)
from hooktui.tenant.server import MAX_BODY
from hooktui.tenant.server import Handler as _Handler  # noqa: F401 - tests look at its flags
from hooktui.tenant.server import Server as _Server
from hooktui.tenant.store import StateFile, StateWriter

VALUE_NOT_SHOWN = "_VALUE_NOT_SHOWN_"
MAX_SECRETS = 20
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
    `idle_timeout` (seconds without a byte before a connection is closed) and `max_body` (bytes)
    bound what one client can hold; with `state_file`, changes reach the file within
    `persist_interval` seconds and on `stop()` (`flush()` and `wait_persisted()` for tests).
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
        idle_timeout: float = 30.0,
        max_body: int = MAX_BODY,
        persist_interval: float = 0.15,
    ) -> None:
        if not (0 < idle_timeout and math.isfinite(idle_timeout)):
            raise ValueError(f"idle_timeout is a number of seconds above 0, not {idle_timeout}")
        if max_body < 1:
            raise ValueError(f"max_body must be at least 1 byte ({max_body})")
        if not 0 <= persist_interval < math.inf:
            raise ValueError(f"persist_interval is a number of seconds, 0 or more, not {persist_interval}")
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
        self.idle_timeout = float(idle_timeout)
        self.max_body = max_body
        self.persist_error: str | None = None  # the last failed write of the state, if any
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
        self._store: StateFile | None = None
        self._writer: StateWriter | None = None
        if self.state_file is not None:
            self._store = StateFile(self.state_file)  # locks it and removes stale temp copies
            weakref.finalize(self, self._store.release)
            try:
                self._load(self._store)
            except BaseException:
                self._store.release()
                raise
            self._writer = StateWriter(self._store, self._snapshot, self._mark_dirty, interval=persist_interval,
                                       report=self._report_persist_error)

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
        if self._store is not None and self._writer is not None:
            self._store.lock()  # again, after a stop
            self._writer.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, close every open connection (keep-alive ones included), write the state
        that is not on disk yet and release the state file. A failed final write is reported on
        stderr and kept in `persist_error`."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
                self._thread = None
        if self._writer is not None and self._store is not None:
            try:
                self._writer.stop()
            except OSError as exc:
                self._report_persist_error(f"{exc}; the last changes are not on disk")
            finally:
                self._store.release()

    # ------------------------------------------------------------------ the state file

    @property
    def state_writes(self) -> int:
        """How many times the state file was written (0 without one)."""
        return self._store.writes if self._store is not None else 0

    def flush(self) -> None:
        """Write the state file now if anything changed (the writer thread does it on its own,
        within `persist_interval`); OSError naming the file if it cannot be written."""
        if self._writer is not None:
            self._writer.flush()

    def wait_persisted(self, timeout: float) -> bool:
        """Wait until every change is on disk (True), or `timeout` seconds (False)."""
        deadline = time.monotonic() + timeout
        while self._writer is not None:
            with self._lock:
                clean = not self._dirty
            if clean and not self._writer.busy:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _report_persist_error(self, message: str) -> None:
        self.persist_error = message
        print(f"hooktui emulator: {message}", file=sys.stderr, flush=True)

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
                    where = lone_surrogate({**spec, "secrets": secrets})
                    if where is not None:
                        raise ApiError.payload(f"String contains a lone surrogate on property {where}")
                except ApiError as exc:
                    raise ValueError(f"cannot seed hook {spec.get('name')!r}: {exc}") from None
                hook = self._store_new_hook(hook_id, spec)
                self.secrets[hook_id] = dict(secrets)
                out.append({**hook, "secrets": dict(secrets)})
            self._dirty = True
        self.flush()  # outside the lock: the writer takes its snapshot under it
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
                          details={"request": {"method": method.lower(), "path": path}}, durable=False)
            elif self.fail_rate and self._rng.random() < self.fail_rate:
                status, payload = 503, ApiError.api(
                    503, "The service is temporarily unavailable (emulator fail_rate)").body
            else:
                drop = self._take_drop(method, path)
                try:
                    status, payload = self._route(method, path, query, headers, body, ip)
                except ApiError as exc:
                    status, payload = exc.status, exc.body
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
            changed = self._dirty
            latency = self.latency_ms / 1000.0
        if changed and self._writer is not None:
            self._writer.changed()  # written by the writer thread, never under the lock
        if self.on_request is not None:
            self.on_request(record)
        # backslashreplace: should a lone surrogate ever reach an answer, it goes out as its JSON escape.
        raw = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8", "backslashreplace")
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
        ctx = Call(method, path, query, body, client_id, ip, headers.get("User-Agent", ""))
        try:
            return handler(ctx, *rest[1:2])
        except ApiError as exc:
            # Only an authenticated caller's failed write is logged: anonymous requests cost the tenant nothing.
            if method in ("POST", "PATCH", "PUT", "DELETE"):
                self._log("fapi", str(exc), client_id=client_id, ip=ip, headers=headers,
                          details={"request": {"method": method.lower(), "path": path},
                                   "response": {"statusCode": exc.status, "body": exc.body}})
            raise

    # ------------------------------------------------------------------ tokens

    def _token(self, headers: Any, body: bytes, ip: str) -> tuple[int, Any]:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if ctype == "application/x-www-form-urlencoded":
                params: Any = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            else:
                params = parse_json(body) if body.strip() else {}
        except UnicodeDecodeError:
            raise AuthError(400, "invalid_request", "Invalid request body: not UTF-8") from None
        except ApiError as exc:
            raise AuthError(400, "invalid_request", f"Invalid request body: {exc}") from None
        if not isinstance(params, dict):
            raise AuthError(400, "invalid_request", "Invalid request body")
        grant = params.get("grant_type")
        if not grant:
            raise AuthError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant != "client_credentials":
            raise AuthError(400, "unsupported_grant_type", f"Unsupported grant type: {clip(grant)}")
        client_id = str(params.get("client_id") or "")
        fail = {"client_id": client_id, "ip": ip, "headers": headers}
        if client_id != self.client_id or not hmac.compare_digest(
            str(params.get("client_secret") or "").encode(), self.client_secret.encode()
        ):
            self._log("feccft", "Unauthorized", **fail, durable=False)
            raise AuthError(401, "access_denied", "Unauthorized")
        audience = params.get("audience")
        if not audience:
            message = "No audience parameter was provided, and no default audience has been configured"
            self._log("feccft", message, **fail, durable=False)
            raise AuthError(403, "access_denied", message)
        if not isinstance(audience, str) or audience not in self._audiences(headers):
            message = f"Service not enabled within domain: {clip(audience, 200)}"
            self._log("feccft", message, **fail, durable=False)
            raise AuthError(403, "access_denied", message)
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
        """The tenant's own audience, and `http(s)://{Host}/api/v2/` for the host[:port] the client
        called (the official SDKs ask for https://{domain}/api/v2/; hooktui asks for its base URL).
        A token is good only where it was minted: another emulator's host is another tenant."""
        hosts = {f"https://{self.domain}"}
        # An HTTP/1.0 client may send no Host: then it called the address we listen on.
        host = (headers.get("Host") or self.base_url.partition("://")[2]).strip().lower()
        if host:
            hosts |= {f"http://{host}", f"https://{host}"}
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
            raise Unauthenticated.api(401, "Missing authentication")
        claims = self._claims(token)
        if claims is None:
            raise Unauthenticated.api(401, "Invalid token", "invalid_token")
        if not isinstance(claims.get("exp"), int) or self._epoch(self._clock()) >= claims["exp"]:
            raise Unauthenticated.api(401, EXPIRED_TOKEN, "invalid_token")
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []
        if not set(auds) & self._audiences(headers):
            shown = " ".join(auds) if auds else "(none)"
            raise Unauthenticated.api(401, f"Bad audience: {clip(shown, 200)}", "invalid_token")
        return str(claims.get("azp", ""))

    def _caller(self, headers: Any) -> str:
        """Who sent the request, for a log entry, when the token says so."""
        token = self._bearer(headers)
        claims = self._claims(token) if token else None
        return str(claims.get("azp", "")) if claims else ""

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

    # ------------------------------------------------------------------ logs

    def _search_logs(self, ctx: Call) -> tuple[int, Any]:
        q = ctx.query
        if "from" in q or "take" in q:
            mixed = [k for k in ("q", "sort", "page", "per_page") if k in q]
            if mixed:
                raise ApiError.query(f"{mixed[0]} cannot be used with from and take (checkpoint mode)", mixed[0])
            take = query_int(q, "take", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
            start = q.get("from", "")
            entries = [e for e in self.logs if e["log_id"] > start][:take]
            return 200, select_fields([copy.deepcopy(e) for e in entries], q)
        entries = self.logs
        if q.get("q"):
            match = log_query(q["q"])
            entries = [e for e in entries if match(e)]
        sort = q.get("sort", "date:-1")
        if sort not in ("date:-1", "date:1"):
            raise ApiError.query(f"unsupported sort {sort!r}: use date:1 or date:-1", "sort")
        if sort == "date:-1":
            entries = entries[::-1]
        page_items, start_at, limit = paginate(entries, q, page_all=False)
        page_items = select_fields([copy.deepcopy(e) for e in page_items], q)
        if query_bool(q, "include_totals", False):
            return 200, {"start": start_at, "limit": limit, "length": len(page_items), "total": len(entries),
                         "logs": page_items}
        return 200, page_items

    def _get_log(self, ctx: Call, log_id: str) -> tuple[int, Any]:
        for entry in self.logs:
            if entry["log_id"] == log_id:
                return 200, copy.deepcopy(entry)
        raise ApiError.api(404, "log not found", "inexistent_log")

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

    def _log(self, kind: str, description: str, *, client_id: str, ip: str, headers: Any,
             details: dict[str, Any] | None = None, durable: bool = True) -> None:
        """`durable=False` for entries anyone can cause without credentials (a failed token request,
        a 429): they are kept and reach the state file with the next real change, but never cause
        a write of their own."""
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
        if durable:
            self._dirty = True

    # ------------------------------------------------------------------ state

    def _epoch(self, monotonic: float) -> float:
        return monotonic + self._epoch_offset

    def _snapshot(self) -> dict[str, Any] | None:
        """What the writer thread writes, taken under the lock and cleared of its dirty mark (None
        when nothing changed). Shallow copies: log entries are never changed once appended."""
        with self._lock:
            if not self._dirty:
                return None
            self._dirty = False
            return {
                "format": STATE_FORMAT,
                "hooks": [self._public(h) for h in self.hooks.values()],
                "secrets": {k: dict(v) for k, v in self.secrets.items()},
                "next_log": self._next_log,
                "logs": list(self.logs),
            }

    def _mark_dirty(self) -> None:
        with self._lock:
            self._dirty = True

    def _load(self, store: StateFile) -> None:
        try:
            state = store.load()
            if state is None:
                return
            if state.get("format") != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} file")
            hooks = {h["id"]: {k: h[k] for k in HOOK_KEYS} for h in state["hooks"]}
            secrets = {str(k): dict(v) for k, v in state.get("secrets", {}).items()}
            logs = list(state.get("logs", []))
            next_log = int(state.get("next_log", 1))
            next_log = max([next_log] + [int(e["log_id"]) + 1 - 900 * 10**21 for e in logs])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise ValueError(f"{store.path}: cannot load the emulator's state: {exc}") from None
        self.hooks, self.secrets, self.logs = hooks, secrets, logs
        for hook_id in hooks:
            self.secrets.setdefault(hook_id, {})
        self._next_log = next_log


def main(argv: Sequence[str] | None = None) -> int:
    """`hooktui emulator ...` (cli/main.py): serve until Ctrl+C or SIGTERM."""
    from hooktui.tenant.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
