"""Watching the workspace on disk: batches of hook, payload and config files that changed.

Two modes share one idea of what matters (`is_relevant`): file-system notifications through
watchfiles (the default, ~20 ms from save to batch), and a poller for file systems that send no
notifications (network mounts, some containers) which compares content hashes, not only mtimes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path

from hooktui.core.config import CONFIG_FILE
from hooktui.core.workspace import HOOKS_DIRECTORY

ACTIONS_DIRECTORY = "actions"  # as hooktui.core.actions and .bindings name them, without importing them
TRIGGERS_DIRECTORY = "triggers"

# Files at most this big are hashed on every poll; bigger ones only while their mtime is recent.
HASH_LIMIT = 1024 * 1024
# A change this recent may share its mtime with the next save on a file system that keeps
# mtimes to the second (or two, FAT), so an unchanged (mtime, size) proves nothing yet.
_RECENT_NS = 3_000_000_000

# A file's state as the poller sees it: (mtime_ns, size, content hash or None when not hashed).
_Signature = tuple[int, int, bytes | None]


def _is_noise(name: str) -> bool:
    """Editor temp files, backups and locks, and our own atomic-write temps (`.name.xyz.tmp`)."""
    return (
        name.startswith(".")  # .x.swp, .#x.js (emacs lock), .x.js.abc.tmp, .hooktui, .git
        or name.endswith("~")  # vim and emacs backups
        or (name.startswith("#") and name.endswith("#"))  # emacs auto-save
        or name.endswith((".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___"))
        or name == "4913"  # vim's probe that a folder is writable
        or name == "node_modules"
    )


def is_relevant(path: Path, root: Path, *, payloads_dir: str = "payloads") -> bool:
    """Whether a change at `path` matters to the console; pure, so deleted paths work too.

    Relevant: `hooks/**/*.js` (a hook's "script" may point into a subfolder), `hooks/*.json`,
    `hooktui.toml`, `<payloads_dir>/**/*.json`, and the `hooks` and payloads folders
    themselves (renaming or deleting a whole folder). Never: anything under a folder or file
    whose name starts with a dot (`.hooktui/`, `.git/`, editor temps), editor backups.
    """
    path, root = Path(path), Path(root)
    rel = _relative(path, root)
    if rel is None or not rel.parts:
        return False
    parts = rel.parts
    payload_parts = Path(payloads_dir).parts
    # The configured payloads folder may itself be hidden (".payloads"); what is inside is not.
    own = len(payload_parts) if parts[: len(payload_parts)] == payload_parts else 0
    if any(_is_noise(part) for part in parts[own:]):
        return False
    if parts == (HOOKS_DIRECTORY,) or parts == payload_parts:
        return True
    if parts == (CONFIG_FILE,):
        return True
    if parts[0] == HOOKS_DIRECTORY and len(parts) >= 2:
        if path.suffix == ".js":
            return True
        return path.suffix == ".json" and len(parts) == 2
    # Actions as deploy-cli lays them out: actions/<name>.json, actions/<name>/code.js, triggers/*.json.
    if parts[0] in (ACTIONS_DIRECTORY, TRIGGERS_DIRECTORY):
        if len(parts) == 1:
            return True
        if parts[0] == ACTIONS_DIRECTORY and path.suffix == ".js":
            return True
        return path.suffix == ".json" and len(parts) == 2
    if own and len(parts) > own:
        return path.suffix == ".json"
    return False


def _relative(path: Path, root: Path) -> Path | None:
    """`path` relative to `root`, also when one side went through a symlink (macOS /private)."""
    for base in (root, root.resolve()):
        try:
            return path.relative_to(base)
        except ValueError:
            pass
    try:
        return path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None


class HookWatcher:
    """Yields batches of absolute paths under `root` that were added, modified or deleted.

    A rename shows as both paths (the old one is gone, the new one exists): the caller checks
    which exist. `ready` is set once a change on disk can no longer be missed.
    """

    def __init__(
        self,
        root: Path,
        *,
        polling: bool = False,
        debounce_ms: int = 50,
        step_ms: int = 10,
        poll_interval: float = 0.25,
        payloads_dir: str = "payloads",
        rust_timeout_ms: int | None = None,
    ) -> None:
        self.root = Path(root).absolute()
        # How long awatch's thread waits for a change before it checks in again (None: its own
        # default, 5 s). Quitting must not depend on it: see _wait.
        self.rust_timeout_ms = rust_timeout_ms
        self.polling = polling
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self.poll_interval = poll_interval
        self.payloads_dir = payloads_dir
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """End the iteration of `changes()` (within a step or a poll). Call it from the event loop."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _relevant(self, path: Path) -> bool:
        return is_relevant(path, self.root, payloads_dir=self.payloads_dir)

    async def changes(self) -> AsyncIterator[list[Path]]:
        """Batches of changed paths, sorted, until `stop()`. Never yields an empty batch."""
        if self._stop.is_set():
            return
        batches = self._poll() if self.polling else self._notify()
        try:
            async for batch in batches:
                yield batch
        finally:
            self._stop.set()  # a watcher is used once: stopped, cancelled or failed, it is done
            await batches.aclose()

    # ------------------------------------------------------------------ notifications

    async def _notify(self) -> AsyncIterator[list[Path]]:
        # Imported here: watchfiles (and anyio) cost start-up time the console's first frame
        # should not pay.
        import watchfiles

        def watch_filter(change: watchfiles.Change, path: str) -> bool:
            return self._relevant(Path(path))

        batches = watchfiles.awatch(
            self.root,
            watch_filter=watch_filter,
            debounce=self.debounce_ms,
            step=self.step_ms,
            stop_event=self._stop,  # checked by awatch's thread at every step
            rust_timeout=self.rust_timeout_ms,
        )
        try:
            # awatch's first step sets up the OS watches, then waits in a thread: once it has
            # run that far, no change can be missed.
            pending = asyncio.ensure_future(batches.__anext__())
            await asyncio.sleep(0)
            if not pending.done():  # done already: it failed (no such folder) and raises below
                self.ready.set()
            while True:
                try:
                    raw = await self._wait(pending)
                except StopAsyncIteration:
                    return
                batch = self._rebase(path for _, path in raw)
                if batch:
                    yield batch
                pending = asyncio.ensure_future(batches.__anext__())
        finally:
            self._stop.set()
            await batches.aclose()

    async def _wait(self, pending: asyncio.Future):
        """Await awatch's next batch; on cancellation, stop its thread and let it return.

        awatch waits in an anyio worker thread inside a shielded cancel scope; whether a native
        asyncio cancellation gets through that depends on anyio's version. Setting the stop
        event ourselves ends the thread within a step either way, so quitting never waits for
        a change or awatch's rust_timeout (5 s).
        """
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            self._stop.set()  # the thread sees it within a step and returns
            try:
                await pending
            except BaseException:
                pass
            raise

    def _rebase(self, paths) -> list[Path]:
        """Absolute paths under `self.root` as given, whatever spelling the OS reported."""
        out = set()
        for raw in paths:
            path = Path(raw)
            rel = _relative(path, self.root)
            out.add(self.root / rel if rel is not None else path)
        return sorted(out)

    # ------------------------------------------------------------------ polling

    async def _poll(self) -> AsyncIterator[list[Path]]:
        previous = await asyncio.to_thread(self._snapshot, {})
        self.ready.set()
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.poll_interval)
            except TimeoutError:
                pass
            if self._stop.is_set():
                return
            current = await asyncio.to_thread(self._snapshot, previous)
            changed = sorted(
                path
                for path in previous.keys() | current.keys()
                if previous.get(path) != current.get(path)
            )
            previous = current
            if changed:
                yield changed

    def _snapshot(self, previous: dict[Path, _Signature]) -> dict[Path, _Signature]:
        """Every relevant file with its signature. Runs in a thread: a network mount can be slow."""
        found: dict[Path, _Signature] = {}
        config = self.root / CONFIG_FILE
        self._add(config, previous, found)
        payloads = self.root / self.payloads_dir
        for folder in (self.root / HOOKS_DIRECTORY, self.root / ACTIONS_DIRECTORY, self.root / TRIGGERS_DIRECTORY,
                       payloads):
            for path in _walk(folder):
                if self._relevant(path):
                    self._add(path, previous, found)
        return found

    def _add(self, path: Path, previous: dict[Path, _Signature], found: dict[Path, _Signature]) -> None:
        try:
            st = path.stat()
        except OSError:
            return  # gone between listing and stat: it shows as deleted
        if not stat.S_ISREG(st.st_mode):
            return
        old = previous.get(path)
        if st.st_size <= HASH_LIMIT or _recent(st.st_mtime_ns):
            digest = _hash(path)
        elif old is not None and old[:2] == (st.st_mtime_ns, st.st_size):
            digest = old[2]  # big, old and unchanged: skip reading it again
        else:
            digest = None
        found[path] = (st.st_mtime_ns, st.st_size, digest)


def _walk(folder: Path):
    """Files under `folder`, not descending into hidden folders or node_modules."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if _is_noise(entry.name):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)  # no symlink loops
        except OSError:
            continue
        if is_dir:
            yield from _walk(Path(entry.path))
        else:
            yield Path(entry.path)


def _recent(mtime_ns: int) -> bool:
    return abs(time.time_ns() - mtime_ns) < _RECENT_NS


def _hash(path: Path) -> bytes | None:
    digest = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 16):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()
