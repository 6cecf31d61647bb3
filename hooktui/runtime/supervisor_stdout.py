"""The supervisor's stdout, read on a thread of its own: a flood of NDJSON log lines is parsed off
the event loop, which receives what it must handle (results, replies, notices) in batches, one
call_soon_threadsafe per batch."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO

MAX_LINE = 64 * 1024 * 1024  # a longer line is skipped with a notice, as asyncio's limit did
# What `take` and the loop see instead of an event: a line that is not JSON, one over MAX_LINE.
RAW = "_raw"
TOO_LONG = "_too_long"


class StdoutReader:
    """Reads one supervisor's stdout until EOF.

    On the reader thread, each event goes to `take(event)` first, which handles what it can there
    (a log line for thread-safe subscribers) and returns what the loop must still handle (the
    event, something in its place, or None for nothing). On the loop, `handle(batch)` gets the queued events in order, and `ended()` runs once
    after the last one. `first_line` resolves with the first raw line, for the ready handshake.
    """

    def __init__(self, stream: BinaryIO, loop: asyncio.AbstractEventLoop, *,
                 take: Callable[[dict[str, Any]], dict[str, Any] | None],
                 handle: Callable[[list[dict[str, Any]]], None],
                 ended: Callable[[], None]) -> None:
        self._stream = stream
        self._loop = loop
        self._take = take
        self._handle = handle
        self._ended = ended
        self._queue: list[dict[str, Any] | None] = []  # None: the end of the stream
        self._lock = threading.Lock()
        self._scheduled = False
        self.last_event = time.monotonic()  # when the supervisor last said anything
        self.first_line: asyncio.Future[bytes] = loop.create_future()
        self._thread = threading.Thread(target=self._run, name="hooktui-executor-reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    # -- the reader thread ---------------------------------------------------------------------

    def _run(self) -> None:
        stream = self._stream
        try:
            first = stream.readline(MAX_LINE)
            self._call_soon(self._resolve_first, first)
            if not first:
                return
            while True:
                line = stream.readline(MAX_LINE)
                if not line:
                    return
                if len(line) == MAX_LINE and not line.endswith(b"\n"):
                    while line and not line.endswith(b"\n"):
                        line = stream.readline(MAX_LINE)
                    self._post({"type": TOO_LONG})
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    event = {"type": RAW, "text": line.decode(errors="replace").rstrip()}
                if not isinstance(event, dict):
                    event = {"type": RAW, "text": line.decode(errors="replace").rstrip()}
                self.last_event = time.monotonic()
                for_loop = self._take(event)
                if for_loop is not None:
                    self._post(for_loop)
        except (OSError, ValueError):
            pass  # the pipe closed under us: the same as the end of the stream
        finally:
            try:
                stream.close()
            except OSError:
                pass
            self._post(None)

    def _post(self, event: dict[str, Any] | None) -> None:
        with self._lock:
            self._queue.append(event)
            if self._scheduled:
                return  # the drain already scheduled takes this one too
            self._scheduled = True
        self._call_soon(self._drain)

    def _call_soon(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass  # the loop is closed: nobody is left to tell

    # -- the event loop ------------------------------------------------------------------------

    def _resolve_first(self, line: bytes) -> None:
        if not self.first_line.done():
            self.first_line.set_result(line)

    def _drain(self) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
            self._scheduled = False
        end = bool(batch) and batch[-1] is None
        events = [event for event in batch if event is not None]
        if events:
            self._handle(events)
        if end:
            self._ended()
