"""The rate-limit policy against a simulated Auth0 bucket: every wait bounded, no request into a
bucket known to be empty, no 429 at all when the headers are honoured, and pacing close to the
bucket's theoretical minimum."""

from __future__ import annotations

import heapq
import itertools
import math
import random
import re
import subprocess
import sys
from email.utils import formatdate

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooktui.remote.ratelimit import RateLimitConfig, RateLimitEvent, RateLimitPolicy, parse_retry_after

EPOCH = 1_700_000_000.37  # a fractional start, so that Reset rounding matters
ROUNDINGS = {"ceil": math.ceil, "floor": math.floor, "round": round}


class Clock:
    def __init__(self, now: float = EPOCH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Bucket:
    """Auth0's token bucket as the server keeps it, with the headers it sends."""

    def __init__(self, rate: float, burst: int, rounding: str = "ceil") -> None:
        self.rate, self.burst, self.round = rate, burst, ROUNDINGS[rounding]
        self.tokens, self.t = float(burst), 0.0
        self.served = self.rejected = 0

    def handle(self, t: float) -> tuple[bool, dict[str, str]]:
        self.tokens = min(self.burst, self.tokens + (t - self.t) * self.rate)
        self.t = t
        ok = self.tokens >= 1 - 1e-9
        if ok:
            self.tokens = max(0.0, self.tokens - 1)
            self.served += 1
        else:
            self.rejected += 1
        full = EPOCH + t + (self.burst - self.tokens) / self.rate
        return ok, {
            "Date": formatdate(math.floor(EPOCH + t), usegmt=True),
            "X-RateLimit-Limit": str(self.burst),
            "X-RateLimit-Remaining": str(int(self.tokens + 1e-9)),
            "X-RateLimit-Reset": str(self.round(full)),
        }


def simulate(
    rate: float,
    burst: int,
    jobs: int,
    *,
    workers: int = 1,
    latency: float = 0.002,
    spread: float = 0.0,
    rounding: str = "ceil",
    skew: float = 0.0,
    seed: int = 0,
) -> tuple[float, Bucket, RateLimitPolicy]:
    """`jobs` requests by `workers` concurrent callers, each taking its turn at the pacer as
    ManagementClient does; each leg of a round trip takes latency/2 * (1 + spread * U(0,1)), so
    answers come back out of order. Returns (seconds taken, bucket, policy)."""
    rng = random.Random(seed)
    now = [0.0]
    bucket = Bucket(rate, burst, rounding)
    policy = RateLimitPolicy(clock=lambda: EPOCH + skew + now[0], random=rng.random)
    order = itertools.count()
    events: list = []

    def at(t: float, kind: str, data: object = None) -> None:
        heapq.heappush(events, (t, next(order), kind, data))

    pacer_busy, waiting, left = False, 0, jobs

    def take_turn(t: float) -> None:
        nonlocal pacer_busy
        pacer_busy = True
        at(t + policy.delay_before_request(), "send")

    for _ in range(min(workers, jobs)):
        left -= 1
        at(0.0, "ready")
    while events:
        t, _, kind, data = heapq.heappop(events)
        now[0] = t
        if kind == "ready":
            if pacer_busy:
                waiting += 1
            else:
                take_turn(t)
        elif kind == "send":
            sent = policy.sending()
            first = policy.responses == 0  # the first request goes alone, as the client does
            up = latency / 2 * (1 + spread * rng.random())
            down = latency / 2 * (1 + spread * rng.random())
            at(t + up, "server", (sent, down, first))
            if not first:
                pacer_busy = False
                if waiting:
                    waiting -= 1
                    take_turn(t)
        elif kind == "server":
            sent, down, first = data
            ok, headers = bucket.handle(t)
            at(t + down, "answer", (sent, ok, headers, first))
        else:
            sent, ok, headers, first = data
            policy.observe(headers, sent_at=sent, status=200 if ok else 429)
            if first:
                pacer_busy = False
                if waiting:
                    waiting -= 1
                    take_turn(t)
            if not ok:
                at(t + policy.wait_after_429(headers, 1), "ready")
            elif left > 0:
                left -= 1
                at(t, "ready")
    return now[0], bucket, policy


def minimum(rate: float, burst: int, requests: int) -> float:
    """The fastest any client can push `requests` through a full bucket."""
    return max(0, requests - burst) / rate


# ---------------------------------------------------------------------------- waits are bounded

header_values = st.one_of(
    st.none(),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=12),
)


