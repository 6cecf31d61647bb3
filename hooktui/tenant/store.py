"""The emulator's state on disk: one JSON file (mode 0600: it holds secret values), locked against a
second emulator, written by a background thread that coalesces changes.

- Writes leave the request path: a change marks the state dirty; the writer waits `interval`
  seconds for more changes, then one atomic write (temp file, fsync, rename) takes them all.
  A clean stop flushes; a kill -9 loses at most the last `interval` of answered writes.
- The temp copy is `.<name>.<random>.tmp` next to the file, 0600 from its creation. One left behind
  by a kill mid-write is removed the next time an emulator opens that state file (under the lock,
  so never a live emulator's copy).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hooktui.core.files import atomic_write, dump_json

try:
    import fcntl
except ImportError:  # not POSIX: no lock, the rest works
    fcntl = None  # type: ignore[assignment]


class StateFile:
    """The file, its lock (`.<name>.lock`, kept while the emulator lives) and its writes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.writes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd: int | None = None
        self.lock()
        self._remove_stale_copies()
        self._restrict()

    def _restrict(self) -> None:
        # It holds secret values: an existing file left readable by others is closed at once,
        # not at the next write (which may never come).
        try:
            if self.path.stat().st_mode & 0o077:
                os.chmod(self.path, 0o600)
        except FileNotFoundError:
            pass

    def lock(self) -> None:
        """Hold the file for this emulator; ValueError if another one holds it."""
        if fcntl is None or self._lock_fd is not None:
            return
        lock_path = self.path.parent / f".{self.path.name}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValueError(f"{self.path}: in use by another emulator (it holds {lock_path.name}); stop it "
                             f"or give this one another state file") from None
        self._lock_fd = fd

    def _remove_stale_copies(self) -> None:
        # The name atomic_write gives its temp files; nothing else in the folder is touched.
        stale = re.compile(rf"^\.{re.escape(self.path.name)}\.[A-Za-z0-9_]+\.tmp$")
        for entry in os.scandir(self.path.parent):
            if stale.match(entry.name) and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass

    def release(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)

    def load(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        state = json.loads(text)
        if not isinstance(state, dict):
            raise ValueError("not a JSON object")
        return state

    def write(self, state: dict[str, Any]) -> None:
        # backslashreplace: a lone surrogate (refused at the door, but a state file can be edited by
        # hand) is written as its JSON escape instead of making every later write fail.
        raw = dump_json(state).encode("utf-8", "backslashreplace")
        try:
            atomic_write(self.path, raw, mode=0o600)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write the emulator's state to {self.path}: "
                                     f"{exc.strerror or exc}") from None
        self.writes += 1


class StateWriter:
    """The background writer. `take()` returns the state to write and clears the dirty mark (None when
    clean); `give_back()` marks it dirty again after a failed write, so that nothing is lost."""

    def __init__(self, file: StateFile, take: Callable[[], dict[str, Any] | None], give_back: Callable[[], None],
                 *, interval: float, report: Callable[[str], None]) -> None:
        self.file = file
        self.interval = interval
        self._take, self._give_back, self._report = take, give_back, report
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._write_lock = threading.Lock()  # one write at a time, in the order their snapshots were taken
        self._thread: threading.Thread | None = None
        self._last_error = ""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hooktui-emulator-state", daemon=True)
        self._thread.start()

    def changed(self) -> None:
        self._wake.set()

    @property
    def busy(self) -> bool:
        return self._write_lock.locked()

    def flush(self) -> None:
        """Write now if anything changed; OSError (naming the file) if it cannot be written."""
        with self._write_lock:
            state = self._take()
            if state is None:
                return
            try:
                self.file.write(state)
            except OSError:
                self._give_back()
                raise

    def stop(self) -> None:
        """End the thread, then write what is left (OSError if that fails)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stopping.is_set():
                return
            self._stopping.wait(self.interval)  # let more changes join this write
            self._wake.clear()
            try:
                self.flush()
                self._last_error = ""
            except OSError as exc:
                if str(exc) != self._last_error:  # once per distinct problem, not once per retry
                    self._last_error = str(exc)
                    self._report(f"{exc}; retrying")
                self._wake.set()
            if self._stopping.is_set():
                return
