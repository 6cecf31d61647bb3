"""The tenant's rate plan and its token bucket: how many requests it answers per second and in a burst
(every request, token and API alike, takes one token)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar


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



class TokenBucket:
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

