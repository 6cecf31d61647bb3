"""The client's side of the tenant's rate limit: a copy of Auth0's token bucket learned from the
`X-RateLimit-*` headers, and the waits before a retry. Pure arithmetic: no I/O, no sleeping; the
clock and the random source are injected so that tests drive time.

How the bucket is learned. Every response says `Limit` (the burst), `Remaining` (whole requests
left) and `Reset` (UNIX second at which the bucket is full again). Waiting for `Reset` whenever
`Remaining` is low doubles the time of a paced push (the bucket refills continuously, `Reset` is a
whole second away), so the policy estimates the refill rate instead, from two kinds of evidence:

- windows: between two readings the bucket gained `Remaining_b - Remaining_a + requests served`
  tokens, give or take one; over a long window that pins the rate down to a few percent, and it
  needs no clock agreement with the server;
- `Reset`: `(Limit - Remaining) / (Reset - now)`, but `Reset` is a whole second (rounded either
  way) and the clocks may disagree, so one reading only gives a wide interval: a first guess.

Every piece of evidence is an interval that surely holds the true rate (only requests whose order
is certain are counted, which matters when several are in flight); the policy intersects them and
paces at a point inside. `Remaining` on every answer re-bases the local copy of the bucket, so an
error in the rate only matters between two answers, and the reserve (a token kept back, so that
pacing starts before `Remaining` reaches 0, as Auth0 asks) absorbs an estimate up to twice too
high. The estimate is never more than 1.5 times the proven lower bound.

Assumptions: `Remaining` is the whole part of the bucket (Auth0 and our emulator floor it), and
clocks agree to half a second unless the `Date` header proves otherwise. With a burst of 1,
`Remaining` is always 0 and says nothing: the policy then waits for `Reset` and relies on it.
"""

from __future__ import annotations

import itertools
import math
import random as _random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Literal

EventKind = Literal["pace", "429", "retry"]
_HISTORY = 256  # readings kept to count what a window served; a window spans at most these