@given(
    retry_after=st.one_of(
        header_values,
        st.integers(-86400, 86400).map(lambda d: formatdate(EPOCH + d, usegmt=True)),
    ),
    reset=st.one_of(header_values, st.floats(-1e6, 1e6).map(lambda d: str(int(EPOCH + d)))),
    attempt=st.integers(1, 60),
    draw=st.floats(0, 1, exclude_max=True),
)
def test_a_429_wait_is_never_negative_nor_above_the_cap(retry_after, reset, attempt, draw):
    policy = RateLimitPolicy(clock=Clock(), random=lambda: draw)
    given_headers = {
        k: v for k, v in (("Retry-After", retry_after), ("X-RateLimit-Reset", reset)) if v is not None
    }
    wait = policy.wait_after_429(given_headers, attempt)
    assert policy.config.min_wait <= wait <= policy.config.max_wait


@given(attempt=st.integers(1, 200), draw=st.floats(0, 1, exclude_max=True))
def test_a_retry_wait_is_bounded_by_the_backoff_cap(attempt, draw):
    cfg = RateLimitConfig()
    wait = RateLimitPolicy(cfg, random=lambda: draw).wait_before_retry(attempt)
    assert cfg.min_wait <= wait <= min(cfg.backoff_cap, cfg.max_wait)


readings = st.lists(
    st.tuples(
        st.floats(0, 30),  # seconds since the previous step
        st.integers(1, 100),  # limit
        st.integers(-5, 120),  # remaining (clamped by the policy)
        st.one_of(st.none(), st.floats(-100, 100)),  # reset, relative to now
        st.sampled_from([200, 201, 429, 503]),
        st.integers(0, 3),  # delays asked for before the answer
    ),
    max_size=40,
)


@given(steps=readings)
def test_a_pacing_delay_is_never_negative_nor_above_the_cap(steps):
    clock = Clock()
    policy = RateLimitPolicy(clock=clock)
    for gap, limit, remaining, reset, status, asks in steps:
        for _ in range(asks):
            delay = policy.delay_before_request()
            assert 0 <= delay <= policy.config.max_wait
            clock.now += delay
            policy.sending()
        clock.now += gap
        policy.observe(
            headers(limit, remaining, None if reset is None else clock.now + reset), status=status
        )
    delay = policy.delay_before_request()
    assert 0 <= delay <= policy.config.max_wait


# ---------------------------------------------------------------------------- empty means wait


def headers(limit: int, remaining: int, reset: float | None = None) -> dict[str, str]:
    out = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
    if reset is not None:
        out["X-RateLimit-Reset"] = str(int(reset))
    return out


def _empty(clock: Clock, limit: int, ahead: int) -> tuple[RateLimitPolicy, int]:
    policy = RateLimitPolicy(clock=clock)
    reset = math.ceil(clock.now) + ahead
    policy.observe(headers(limit, 0, reset))
    return policy, reset


@given(limit=st.integers(1, 100), ahead=st.integers(1, 8))
def test_remaining_zero_means_a_wait(limit, ahead):
    clock = Clock()
    policy, reset = _empty(clock, limit, ahead)
    delay = policy.delay_before_request()
    assert 0 < delay <= reset + policy.config.reset_tolerance - clock.now


@given(ahead=st.integers(1, 8), later=st.floats(0, 0.999))
def test_with_nothing_but_reset_to_go_by_the_request_waits_for_reset(ahead, later):
    """A burst of 1 leaves Remaining at 0 after every request: it says nothing of the refill, so
    the policy waits for Reset, at any moment before it."""
    clock = Clock()
    policy, reset = _empty(clock, 1, ahead)
    clock.now += later * (reset - clock.now)
    delay = policy.delay_before_request()
    assert delay > 0
    assert clock.now + delay >= reset


