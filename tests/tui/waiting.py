"""How a console test waits for what it needs: `until` a condition holds, with a deadline that only
bounds a wait that would otherwise be endless (a loaded machine is slow), and a failure that names it."""

from __future__ import annotations

import time
from collections.abc import Callable


async def until(pilot, condition: Callable[[], object], what: str = "the condition", timeout: float = 60.0) -> None:
    """Let the app work until `condition` holds; fail naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        await pilot.pause(0.02)
