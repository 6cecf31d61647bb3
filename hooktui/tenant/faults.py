"""The tenant's fault switches: a share of requests answered 503 (`fail_rate`), added latency
(`latency_ms`), and connections dropped after a request was processed, for the client's retry tests."""

from __future__ import annotations

from typing import Any


class FaultSwitches:
    """The rules to drop connections, mixed into the Emulator; `fail_rate` and `latency_ms` are its
    plain attributes, read on every request."""

    fail_rate: float
    latency_ms: int
    _drops: list[list[Any]]  # [METHOD, path prefix, count left]
    _lock: Any

    def drop_after_processing(self, method: str, path_prefix: str, count: int = 1) -> None:
        """Process the next `count` requests matching method and path prefix (their effects
        happen) and then close the connection without answering."""
        with self._lock:
            self._drops.append([method.upper(), path_prefix, count])

    def _take_drop(self, method: str, path: str) -> bool:
        for rule in self._drops:
            if rule[0] == method.upper() and path.startswith(rule[1]) and rule[2] > 0:
                rule[2] -= 1
                if rule[2] == 0:
                    self._drops.remove(rule)
                return True
        return False