@dataclass(frozen=True)
class RateLimitEvent:
    """A wait the client is about to sleep, for the CLI and the console's log stream."""

    kind: EventKind
    wait: float  # seconds
    remaining: int | None  # X-RateLimit-Remaining last seen, if any
    limit: int | None  # X-RateLimit-Limit last seen, if any
    message: str  # "rate limited: waiting 1.8 s, 0/10 left"

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class RateLimitConfig:
    """Bounds of the policy. Every wait it answers lies in [0, max_wait]."""

    max_attempts: int = 5  # attempts per request, the first included
    max_total: float = 60.0  # seconds per request, waits included
    min_wait: float = 0.05  # a 429 is never retried sooner
    max_wait: float = 10.0  # the cap of any single wait (go-auth0 clamps to 1-10 s)
    jitter: float = 0.25  # at most this many seconds added to a 429 wait, so clients spread out
    backoff_base: float = 0.5  # 5xx / connection errors: full jitter over base * 2^(n-1) ...
    backoff_cap: float = 8.0  # ... capped here
    reserve: float = 1.0  # tokens left in the bucket while pacing (other clients, rounding)
    # Seconds by which Reset may be off: whole seconds rounded either way, and clocks that agree
    # to half a second (the Date header catches a worse clock).
    reset_tolerance: float = 1.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if not 0 <= self.min_wait <= self.max_wait:
            raise ValueError("need 0 <= min_wait <= max_wait")
        for name in ("max_total", "jitter", "backoff_base", "backoff_cap", "reserve"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number >= 0")
        if not (self.reset_tolerance >= 0 and math.isfinite(self.reset_tolerance)):
            raise ValueError("reset_tolerance must be a finite number >= 0")


@dataclass(frozen=True)
class _Reading:
    sent: float  # when the request left (the server handled it between sent and received)
    received: float
    limit: int
    remaining: int
    reset: float | None
    took: int  # 1 if the request took a token, 0 for a 429


class _Interval:
    """Bounds on the refill rate (tokens per second) that all evidence so far agrees with."""

    def __init__(self) -> None:
        self.lo, self.hi = 0.0, math.inf

    def narrow(self, lo: float, hi: float) -> None:
        lo, hi = max(lo, 0.0), max(hi, 0.0)
        new_lo, new_hi = max(self.lo, lo), min(self.hi, hi)
        if new_lo > new_hi:
            # The evidence contradicts itself: the tenant's plan changed, another client shares the
            # bucket, or a reading broke an assumption. The newest evidence describes the present.
            new_lo, new_hi = lo, hi
        self.lo, self.hi = new_lo, new_hi


def _estimate(lo: float, hi: float, reserve: float) -> float | None:
    """A rate inside [lo, hi] to pace at, None while there is no lower bound.

    Pacing from an empty bucket to `1 + reserve` tokens at `(1 + reserve)` times the true rate
    still finds the one token the request needs, so the estimate may exceed the lower bound by
    half that much and no more: with no reserve (a burst of 1), only the lower bound is safe.
    """
    if lo <= 0:
        return None
    ceiling = (1 + reserve / 2) * lo
    return min(math.sqrt(lo * hi), ceiling) if hi < math.inf else ceiling


def _window(start: _Reading, end: _Reading, surely: int, maybe: int) -> tuple[float, float]:
    """Bounds on the refill rate from two readings. Between the server's two moments it served at
    least `surely` and at most `maybe` requests (`end` included). The upper bound assumes the
    bucket was never full in between; the lower bound holds whatever happened."""
    longest = end.received - start.sent  # the server's two moments are at most this far apart
    shortest = end.sent - start.received  # ... and at least this far
    if shortest < 0:
        return 0.0, math.inf  # `end` left before `start` came back: which came first is unknown
    # The level after each reading is in [R, R+1): gained = level_end - level_start + served.
    lo = (end.remaining - start.remaining + surely - 1) / longest if longest > 0 else 0.0
    hi = (end.remaining - start.remaining + maybe + 1) / shortest if shortest > 0 else math.inf
    return lo, hi


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict from a test or a server that capitalises differently
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _number(headers: Mapping[str, str], name: str) -> float | None:
    raw = _header(headers, name)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent
    or unreadable. Never negative."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when: datetime = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT
            return None
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _seconds(wait: float) -> str:
    return f"{wait:.2f} s" if wait < 1 else f"{wait:.1f} s"


class RateLimitPolicy:
    """When to send the next request, and how long to wait before a retry.

    One policy per rate-limit bucket (the Management API of one tenant; the authentication API has
    its own). Protocol: call `delay_before_request()` before each request and sleep what it
    answers (it books a token), `sending()` as the request leaves, then `observe()` the response's
    headers with that `sent_at`, or `forget_request(sent_at)` if no response came. Concurrent
    callers take turns from `delay_before_request()` to `sending()`, so that each wait is computed
    from the latest answer.
    """

    def __init__(
        self,
        config: RateLimitConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        random: Callable[[], float] = _random.random,
        on_event: Callable[[RateLimitEvent], None] | None = None,
    ) -> None:
        self.config = config or RateLimitConfig()
        self.clock = clock  # UNIX seconds: X-RateLimit-Reset is an epoch time
        self._random = random
        self.on_event = on_event
        # What the server said last.
        self.responses = 0  # responses observed, with or without rate-limit headers
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset: float | None = None
        # The local copy of the bucket: `_tokens` at time `_tokens_at`, booked requests deducted.
        self._tokens: float | None = None
        self._tokens_at = 0.0
        self._booked: list[float] = []  # send times of requests booked and not yet answered
        self._since_reading = 0  # tokens deducted from the last reading's Remaining
        self._based_on = -math.inf  # when the answer the bucket copy rests on came back
        # Rate evidence.
        self._windows = _Interval()
        self._resets = _Interval()
        # Our clock minus the server's, as far as the Date headers tell (whole seconds).
        self._skew_lo, self._skew_hi = -math.inf, math.inf
        self._anchor: _Reading | None = None  # where the current window starts
        self._recent: deque[_Reading] = deque(maxlen=_HISTORY)

    # ------------------------------------------------------------------------ learning

    @property
    def rate(self) -> float | None:
        """The refill rate the policy paces at (tokens per second), None while unknown."""
        if self.limit is None:
            return None
        return _estimate(*self.rate_bounds, self._reserve())

    @property
    def rate_bounds(self) -> tuple[float, float]:
        """The interval the refill rate is known to lie in."""
        windows, resets = self._windows, self._resets
        lo, hi = max(windows.lo, resets.lo), min(windows.hi, resets.hi)
        if lo > hi:
            # They disagree: a skewed clock shifts every Reset, while windows need no clock
            # agreement with the server.
            return windows.lo, windows.hi
        return lo, hi

    @property
    def needs_order(self) -> bool:
        """True while requests should go one at a time: nothing is known yet, or the bucket is
        nearly empty while its refill rate is still poorly known. Answers then come back in the
        order the requests left, which is what pins the rate down (overlapping answers teach
        little, and a caller sleeping on a stale wait does not see them)."""
        if not self.responses or self.limit is None:
            return True
        lo, hi = self.rate_bounds
        uncertain = not (lo > 0 and hi < math.inf and hi <= 2 * lo)
        return uncertain and self.remaining is not None and self.remaining <= 1 + self._reserve()

    def observe(
        self,
        headers: Mapping[str, str],
        *,
        sent_at: float | None = None,
        status: int | None = None,
    ) -> None:
        """Learn from a response's headers. `sent_at` (the clock when the request left) narrows
        the evidence; `status` 429 means the request did not take a token."""
        now = self.clock()
        sent = sent_at if sent_at is not None and sent_at <= now else now
        self._unbook(sent)
        self.responses += 1
        limit = _number(headers, "X-RateLimit-Limit")
        remaining = _number(headers, "X-RateLimit-Remaining")
        if limit is None or remaining is None or limit < 1:
            return  # not a rate-limited endpoint, or a proxy ate the headers
        limit_i, remaining_i = int(limit), max(0, min(int(remaining), int(limit)))
        reset = _number(headers, "X-RateLimit-Reset")
        self._learn_skew(_header(headers, "Date"), sent_at, now)
        if self.limit is not None and limit_i != self.limit:
            self._forget_rate()  # a new plan: old evidence describes another bucket
        self.limit, self.remaining, self.reset = limit_i, remaining_i, reset

        # Requests still unanswered may or may not be in Remaining: over several connections the
        # server does not serve them in the order they left. Counting them all is safe.
        later = len(self._booked)
        reading = _Reading(sent, now, limit_i, remaining_i, reset, 0 if status == 429 else 1)
        self._learn(reading, later=later)
        # The server's count is the truth, unless an answer that may be newer came back already:
        # then this one may describe an older state, and only lowers the estimate.
        level = float(remaining_i - later)
        if self._tokens is not None and sent < self._based_on:
            self._advance(now, self.rate)
            level = min(level, self._tokens)
        self._tokens, self._tokens_at, self._since_reading = level, now, later
        self._based_on = max(self._based_on, now)

    def forget_request(self, sent_at: float | None = None) -> None:
        """A booked request got no response (never sent, or the connection dropped). Its token
        stays deducted until the next response: it may have reached the server."""
        self._unbook(self.clock() if sent_at is None else sent_at)

    def sending(self) -> float:
        """The request booked last leaves now: returns the time to pass as `sent_at`, which
        also tells which booking an answer belongs to when several are in flight."""
        now = self.clock()
        if self._booked:
            self._booked.pop()
        self._booked.append(now)
        return now

    def _unbook(self, sent: float) -> None:
        if sent in self._booked:
            self._booked.remove(sent)
        elif self._booked:
            self._booked.remove(min(self._booked, key=lambda t: abs(t - sent)))

    def _learn_skew(self, date: str | None, sent_at: float | None, received: float) -> None:
        """The server wrote `date` (its clock, rounded down to the second) between our sending and
        receiving: that brackets the difference of the two clocks."""
        try:
            server = parsedate_to_datetime(date).timestamp() if date else None
        except (TypeError, ValueError, IndexError):
            server = None
        if server is None:
            return
        sent = sent_at if sent_at is not None and sent_at <= received else received
        lo, hi = sent - server - 1, received - server
        if max(lo, self._skew_lo) > min(hi, self._skew_hi):
            self._skew_lo, self._skew_hi = lo, hi  # a clock was set: start again
        else:
            self._skew_lo, self._skew_hi = max(lo, self._skew_lo), min(hi, self._skew_hi)

    def _skew(self) -> tuple[float, float]:
        """Bounds on our clock minus the server's. Clocks are trusted to agree (NTP) unless the
        Date headers prove otherwise; then Reset is read through what they prove."""
        if self._skew_lo <= 0 <= self._skew_hi:
            return 0.0, 0.0
        return self._skew_lo, self._skew_hi

    def _full_again(self) -> float | None:
        """When, by our clock, the bucket is surely full again according to the last answer:
        Reset plus the tolerance (it may be rounded down, or the clocks may disagree by less
        than the Date header shows)."""
        if self.reset is None:
            return None
        return self.reset + self._skew()[1] + self.config.reset_tolerance

    def _forget_rate(self) -> None:
        self._windows, self._resets = _Interval(), _Interval()
        self._anchor = None
        self._recent.clear()

    def _learn(self, reading: _Reading, *, later: int) -> None:
        limit, remaining, tol = reading.limit, reading.remaining, self.config.reset_tolerance
        # Remaining is the whole part of the bucket: the true level is in [R, R+1).
        if reading.reset is not None and remaining < limit:
            # Full again `(limit - level) / rate` after the server's moment, which lies in
            # [sent, received]; Reset is that instant give or take the tolerance.
            skew_lo, skew_hi = self._skew()
            lo_span = reading.reset + skew_hi + tol - reading.sent
            hi_span = reading.reset + skew_lo - tol - reading.received
            lo = (limit - remaining - 1) / lo_span if lo_span > 0 else 0.0
            hi = (limit - remaining) / hi_span if hi_span > 0 else math.inf
            self._resets.narrow(lo, hi)

        recent, anchor = self._recent, self._anchor
        if anchor is not None and not any(r is anchor for r in recent):
            anchor = None  # too long ago to count what happened since

        # Requests are counted only when the order is certain: answered after `start` and
        # before `end` left, and sent after `start` came back.
        def surely(start: _Reading) -> int:
            after = itertools.dropwhile(lambda r: r is not start, recent)
            next(after, None)
            return reading.took + sum(
                r.took for r in after if r.sent >= start.received and r.received <= reading.sent
            )

        # Lower bounds hold whatever happened in between, so several windows give one: since the
        # anchor; the last gap alone (after a wait long enough to fill the bucket, the evidence
        # that it was too long); and the longest ones remembered, which keep growing while the
        # bucket stays full (then what it gave is what we took, and pacing at up to 1.5 times
        # that probes upwards).
        before = next((r for r in reversed(recent) if r.received <= reading.sent), None)
        starts = {id(r): r for r in (anchor, before, recent[0] if recent else None,
                                      recent[len(recent) // 2] if recent else None) if r is not None}
        for start in starts.values():
            self._windows.narrow(_window(start, reading, surely(start), 0)[0], math.inf)
        recent.append(reading)
        # The bucket was full just before this request (it had L tokens, gave one): it may have
        # thrown tokens away, so windows across this point cannot cap the rate. One starts here.
        if anchor is None or remaining >= limit - reading.took - later:
            self._anchor = reading
            return
        # Everything that may have been served in between: answered in the window, or still in
        # flight when `end` came back.
        maybe = sum(r.took for r in recent if r is not anchor and r.received >= anchor.sent)
        maybe += sum(1 for t in self._booked if t <= reading.received)
        self._windows.narrow(*_window(anchor, reading, 0, maybe))

    # ------------------------------------------------------------------------ memory

    def remember(self) -> dict[str, float | int | None] | None:
        """What the policy knows of the bucket now, as plain numbers (no secret: a limit, a
        level, a time and rate bounds), so that the next command starts from it instead of
        sending blind into a bucket this one emptied. None while nothing is known."""
        if self.limit is None or self._tokens is None:
            return None
        now = self.clock()
        self._advance(now, self.rate)
        lo, hi = self.rate_bounds
        return {"limit": self.limit, "tokens": round(self._tokens, 4), "at": round(now, 3),
                "reset": self.reset, "rate_lo": lo, "rate_hi": hi if math.isfinite(hi) else None}

    def recall(self, memory: Mapping[str, object] | None) -> bool:
        """Start from what an earlier command remembered (see `remember`). Anything malformed is
        ignored: the first answer teaches the same, only later. Returns whether it was used."""
        if not isinstance(memory, Mapping) or self.responses:
            return False

        def number(key: str, *, optional: bool = False) -> float | None:
            value = memory.get(key)
            if value is None and optional:
                return None
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(key)
            return float(value)

        try:
            limit, tokens, at = number("limit"), number("tokens"), number("at")
            reset, lo, hi = number("reset", optional=True), number("rate_lo"), number("rate_hi", optional=True)
        except ValueError:
            return False
        assert limit is not None and tokens is not None and at is not None and lo is not None
        if limit < 1 or lo < 0 or (hi is not None and hi < lo):
            return False
        self.limit = int(limit)
        self._tokens = max(-1.0, min(tokens, float(self.limit)))
        self._tokens_at = min(at, self.clock())  # a clock set back must not freeze the refill
        self.remaining = max(0, int(self._tokens))
        self.reset = reset
        self._windows.narrow(lo, math.inf if hi is None else hi)
        return True

    # ------------------------------------------------------------------------ pacing

    def _reserve(self) -> float:
        # A small bucket cannot spare a whole token: pacing to a full bucket would hide the
        # refill rate (every reading would say "was full"). With a burst of 1 nothing is spared.
        assert self.limit is not None
        return min(self.config.reserve, max(0.0, (self.limit - 1.0) / 2))

    def _advance(self, to: float, rate: float | None) -> None:
        """Move the local bucket forward in time, refilling it."""
        assert self._tokens is not None and self.limit is not None
        if to <= self._tokens_at:
            return
        if rate is not None:
            refilled = self._tokens + rate * (to - self._tokens_at)
            # The bucket stops at `limit`; requests booked and unanswered are already deducted
            # from `_tokens`, and they may reach the server after it filled up.
            self._tokens = max(self._tokens, min(float(self.limit - len(self._booked)), refilled))
        full = self._full_again()
        if full is not None and self._tokens_at < full <= to:
            # The server said when it is full again, counting what it had served: only what we
            # sent since is missing. (A rate underestimated from a rough start never makes the
            # wait longer than that.)
            self._tokens = max(self._tokens, float(self.limit - self._since_reading))
        self._tokens_at = to

    def delay_before_request(self) -> float:
        """Seconds to wait before sending the next request, and books one token for it.

        0 while the bucket holds a token beyond the reserve; otherwise the time until the learned
        refill brings one. While the rate is unknown there is no reserve to keep (it only covers
        errors of the estimate): a known-empty bucket means waiting until Reset (plus its
        tolerance). Never above max_wait.
        """
        now = self.clock()
        if self._tokens is None or self.limit is None:
            self._booked.append(now)
            return 0.0  # nothing known yet: the first response will tell
        rate = self.rate
        need = 1.0 + self._reserve() if rate is not None else 1.0
        start = max(now, self._tokens_at)
        self._advance(start, rate)
        send_at = start
        if self._tokens < need:
            full = self._full_again()
            if rate is not None:
                send_at = start + (need - self._tokens) / rate
            if full is not None and full > start and (rate is None or full < send_at):
                send_at = full
            self._advance(send_at, rate)
        self._tokens -= 1
        self._since_reading += 1
        wait = min(self.config.max_wait, max(0.0, send_at - now))
        self._booked.append(now + wait)
        if wait < 0.001:
            return 0.0
        self.report("pace", wait)
        return wait

    # ------------------------------------------------------------------------ retries

    def wait_after_429(self, headers: Mapping[str, str], attempt: int) -> float:
        """Seconds to wait after a 429: Retry-After if given, else until X-RateLimit-Reset, else
        exponential; clamped to [min_wait, max_wait] with up to `jitter` seconds added."""
        cfg, now = self.config, self.clock()
        base = parse_retry_after(_header(headers, "Retry-After"), now)
        if base is None:
            reset = _number(headers, "X-RateLimit-Reset")
            until_reset = None if reset is None else reset + self._skew()[1] - now
            if until_reset is not None and until_reset > 0:
                base = until_reset
            else:  # no Reset, or one already past (rounded down): back off instead
                base = cfg.backoff_base * 2 ** max(0, attempt - 1)
        base = min(cfg.max_wait, max(cfg.min_wait, base))
        jitter = self._random() * min(cfg.jitter, base / 4)
        return min(cfg.max_wait, base + jitter)

    def wait_before_retry(self, attempt: int) -> float:
        """Seconds to wait after a 5xx or a connection error (attempt = attempts made so far):
        full jitter over an exponential back-off, at least min_wait, capped."""
        cfg = self.config
        ceiling = min(cfg.backoff_cap, cfg.backoff_base * 2 ** max(0, attempt - 1), cfg.max_wait)
        return min(cfg.max_wait, max(cfg.min_wait, self._random() * ceiling))

    def gives_up(self, attempts: int, elapsed: float, next_wait: float) -> bool:
        """True when another attempt would exceed max_attempts or max_total."""
        cfg = self.config
        return attempts >= cfg.max_attempts or elapsed + next_wait > cfg.max_total

    # ------------------------------------------------------------------------ events

    def report(self, kind: EventKind, wait: float, detail: str | None = None) -> RateLimitEvent:
        """Tell `on_event` about a wait that is about to be slept; returns the event."""
        left = f", {self.remaining}/{self.limit} left" if self.limit is not None else ""
        if kind == "pace":
            rate = self.rate
            refill = f" (refills at about {rate:.1f}/s)" if rate else ""
            message = f"pacing: waiting {_seconds(wait)}{left}{refill}"
        elif kind == "429":
            message = f"rate limited: waiting {_seconds(wait)}{left}"
        else:
            message = f"retrying in {_seconds(wait)}"
        if detail:
            message = f"{message} ({detail})" if kind != "retry" else f"{detail}: {message}"
        event = RateLimitEvent(kind, wait, self.remaining, self.limit, message)
        if self.on_event is not None:
            self.on_event(event)
        return event

    def __repr__(self) -> str:
        rate = self.rate
        return (
            f"RateLimitPolicy(limit={self.limit}, remaining={self.remaining}, "
            f"rate={'?' if rate is None else f'{rate:.2f}/s'}, booked={len(self._booked)})"
        )
