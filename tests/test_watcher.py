"""The workspace watcher: real files, real watchfiles, and the poller that does not trust mtimes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from hooktui.core.files import atomic_write
from hooktui.core.watcher import HookWatcher, is_relevant

TIMEOUT = 5.0  # a missing event fails the test after this long instead of hanging it


class Recorder:
    """Runs a watcher's `changes()` in a task and keeps every batch it yields."""

    def __init__(self, watcher: HookWatcher) -> None:
        self.watcher = watcher
        self.batches: list[list[Path]] = []
        self._new = asyncio.Event()
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> Recorder:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.watcher.ready.wait(), TIMEOUT)
        return self

    async def __aexit__(self, *exc) -> None:
        self.watcher.stop()
        await asyncio.wait_for(self.task, TIMEOUT)

    async def _run(self) -> None:
        async for batch in self.watcher.changes():
            self.batches.append(batch)
            self._new.set()

    @property
    def seen(self) -> set[Path]:
        return {path for batch in self.batches for path in batch}

    async def wait_for(self, *paths: Path) -> None:
        """Until every path has shown up in some batch."""

        async def until() -> None:
            while not set(paths) <= self.seen:
                self._new.clear()
                await self._new.wait()

        try:
            await asyncio.wait_for(until(), TIMEOUT)
        except TimeoutError:
            pytest.fail(f"no change seen for {sorted(set(paths) - self.seen)}; got {self.batches}")

    async def next_batch(self) -> list[Path]:
        count = len(self.batches)

        async def until() -> None:
            while len(self.batches) == count:
                self._new.clear()
                await self._new.wait()

        await asyncio.wait_for(until(), TIMEOUT)
        return self.batches[count]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "hooks").mkdir()
    (tmp_path / "payloads" / "credentials-exchange").mkdir(parents=True)
    (tmp_path / "hooks" / "a.js").write_text("module.exports = function (c, x, cb) { cb(null, x); };\n")
    (tmp_path / "hooks" / "a.json").write_text('{"name": "a"}\n')
    (tmp_path / "hooktui.toml").write_text("")
    return tmp_path


@pytest.fixture(params=[False, True], ids=["notify", "polling"])
def polling(request) -> bool:
    return request.param


def make_watcher(root: Path, polling: bool) -> HookWatcher:
    return HookWatcher(root, polling=polling, poll_interval=0.05)


# ---------------------------------------------------------------------------- is_relevant


@pytest.mark.parametrize(
    "rel",
    [
        "hooks/a.js",
        "hooks/a.json",
        "hooks/lib/util.js",  # a "script" may point into a subfolder
        "hooktui.toml",
        "payloads/a.json",
        "payloads/credentials-exchange/01-default.json",
        "hooks",  # the folder itself: renamed or deleted as a whole
        "payloads",
    ],
)
def test_relevant(rel, tmp_path):
    assert is_relevant(tmp_path / rel, tmp_path)


@pytest.mark.parametrize(
    "rel",
    [
        "hooks/.a.js.swp",
        "hooks/.a.js.swx",
        "hooks/a.js~",
        "hooks/.#a.js",
        "hooks/#a.js#",
        "hooks/4913",
        "hooks/.a.js.k2j3h4.tmp",  # our own atomic_write
        "hooks/a.txt",
        "hooks/sub/a.json",  # hook metadata lives directly in hooks/
        "hooks/node_modules/x/index.js",
        "hooks/.hidden/a.js",
        ".hooktui/node_modules/x/index.js",
        ".hooktui/package.json",
        ".git/index",
        "payloads/a.txt",
        "payloads/.a.json.swp",
        "payloads/4913",
        "other/a.json",
        "a.js",
        "sub/hooktui.toml",
        "",
    ],
)
def test_not_relevant(rel, tmp_path):
    assert not is_relevant(tmp_path / rel, tmp_path)


def test_relevant_outside_root_is_false(tmp_path):
    assert not is_relevant(tmp_path.parent / "hooks" / "a.js", tmp_path)


def test_relevant_follows_the_configured_payloads_folder(tmp_path):
    assert is_relevant(tmp_path / "tests/payloads/x/1.json", tmp_path, payloads_dir="tests/payloads")
    assert not is_relevant(tmp_path / "payloads/x/1.json", tmp_path, payloads_dir="tests/payloads")
    assert is_relevant(tmp_path / ".payloads/x/1.json", tmp_path, payloads_dir=".payloads")
    assert not is_relevant(tmp_path / ".payloads/x/.1.json.swp", tmp_path, payloads_dir=".payloads")


# ---------------------------------------------------------------------------- both modes


async def test_modify_js(workspace, polling):
    script = workspace / "hooks" / "a.js"
    async with Recorder(make_watcher(workspace, polling)) as rec:
        script.write_text("module.exports = function (c, x, cb) { cb(null, 1); };\n")
        await rec.wait_for(script)
        assert all(path.is_absolute() for path in rec.seen)


async def test_atomic_save_shows_the_file_not_the_temp(workspace, polling):
    script = workspace / "hooks" / "a.js"
    async with Recorder(make_watcher(workspace, polling)) as rec:
        atomic_write(script, "// saved by hooktui\n")
        await rec.wait_for(script)
    assert rec.seen == {script}


async def test_add_and_delete_json(workspace, polling):
    added = workspace / "payloads" / "credentials-exchange" / "02-extra.json"
    gone = workspace / "hooks" / "a.json"
    async with Recorder(make_watcher(workspace, polling)) as rec:
        added.write_text("{}\n")
        await rec.wait_for(added)
        gone.unlink()
        await rec.wait_for(gone)


