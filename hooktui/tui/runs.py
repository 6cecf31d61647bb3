"""The console's runs: the executor's life (start, reload, close), run on save, runs asked for from
the payload tester, their results, and the compile check a push makes first.

RunController is the App's delegate for all of it; it owns the run state (which hook is running,
the last result of each, syntax errors). Its workers never touch a widget: they post Messages,
which the App hands back to `finished`, `skipped` and `reloaded` on its own thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

from hooktui.core.problems import WorkspaceError
from hooktui.core.results import RunResult
from hooktui.runtime.executor import Executor, ExecutorError
from hooktui.tui import messages as m

if TYPE_CHECKING:
    from hooktui.tui.app import HooktuiApp

RUNNING_SHOWN_AFTER = 0.08  # seconds a run goes on before the list and the tester say "running"
COMPILE_WAIT = 30.0  # seconds a push waits for the executor to start before refusing


# Private messages: a worker's news for the App's own handlers.
class Reloaded(Message):
    def __init__(self, hook: str, ok: bool) -> None:
        super().__init__()
        self.hook = hook
        self.ok = ok


class RunSkipped(Message):
    """A run on save did not happen: the reload failed."""

    def __init__(self, hook: str) -> None:
        super().__init__()
        self.hook = hook


class Notice(Message):
    """A worker's news for a notification (the executor's, the watcher's)."""

    def __init__(self, text: str, severity: str) -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class RunController:
    """The executor and every run of the console. Created by the App at start; `start` (a worker)
    starts Node once the first frame is on screen."""

    def __init__(self, app: HooktuiApp, executor: Executor | None = None) -> None:
        self.app = app
        self.executor: Executor | None = executor
        self.ready = False
        self.failed = False
        self.running: set[str] = set()
        self.load_errors: dict[str, tuple[str, int | None, int | None]] = {}  # hook -> syntax error
        self.last_results: dict[str, RunResult] = {}
        self.last_run_at: dict[str, float] = {}
        self._after_run: dict[str, list[Callable[[], None]]] = {}  # hook -> what to do once its run ends

    # -- the executor -------------------------------------------------------------------------

    def start(self) -> None:
        self.app.run_worker(self._start(), name="start_executor", group="executor", exit_on_error=False)

    async def _start(self) -> None:
        app = self.app
        if self.executor is None:
            if app.workspace is None:
                return
            self.executor = Executor(app.workspace)
        self.executor.subscribe(lambda event: app.log_buffer.add_event(app.redactor.event(event)))
        try:
            await self.executor.start()
        except ExecutorError as e:
            self.failed = True
            app.log_buffer.add("error", "executor", str(e))
            app.post_message(Notice(str(e), "error"))
            return
        self.ready = True
        app.log_buffer.add("info", "executor", f"executor ready (Node.js {self.executor.node_version})")
        if app.workspace is not None:
            for hook in app.workspace.hooks:
                if hook.valid:
                    await self.reload(hook.deployed_name, quiet=True)

    async def close(self) -> None:
        if self.executor is not None:
            try:
                await self.executor.close()
            except Exception:
                pass

    def forget(self, name: str) -> None:
        """`name` is gone (deleted, renamed): its results go, and its sandbox."""
        self.last_results.pop(name, None)
        self.last_run_at.pop(name, None)
        self.load_errors.pop(name, None)
        if self.executor is not None and self.ready:
            self.app.run_worker(self.executor.unload(name), group="executor", exit_on_error=False)

    async def reload(self, name: str, *, quiet: bool = False) -> bool:
        """Compile a hook again from disk; False when it has a syntax error."""
        app = self.app
        if self.executor is None or app.workspace is None:
            return False
        try:
            hook = app.workspace.hook(name)
            result = await self.executor.reload(hook)
        except (ExecutorError, KeyError) as e:
            app.log_buffer.add("error", "reload", f"{name}: {e}", hook=name)
            return False
        self._note_load(name, result, quiet=quiet)
        return result.ok

    def _note_load(self, name: str, result: Any, *, quiet: bool = False) -> None:
        """Record a reload's outcome (syntax error or not) and tell the panes."""
        app = self.app
        if result.ok:
            self.load_errors.pop(name, None)
            if not quiet:
                app.log_buffer.add("info", "reload", f"{name} reloaded", hook=name)
        else:
            loc = result.location
            self.load_errors[name] = (result.error or "cannot compile", loc.line if loc else None, loc.column if loc else None)
            hook = app.hook_named(name)
            script = app.rel(hook.script_path) if hook is not None else name
            where = f"{script}:{loc.line}:{loc.column}" if loc else script
            app.log_buffer.add("error", "reload", f"{where}: {result.error}", hook=name)
        app.post_message(Reloaded(name, result.ok))

    def reload_hook(self, name: str, run_after: bool = False) -> None:
        """Compile `name` again; with run on save, run the current payload right after, in the
        same worker: the save-to-result path is the console's core loop and every message hop
        on it waits behind a screen refresh."""
        if not self.ready:
            return
        run = None
        if run_after and name == self.app.current and self.app.tester.run_on_save:
            run = self.app.tester.current_payload()  # None when the payload JSON is invalid: it says why
            if run is not None:
                self._mark_running(name)
        self.app.run_worker(self._reload_and_run(name, run), name="_reload_and_run", group="reload",
                            exit_on_error=False)

    async def _reload_and_run(self, name: str, run: tuple[str, Any] | None) -> None:
        if run is None:
            await self.reload(name)
            return
        app = self.app
        assert self.executor is not None and app.workspace is not None
        payload_name, payload = run
        try:
            loaded, result = await self.executor.reload_and_run(app.workspace.hook(name), payload)
        except (ExecutorError, KeyError) as e:
            app.log_buffer.add("error", "reload", f"{name}: {e}", hook=name)
            app.post_message(RunSkipped(name))
            return
        self._note_load(name, loaded)
        app.post_message(m.RunFinished(result, payload_name, payload))

    async def compile_check(self, names: list[str] | None) -> dict[str, str]:
        """Why each hook (of `names`, or all) must not be pushed because its script does not
        compile in the local runtime, as `hooktui push` checks. Raises WorkspaceError when the
        check cannot be made (no Node.js): nothing is pushed unchecked from the console."""
        app = self.app
        deadline = time.monotonic() + COMPILE_WAIT
        while not self.ready and not self.failed and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not self.ready or app.workspace is None:
            raise WorkspaceError("cannot check that the scripts compile: the executor is not running (the log "
                                 "says why); `hooktui push --skip-compile-check` pushes without the check")
        refused: dict[str, str] = {}
        for hook in app.workspace.hooks:
            name = hook.deployed_name
            if (names is not None and name not in names) or not hook.valid or hook.script_path is None:
                continue  # an invalid hook is refused by the plan itself, with its problems
            if not await self.reload(name, quiet=True):
                message, line, column = self.load_errors.get(name, ("cannot compile", None, None))
                where = app.rel(hook.script_path) + (f":{line}:{column}" if line else "")
                refused[name] = f"does not compile: {where}: {message}"
        return refused

    # -- runs ---------------------------------------------------------------------------------

    def request(self, message: m.RunRequested) -> None:
        app = self.app
        if not self.ready or self.executor is None:
            if self.failed:
                app.notify("the executor is not running: the log says why", severity="error")
            else:
                app.notify("the executor is still starting: run again in a moment", severity="warning")
            return
        hook = app.hook_named(message.hook)
        if hook is None:
            return
        if not hook.valid:
            app.notify(f"{hook.deployed_name} cannot run: fix its problems first (see the log)", severity="error")
            return
        self._mark_running(message.hook)
        app.run_worker(self._execute(message.hook, message.payload, message.payload_name), name="_run",
                       group="runs", exit_on_error=False)
        if self._tester_hidden():
            app.flash_line.flash(f"▶ running {message.hook} with {message.payload_name}…", seconds=30)

    def run_open_hook(self) -> None:
        """The run key: the open hook with the tester's payload."""
        app = self.app
        if app.current is None:
            app.notify("open a hook first (enter in the hook list)", severity="warning")
            return
        tester = app.tester
        if not tester.request_run() and self._tester_hidden() and tester.problem:
            app.flash_line.flash(f"{tester.problem} · {app.key_for('app.focus_tester', 'f4')} shows it", "error")

    def after_run(self, name: str, then: Callable[[], None]) -> None:
        """Call `then` once the run of `name` under way ends (its result is on screen first)."""
        self._after_run.setdefault(name, []).append(then)

    def _mark_running(self, name: str) -> None:
        self.running.add(name)
        # Most runs end within a frame or two: drawing "running" first would put a repaint of
        # the list and the tester between the save and its result (the core loop). A run still
        # going after RUNNING_SHOWN_AFTER shows it.
        self.app.set_timer(RUNNING_SHOWN_AFTER, lambda: self._show_running(name))

    def _show_running(self, name: str) -> None:
        if name not in self.running:
            return
        self.app.update_row(name)
        if name == self.app.current:
            self.app.tester.set_running(True)

    async def _execute(self, name: str, payload: Any, payload_name: str) -> None:
        assert self.executor is not None
        try:
            result = await self.executor.run(name, payload)
        except (ExecutorError, KeyError) as e:
            result = RunResult(name, "", "", {"status": "error", "data": {"message": str(e)}}, [], 0.0, [])
        self.app.post_message(m.RunFinished(result, payload_name, payload))

    def _tester_hidden(self) -> bool:
        return not self.app.tester.display

    # -- the workers' news, on the App's thread -----------------------------------------------

    def finished(self, message: m.RunFinished) -> None:
        app = self.app
        result = app.redactor.result(message.result)
        source = result.hook
        if result.ok:
            app.log_buffer.add("info", source, f"✔ success in {result.duration_ms:.1f} ms ({message.payload_name})",
                               hook=result.hook, run_id=result.run_id)
        else:
            crash = f" ({result.crash})" if result.crash else ""
            app.log_buffer.add("error", source, f"✘ error{crash} in {result.duration_ms:.1f} ms: {result.error_message}",
                               hook=result.hook, run_id=result.run_id)
        for warning in result.warnings:
            app.log_buffer.add("warn", source, warning, hook=result.hook, run_id=result.run_id)
        # A result is what the user waits for: it goes on screen now, not at the next batch.
        app.log_pane.flush_now()
        for pending in self._after_run.pop(result.hook, []):
            pending()
        self.running.discard(result.hook)
        self.last_results[result.hook] = result
        self.last_run_at[result.hook] = time.time()
        app.update_row(result.hook)
        tester = app.tester
        if result.hook == app.current:
            tester.set_running(False)
            tester.show_result(result, message.payload_name, message.payload)
            if result.location is not None and not result.ok:
                app.editor.show_error("script", result.location.line, result.location.column,
                                      result.error_message or "error")
        if self._tester_hidden():
            # Single mode shows one pane: the outcome comes where the user is.
            show = app.key_for("app.focus_tester", "f4")
            if result.ok:
                text = f"✔ {result.hook}#{result.run_id} success in {result.duration_ms:.1f} ms · {show} shows the result"
            else:
                crash = f" ({result.crash})" if result.crash else ""
                text = f"✘ {result.hook}#{result.run_id} error{crash}: {result.error_message} · {show} shows it"
            app.flash_line.flash(text, "success" if result.ok else "error")

    def skipped(self, message: RunSkipped) -> None:
        app = self.app
        self.running.discard(message.hook)
        app.update_row(message.hook)
        for pending in self._after_run.pop(message.hook, []):
            pending()
        if message.hook == app.current:
            app.tester.set_running(False)

    def reloaded(self, message: Reloaded) -> None:
        app = self.app
        app.update_row(message.hook)
        if message.hook == app.current:
            editor = app.editor
            if message.ok:
                editor.clear_error("script")
            elif message.hook in self.load_errors:
                msg, line, col = self.load_errors[message.hook]
                editor.show_error("script", line, col, msg)
