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
- The tenant is composed of bucket.py (the rate plan and token bucket), auth.py (the token endpoint
  and the checks on tokens), hooks_api.py (hooks and secrets), logs_api.py (the tenant log) and
  faults.py (fault switches); this module routes each request to them and keeps the state file.
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

import json
import math
import random
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from hooktui.tenant.auth import TenantAuth
from hooktui.tenant.bucket import RatePlan, TokenBucket
from hooktui.tenant.faults import FaultSwitches
from hooktui.tenant.hooks_api import HOOK_KEYS, MAX_SECRETS, HooksApi
from hooktui.tenant.logs_api import LogsApi
from hooktui.tenant.request import ApiError, Call, lone_surrogate
from hooktui.tenant.server import MAX_BODY
from hooktui.tenant.server import Handler as _Handler  # noqa: F401 - tests look at its flags
from hooktui.tenant.server import Server as _Server
from hooktui.tenant.store import StateFile, StateWriter

MAX_RECORDS = 100_000  # of Emulator.requests, so that a long-running emulator stays small
STATE_FORMAT = "hooktui-emulator/1"

RATE_LIMIT_MESSAGE = "Global limit has been reached"


# ---------------------------------------------------------------------------- records


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


@dataclass
class _Outcome:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    drop: bool
    latency: float


# ---------------------------------------------------------------------------- the tenant


class Emulator(TenantAuth, HooksApi, LogsApi, FaultSwitches):
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
        self._bucket = TokenBucket(rate, clock()) if rate else None
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