async def test_rename_shows_both_paths(workspace, polling):
    old, new = workspace / "hooks" / "a.js", workspace / "hooks" / "b.js"
    async with Recorder(make_watcher(workspace, polling)) as rec:
        old.rename(new)
        await rec.wait_for(old, new)


async def test_config_file(workspace, polling):
    config = workspace / "hooktui.toml"
    async with Recorder(make_watcher(workspace, polling)) as rec:
        config.write_text('[executor]\ntimeout = 5\n')
        await rec.wait_for(config)


async def test_temp_files_and_state_folder_never_appear(workspace, polling):
    hooks = workspace / "hooks"
    noise = [
        hooks / ".x.swp",
        hooks / ".a.js.swx",
        hooks / "x.js~",
        hooks / ".#x.js",
        hooks / "4913",
        hooks / ".x.js.abc.tmp",
        workspace / "payloads" / ".p.json.swp",
        workspace / ".hooktui" / "package.json",
        workspace / ".hooktui" / "node_modules" / "dep" / "index.js",
    ]
    sentinel = hooks / "a.js"
    async with Recorder(make_watcher(workspace, polling)) as rec:
        for path in noise:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("noise")
        for path in noise[:6]:
            path.unlink()
        # Whatever the noise caused arrives before or with the change that follows it: the OS
        # reports events in order, and a poll that sees the sentinel sees the noise too.
        sentinel.write_text("// after the noise\n")
        await rec.wait_for(sentinel)
    assert rec.seen == {sentinel}


async def test_stop_ends_iteration(workspace, polling):
    watcher = make_watcher(workspace, polling)
    rec = Recorder(watcher)
    await rec.__aenter__()
    watcher.stop()
    await asyncio.wait_for(rec.task, TIMEOUT)
    assert rec.task.done() and rec.task.exception() is None


async def test_stop_before_start_yields_nothing(workspace, polling):
    watcher = make_watcher(workspace, polling)
    watcher.stop()

    async def drain() -> list:
        return [batch async for batch in watcher.changes()]

    assert await asyncio.wait_for(drain(), TIMEOUT) == []


async def test_whole_hooks_folder_deleted(workspace, polling):
    import shutil

    async with Recorder(make_watcher(workspace, polling)) as rec:
        shutil.rmtree(workspace / "hooks")
        # Notifications report the files one by one, the poller sees them vanish: either way
        # the scripts are in the batch.
        await rec.wait_for(workspace / "hooks" / "a.js", workspace / "hooks" / "a.json")


# ---------------------------------------------------------------------------- polling


async def test_polling_sees_two_saves_in_the_same_mtime_with_equal_size(workspace):
    """watchfiles' own poller compares mtimes at 1 s resolution and misses these."""
    script = workspace / "hooks" / "a.js"
    script.write_text("// version A\n")
    mtime = script.stat().st_mtime_ns
    async with Recorder(HookWatcher(workspace, polling=True, poll_interval=0.05)) as rec:
        for text in ("// version B\n", "// version C\n"):
            await asyncio.sleep(0.1)
            script.write_text(text)
            os.utime(script, ns=(mtime, mtime))  # what a 1 s mtime resolution shows
            assert (script.stat().st_mtime_ns, script.stat().st_size) == (mtime, 13)
            assert await rec.next_batch() == [script]
    assert len(rec.batches) == 2


async def test_polling_quiet_workspace_yields_nothing(workspace):
    """Counted in polls, not seconds: on a loaded machine a time window may hold no poll at all."""
    watcher = HookWatcher(workspace, polling=True, poll_interval=0.02)
    polls = 0
    enough = asyncio.Event()
    loop = asyncio.get_running_loop()
    snapshot = watcher._snapshot

    def counted(previous):
        nonlocal polls
        polls += 1
        # The generator only takes its next snapshot once the consumer has taken the batch of
        # the previous poll, so by the 7th every batch of the first 6 has been recorded.
        if polls >= 7:
            loop.call_soon_threadsafe(enough.set)
        return snapshot(previous)

    watcher._snapshot = counted
    async with Recorder(watcher) as rec:
        try:
            await asyncio.wait_for(enough.wait(), TIMEOUT)
        except TimeoutError:
            pytest.fail(f"the poller took only {polls} snapshots in {TIMEOUT} s")
        assert rec.batches == []


async def test_cancelling_the_consumer_ends_quickly(workspace, polling):
    """An app quitting cancels the worker that iterates; that must not wait for awatch's thread.

    awatch's thread is told to wait ten minutes for a change: if cancelling waited for it, the
    task would not end within the (generous) deadline below."""
    watcher = HookWatcher(workspace, polling=polling, poll_interval=0.05, rust_timeout_ms=600_000)
    rec = Recorder(watcher)
    await rec.__aenter__()
    await asyncio.wait_for(watcher.ready.wait(), TIMEOUT)
    rec.task.cancel()
    try:
        await asyncio.wait_for(asyncio.shield(rec.task), TIMEOUT)
    except asyncio.CancelledError:
        pass
    except TimeoutError:
        pytest.fail(f"the cancelled watcher was still running after {TIMEOUT} s")
    assert rec.task.cancelled()
    assert watcher.stopped


async def test_missing_root_raises(tmp_path):
    watcher = HookWatcher(tmp_path / "nope")

    async def drain() -> None:
        async for _ in watcher.changes():
            pass

    with pytest.raises(FileNotFoundError):
        await asyncio.wait_for(drain(), TIMEOUT)
    assert not watcher.ready.is_set()