@given(
    rate=st.sampled_from([0.9, 2.0, 16.0, 50.0]),
    burst=st.sampled_from([5, 10, 50]),
    seed=st.integers(0, 99),
)
@settings(max_examples=30, deadline=None)
def test_remaining_zero_means_a_wait_after_the_rate_is_learned(rate, burst, seed):
    _, bucket, policy = simulate(rate, burst, burst + 20, seed=seed)
    assert policy.rate is not None
    policy.observe(headers(burst, 0, math.ceil(policy.clock() + burst / rate)))
    assert policy.delay_before_request() > 0


# ---------------------------------------------------------------------------- never over the limit


@given(
    rate=st.floats(0.5, 60),
    burst=st.integers(2, 60),
    jobs=st.integers(1, 120),
    workers=st.sampled_from([1, 1, 2, 3, 8]),
    latency=st.sampled_from([0.0, 0.001, 0.01, 0.05, 0.2]),
    spread=st.sampled_from([0.0, 1.0, 4.0]),
    rounding=st.sampled_from(sorted(ROUNDINGS)),
    skew=st.sampled_from([0.0, 0.4, -0.4, 3.0, -3.0]),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_client_never_sends_more_than_the_bucket_holds(
    rate, burst, jobs, workers, latency, spread, rounding, skew, seed
):
    """Whatever the plan, the rounding of Reset, a skewed clock or answers out of order: the
    server never has to refuse a request (it would, were more than `limit` plus the refill sent
    in any window)."""
    if burst < 5 and workers > 1:
        workers = 1  # see test_small_buckets_with_concurrency below
    _, bucket, _ = simulate(
        rate, burst, jobs, workers=workers, latency=latency, spread=spread,
        rounding=rounding, skew=skew, seed=seed,
    )
    assert bucket.rejected == 0
    assert bucket.served == jobs


@given(rate=st.floats(0.5, 60), jobs=st.integers(1, 60), seed=st.integers(0, 2**16))
@settings(max_examples=50, deadline=None)
def test_a_burst_of_one_is_safe_when_reset_is_rounded_up_as_auth0_sends_it(rate, jobs, seed):
    _, bucket, _ = simulate(rate, 1, jobs, rounding="ceil", seed=seed)
    assert bucket.rejected == 0


def test_small_buckets_with_concurrency_only_lose_time_to_429s():
    """A bucket of 2 or 3 with several requests in flight can see a 429 now and then (too few
    tokens to keep a reserve for the unknown order of answers): the retry absorbs it, and every
    request is served once."""
    for seed in range(40):
        _, bucket, _ = simulate(20, 2, 40, workers=8, latency=0.05, spread=4, rounding="floor", seed=seed)
        assert bucket.served == 40
        assert bucket.rejected <= 10


# ---------------------------------------------------------------------------- close to the minimum


@pytest.mark.parametrize(
    ("tier", "rate", "burst", "requests", "workers", "latency", "worst"),
    [
        ("free", 2.0, 10, 100, 1, 0.002, 1.05),
        ("free, 3 in flight, 50 ms away", 2.0, 10, 100, 3, 0.05, 1.05),
        ("paid", 16.0, 50, 100, 1, 0.002, 1.06),
        ("paid, 3 in flight, 50 ms away", 16.0, 50, 100, 3, 0.05, 1.12),
        ("10/s burst 10 (measured.md)", 10.0, 10, 100, 1, 0.002, 1.05),
        ("enterprise non-production", 0.9, 10, 40, 1, 0.002, 1.08),
    ],
)
def test_pacing_is_close_to_the_theoretical_minimum(tier, rate, burst, requests, workers, latency, worst):
    for seed in range(3):
        took, bucket, policy = simulate(
            rate, burst, requests, workers=workers, latency=latency, spread=1, seed=seed
        )
        assert bucket.rejected == 0, tier
        assert took <= worst * minimum(rate, burst, requests), (tier, took)
        assert policy.rate == pytest.approx(rate, rel=0.1)


def test_waiting_for_reset_would_have_doubled_the_push():
    """The pitfall in measured.md: a client that waits for X-RateLimit-Reset (whole seconds)
    whenever the bucket is empty takes about twice the minimum; the policy does not."""
    bucket, t = Bucket(10.0, 10), 0.0
    for _ in range(100):
        ok, headers = bucket.handle(t)
        assert ok
        if headers["X-RateLimit-Remaining"] == "0":
            t = max(t, float(headers["X-RateLimit-Reset"]) - EPOCH)
        t += 0.002
    took, _, _ = simulate(10.0, 10, 100)
    assert t > 1.5 * minimum(10.0, 10, 100)
    assert took < 1.05 * minimum(10.0, 10, 100)


# ---------------------------------------------------------------------------- 429 and retries


def test_retry_after_in_seconds_wins_over_reset():
    policy = RateLimitPolicy(clock=Clock(), random=lambda: 0.0)
    wait = policy.wait_after_429({"Retry-After": "2", "X-RateLimit-Reset": str(int(EPOCH) + 9)}, 1)
    assert wait == pytest.approx(2.0)


def test_retry_after_as_an_http_date():
    clock = Clock(1_700_000_000.0)
    policy = RateLimitPolicy(clock=clock, random=lambda: 0.0)
    date = formatdate(clock.now + 3, usegmt=True)
    assert policy.wait_after_429({"Retry-After": date}, 1) == pytest.approx(3.0)


def test_without_retry_after_a_429_waits_until_reset():
    clock = Clock(1_700_000_000.25)
    policy = RateLimitPolicy(clock=clock, random=lambda: 0.0)
    assert policy.wait_after_429({"X-RateLimit-Reset": "1700000002"}, 1) == pytest.approx(1.75)


def test_a_429_wait_is_clamped_and_jittered_within_bounds():
    policy = RateLimitPolicy(clock=Clock(), random=lambda: 0.999)
    assert policy.wait_after_429({"Retry-After": "0"}, 1) == pytest.approx(0.05 + 0.999 * 0.0125)
    assert policy.wait_after_429({"Retry-After": "3600"}, 1) == 10.0
    # Reset already past (rounded down) or missing: exponential back-off instead.
    past = {"X-RateLimit-Reset": str(int(EPOCH) - 1)}
    assert policy.wait_after_429(past, 3) == pytest.approx(2.0 + 0.25 * 0.999)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), (" 1.5 ", 1.5), ("-3", 0.0), ("soon", None), ("", None), (None, None), ("nan", None)],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, EPOCH) == expected


def test_attempts_and_total_time_are_bounded():
    policy = RateLimitPolicy(RateLimitConfig(max_attempts=3, max_total=5.0))
    assert not policy.gives_up(1, 0.0, 1.0)
    assert policy.gives_up(3, 0.0, 0.0)
    assert policy.gives_up(1, 4.5, 1.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"max_attempts": 0},
        {"min_wait": 2.0, "max_wait": 1.0},
        {"max_total": -1},
        {"jitter": math.inf},
        {"reserve": -1},
        {"reset_tolerance": math.nan},
    ],
)
def test_config_refuses_nonsense(bad):
    with pytest.raises(ValueError):
        RateLimitConfig(**bad)


# ---------------------------------------------------------------------------- events


def test_every_pacing_wait_is_reported():
    events: list[RateLimitEvent] = []
    clock = Clock()
    policy = RateLimitPolicy(clock=clock, on_event=events.append)
    policy.observe(headers(10, 0, math.ceil(clock.now) + 2))
    delay = policy.delay_before_request()
    assert [e.kind for e in events] == ["pace"]
    assert events[0].wait == delay
    assert (events[0].remaining, events[0].limit) == (0, 10)
    pattern = r"pacing: waiting 0\.\d\d s, 0/10 left \(refills at about \d+\.\d/s\)"
    assert re.fullmatch(pattern, events[0].message)


def test_a_429_report_reads_like_a_person_wrote_it():
    policy = RateLimitPolicy()
    policy.observe(headers(10, 0), status=429)
    event = policy.report("429", 1.8)
    assert str(event) == "rate limited: waiting 1.8 s, 0/10 left"
    retry = policy.report("retry", 0.7, "GET /api/v2/hooks: 503")
    assert retry.message == "GET /api/v2/hooks: 503: retrying in 0.70 s"


def test_the_policy_module_pulls_in_neither_httpx_nor_tenacity():
    code = (
        "import sys, hooktui.remote.ratelimit, hooktui.cli.main, hooktui.tui.app\n"
        "print(','.join(m for m in ('httpx', 'tenacity', 'hooktui.remote.client') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ---------------------------------------------------------------------------- clock skew and the ceiling


@pytest.mark.parametrize("ours_minus_theirs", [-5.0, 5.0, 30.0])
def test_a_429_wait_reads_reset_through_the_clock_skew_the_date_header_proves(ours_minus_theirs):
    clock = Clock(1_700_000_000.0)
    policy = RateLimitPolicy(clock=clock, random=lambda: 0.0)
    server_now = clock.now - ours_minus_theirs
    policy.observe({**headers(10, 5, server_now + 3), "Date": formatdate(server_now, usegmt=True)},
                   sent_at=clock.now)
    # Reset 2 s ahead by the server's clock is 2 s ahead by ours too (give or take the Date
    # header's whole second), whichever way the clocks disagree.
    wait = policy.wait_after_429({"X-RateLimit-Reset": str(int(server_now + 2))}, 1)
    assert 1.9 <= wait <= 3.1


@given(lo=st.floats(0.01, 100), factor=st.floats(1, 1000) | st.just(math.inf), reserve=st.floats(0, 1))
def test_the_pace_is_inside_the_bounds_and_never_above_the_documented_ceiling(lo, factor, reserve):
    from hooktui.remote.ratelimit import _estimate

    rate = _estimate(lo, lo * factor, reserve)
    assert rate is not None
    assert lo * (1 - 1e-9) <= rate <= (1 + reserve / 2) * lo * (1 + 1e-9)
    if factor == math.inf and reserve == 1:
        assert rate == pytest.approx(1.5 * lo)  # the module docstring's "1.5 times"


@given(rate=st.sampled_from([0.9, 2.0, 16.0]), burst=st.sampled_from([5, 10, 50]), seed=st.integers(0, 50))
@settings(max_examples=20, deadline=None)
def test_a_learned_pace_never_exceeds_one_and_a_half_times_the_proven_rate(rate, burst, seed):
    _, _, policy = simulate(rate, burst, burst + 15, seed=seed)
    lo, _ = policy.rate_bounds
    assert policy.rate is not None and lo > 0
    assert policy.rate <= 1.5 * lo * (1 + 1e-9)


# ---------------------------------------------------------------------------- what the next command starts from


def test_a_policy_recalled_from_an_empty_bucket_waits_before_its_first_request():
    clock = Clock()
    first = RateLimitPolicy(clock=clock)
    first.recall({"limit": 10, "tokens": 0.2, "at": clock.now, "reset": clock.now + 5, "rate_lo": 2.0, "rate_hi": 2.2})
    assert first.delay_before_request() > 0  # blind, it would have sent at once
    clock.now += 60
    later = RateLimitPolicy(clock=clock)
    later.recall({"limit": 10, "tokens": 0.2, "at": clock.now - 60, "reset": None, "rate_lo": 2.0, "rate_hi": None})
    assert later.delay_before_request() == 0  # a minute later the bucket is full again


def test_remember_then_recall_carries_the_bucket_and_the_rate():
    _, _, policy = simulate(2.0, 10, 30, seed=1)
    memory = policy.remember()
    assert memory is not None and set(memory) == {"limit", "tokens", "at", "reset", "rate_lo", "rate_hi"}
    again = RateLimitPolicy(clock=policy.clock)
    assert again.recall(memory)
    assert again.limit == 10 and again.rate == pytest.approx(policy.rate)


@pytest.mark.parametrize("memory", [
    None, "text", {}, {"limit": "10", "tokens": 1, "at": 1, "rate_lo": 1},
    {"limit": 10, "tokens": float("nan"), "at": 1, "rate_lo": 1}, {"limit": 0, "tokens": 1, "at": 1, "rate_lo": 1},
    {"limit": 10, "tokens": 1, "at": 1, "rate_lo": 3, "rate_hi": 2}, {"limit": True, "tokens": 1, "at": 1, "rate_lo": 1},
])
def test_a_malformed_memory_is_ignored(memory):
    policy = RateLimitPolicy(clock=Clock())
    assert policy.recall(memory) is False
    assert policy.limit is None and policy.delay_before_request() == 0
