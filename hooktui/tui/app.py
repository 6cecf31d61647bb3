"""The console App: owns the workspace, the executor, the watcher and every state change.

Panes post Messages (messages.py); the App acts on the core (hooktui.core) in workers and tells
the panes what changed through their public methods. Workers never touch widgets: they post
Messages, or append plain data to the LogBuffer that the log pane drains on its own timer.
The App keeps composition, keys and the message handlers, which delegate: runs and the executor
to runs.py's RunController, workspace edits to editing.py's HookEdits, and everything about the
tenant (status, push, pull, diff, its log) to tenant.py's TenantController, actions to
action_console.py's ActionConsole and the themes to theming.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header

from hooktui.core.config import Credentials
from hooktui.core.hook_meta import Hook
from hooktui.core.logbuffer import LogBuffer
from hooktui.core.problems import WorkspaceError
from hooktui.core.redaction import Redactor
from hooktui.core.resources import data_path
from hooktui.core.results import RunResult
from hooktui.core.settings import UserSettings
from hooktui.core.workspace import Workspace
from hooktui.runtime.executor import Executor
from hooktui.tui import messages as m
from hooktui.tui.action_console import ActionConsole, ActionMessages
from hooktui.tui.dialogs import ConfirmDialog, TextViewDialog
from hooktui.tui.editing import HookEdits
from hooktui.tui.help import HelpScreen, help_markdown
from hooktui.tui.keys import ANY_SCREEN, GLOBAL_BINDINGS
from hooktui.tui.layout import PANE_KEYS, PANE_TITLES, PANES, ConsoleFooter, FlashLine, PaneBar, plan_layout
from hooktui.tui.runs import Notice, Reloaded, RunController, RunSkipped
from hooktui.tui.tenant import TenantController
from hooktui.tui.theming import Theming
from hooktui.tui.watching import DiskChanges
from hooktui.tui.widgets.editor import HookEditor
from hooktui.tui.widgets.hook_list import HookList, HookRow
from hooktui.tui.widgets.log_stream import LogStream
from hooktui.tui.widgets.payload_tester import PayloadTester

GLOBAL_ACTIONS = {binding.action.split("(")[0] for binding in GLOBAL_BINDINGS}


# Private messages: a worker's news for the App's own handlers.

class HooktuiApp(ActionMessages, Theming, App[None]):
    """hooktui's console."""

    CSS_PATH = "app.tcss"
    TITLE = "hooktui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = GLOBAL_BINDINGS

    def __init__(
        self,
        root: Path,
        *,
        settings: UserSettings | None = None,
        env: dict[str, str] | None = None,
        watch: bool = True,
        executor: Executor | None = None,
        save_dir: Path | None = None,
        credentials: Credentials | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.env = dict(os.environ if env is None else env)
        loaded, self._settings_warnings = (settings, []) if settings is not None else UserSettings.load(env=self.env)
        self.settings = loaded
        super().__init__()
        self.root = Path(root).resolve()
        self.watch_files = watch
        self.save_dir = save_dir
        self.log_buffer = LogBuffer()
        self.workspace: Workspace | None = None
        self.current: str | None = None  # the hook open in the editor and the tester
        self.active_pane = "hooks"
        self.zoomed = False
        self._themes: dict[str, Any] = {}
        self.redactor = Redactor(())  # every hook's secret values: none is ever shown
        self._main: Screen[Any] | None = None  # the screen holding the panes, once mounted
        self._remote_rows: list[HookRow] = []  # the greyed rows of hooks only on the tenant
        self._narrow = False  # below 110x30: one pane at a time
        self._layout: Any = None  # the layout.Layout the grid has now
        # None: the environment's credentials (AUTH0_*) or the user's credentials.toml.
        self.tenant = TenantController(self, credentials)
        self.runs = RunController(self, executor)
        self.edits = HookEdits(self)
        self.actions = ActionConsole(self)
        self.disk = DiskChanges(self)
        self.notes = notes  # lines for the log at start (what the demo has set up, and what to try)
        self._theme_errors: list[Any] = []
        self._load_themes()

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield PaneBar(id="panebar")
        # One grid; layout.plan_layout places the panes in it for the terminal's size.
        with Container(id="panes"):
            yield HookList(id="hooks")
            yield HookEditor(id="editor")
            yield PayloadTester(id="tester")
            yield LogStream(self.log_buffer, max_lines=self.settings.log_max_lines, id="log", save_dir=self.save_dir)
        yield FlashLine(id="flash")
        yield ConsoleFooter([b.action for b in GLOBAL_BINDINGS],
                            {b.action for b in GLOBAL_BINDINGS if b.action.startswith("focus_pane")},
                            keep=("help", "run"))

    def on_mount(self) -> None:
        # The panes live on the main screen; App.query_one would search whatever screen is on
        # top (a dialog, the help), so the App keeps its own references.
        self._main = self.screen
        self.hook_list = self._main.query_one(HookList)
        self.editor = self._main.query_one(HookEditor)
        self.tester = self._main.query_one(PayloadTester)
        self.log_pane = self._main.query_one(LogStream)
        self.pane_bar = self._main.query_one(PaneBar)
        self.flash_line = self._main.query_one(FlashLine)
        # The log pane starts the way the user's config says.
        if not self.settings.log_timestamps:
            self.log_pane.action_toggle_timestamps()
        if self.settings.log_wrap:
            self.log_pane.action_toggle_wrap()
        self.sub_title = str(self.root)
        self._themes_ready()
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.editor.switch_key = self.key_for("editor.switch_tab", "f7")
        for warning in self._settings_warnings:
            self.notify(warning, title="settings", severity="warning", timeout=8)
        for note in self.notes:
            self.log_buffer.add("info", "demo", note)
        self._open_workspace()
        self.tenant.configure()  # credentials only: the first request waits for the first frame
        self.tester.set_run_on_save(self.settings.run_on_save)
        self._apply_size(self.size.width, self.size.height)
        self.hook_list.focus()
        # Node (and its sandbox threads) and the watcher start once the first frame is on
        # screen: on two cores their start-up would otherwise compete with that frame.
        self.call_after_refresh(self._start_services)

    def _start_services(self) -> None:
        self.runs.start()
        if self.watch_files:
            self.watch_workspace()
        self.tenant.start()

    def _open_workspace(self) -> None:
        try:
            self.workspace = Workspace.open(self.root, env=self.env)
        except WorkspaceError as e:
            self.workspace = None
            self.log_buffer.add("error", "validation", str(e))
            self.notify(str(e), title="workspace", severity="error", timeout=15)
            return
        for problem in self.workspace.problems:
            self.log_buffer.add("error" if problem.severity == "error" else "warn", "validation", str(problem),
                                hook=problem.hook or "")
        self.editor.keywords = self.workspace.keywords
        self.refresh_rows()

    # -- size, focus, zoom --------------------------------------------------------------------

    def on_resize(self, event: Any) -> None:
        if self._main is not None:  # a resize can come before the panes are mounted
            self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        self._narrow = plan_layout(width, height, 0).mode == "single"
        self._show_active()

    @on(HookList.WidthWanted)
    def _hook_names_changed(self, event: HookList.WidthWanted) -> None:
        if self._main is not None:
            self._show_active()

    def _show_active(self) -> None:
        layout = plan_layout(self.size.width, self.size.height, self.hook_list.wanted_width, zoomed=self.zoomed)
        single = layout.mode == "single"
        # A class changed on the screen restyles every widget: one change at most per call.
        screen = self._main
        wanted = {f"-{layout.mode}", *(["-narrow"] if self._narrow else [])}
        stale = [name for name in ("-wide", "-medium", "-single", "-narrow") if name in screen.classes
                 and name not in wanted]
        if stale:
            screen.remove_class(*stale)
        if fresh := [name for name in sorted(wanted) if name not in screen.classes]:
            screen.add_class(*fresh)
        if layout != self._layout:
            self._layout = layout
            grid = screen.query_one("#panes").styles
            grid.grid_size_columns, grid.grid_size_rows = layout.grid_size
            grid.grid_columns, grid.grid_rows = layout.grid_columns, layout.grid_rows
        active = self.active_pane
        for pane in PANES:
            self._pane(pane).display = not single or pane == active
        bar = self.pane_bar
        bar.display = self._narrow
        if self._narrow:
            bar.show(active, {pane: self.key_for(f"app.focus_{pane}", key) for pane, key in PANE_KEYS.items()})
        if not single or active == "tester":
            self.flash_line.clear()  # the payload tester is on screen: it says its own news

    def _pane(self, pane: str) -> Widget:
        return {"hooks": self.hook_list, "editor": self.editor, "tester": self.tester, "log": self.log_pane}[pane]

    def action_focus_pane(self, pane: str) -> None:
        self.active_pane = pane
        self._show_active()
        widget = self._pane(pane)
        # Focus the first focusable thing inside the pane.
        target = widget if widget.can_focus else next((w for w in widget.query("*") if w.can_focus and w.display), None)
        if target is not None:
            target.focus()

    def on_descendant_focus(self, event: Any) -> None:
        node: Widget | None = event.widget
        while node is not None and node.id not in PANES:
            node = node.parent  # type: ignore[assignment]
        if node is not None and node.id != self.active_pane:
            self.active_pane = node.id
            self._show_active()

    def action_zoom(self) -> None:
        self.zoomed = not self.zoomed
        self._show_active()

    def action_switch_tab(self, kind: str | None = None) -> None:
        """Show the editor's other buffer (or `kind`: "script", "meta") and type there, from any pane."""
        if self.editor.hook is None:
            self.notify("open a hook or an action first (enter in the list)", severity="warning")
            return
        self.active_pane = "editor"
        self._show_active()
        if kind is None:
            self.editor.action_switch_tab()
        else:
            self.editor.action_show_tab(kind)

    # -- help and palette ---------------------------------------------------------------------

    def _key_for(self, binding_id: str | None, default: str) -> str:
        if binding_id and binding_id in self.settings.keymap:
            return self.settings.keymap[binding_id]
        return default

    def pane_title(self, pane: str) -> str:
        return PANE_TITLES[pane]

    def theme_names(self) -> list[str]:
        return sorted(self._themes)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(f"Help · {PANE_TITLES[self.active_pane]}", help_markdown(self)))

    def get_system_commands(self, screen: Screen[Any]) -> Any:
        from hooktui.tui.commands import console_commands

        yield from super().get_system_commands(screen)
        yield from console_commands(self)

    # -- hook list ----------------------------------------------------------------------------

    def hook_named(self, name: str) -> Hook | None:
        if self.workspace is None:
            return None
        try:
            return self.workspace.hook(name)
        except KeyError:
            return None

    def _row(self, hook: Hook) -> HookRow:
        name = hook.deployed_name
        result = self.runs.last_results.get(name)
        state, detail = "ok", ""
        if not hook.valid:
            errors = [p for p in hook.problems if p.severity == "error"]
            state, detail = "invalid", "; ".join(p.message for p in errors[:2])
        elif name in self.runs.load_errors:
            msg, line, col = self.runs.load_errors[name]
            state, detail = "syntax error", f"{line}:{col} {msg}" if line else msg
        elif name in self.runs.running:
            state = "running"
        elif result is not None:
            state = result.crash if result.crash in ("timeout",) else ("crash" if result.crash else result.status)
            detail = result.error_message or ""
        sync, sync_note = self.tenant.row_sync(name)
        return HookRow(name=name, trigger=hook.trigger, enabled=hook.enabled, state=state, detail=detail,
                       last_run=self.runs.last_run_at.get(name),
                       duration_ms=result.duration_ms if result is not None else None,
                       files=tuple(self.rel(p) for p in (hook.script_path, hook.meta_path) if p is not None),
                       sync=sync, sync_note=sync_note)

    def refresh_rows(self) -> None:
        if self.workspace is None:
            return
        self._rebuild_redactor()
        self.tenant.recompute()
        self._set_rows()

    def _set_rows(self) -> None:
        assert self.workspace is not None
        local = [self._row(h) for h in self.workspace.hooks]
        names = {row.name for row in local}
        remote = [row for row in self.tenant.remote_only_rows() if row.name not in names]
        self._remote_rows = remote
        self.hook_list.set_rows([*local, *self.actions.rows(), *remote])

    def _rebuild_redactor(self) -> None:
        assert self.workspace is not None
        self.redactor = Redactor([*(v for h in self.workspace.hooks for v in h.secrets.values()),
                                  *self.actions.secret_values()])

    def update_row(self, name: str) -> None:
        hook = self.hook_named(name)
        if hook is not None:
            self.hook_list.update_row(self._row(hook))

    def rel(self, path: Path | None) -> str:
        """`path` as the user knows it: relative to the workspace."""
        if path is None:
            return "?"
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    @on(m.HookOpenRequested)
    def open_hook(self, message: m.HookOpenRequested) -> None:
        self._open(message.hook)
        self.action_focus_pane("editor")

    def _open(self, name: str) -> None:
        self.edits.open(name)

    @on(m.HookCreateRequested)
    def create_hook(self, message: m.HookCreateRequested) -> None:
        self.edits.create_hook(message)

    @on(m.HookRenameRequested)
    def rename_hook(self, message: m.HookRenameRequested) -> None:
        self.edits.rename_hook(message)

    @on(m.HookDeleteRequested)
    def delete_hook(self, message: m.HookDeleteRequested) -> None:
        self.edits.delete_hook(message)

    @on(m.HookToggleRequested)
    def toggle_hook(self, message: m.HookToggleRequested) -> None:
        self.edits.toggle_hook(message)

    def forget_hook(self, name: str) -> None:
        """`name` is gone from the workspace (deleted, renamed): the panes and the runs forget it."""
        self.tester.forget_hook(name)
        self.runs.forget(name)

    # -- saving (editing.py does the work) ----------------------------------------------------

    @on(m.SaveRequested)
    def save(self, message: m.SaveRequested) -> None:
        if message.target == "action":
            self.actions.save(message)
        else:
            self.edits.save(message)

    @on(m.ExternalEditRequested)
    def external_edit(self, message: m.ExternalEditRequested) -> None:
        self.edits.external_edit(message)

    @on(m.PayloadSaveRequested)
    def save_payload(self, message: m.PayloadSaveRequested) -> None:
        self.edits.save_payload(message)

    def save_open_buffers(self) -> bool:
        """Save the open hook's unsaved buffers now (settings validated first). False, with the
        reason shown, when something could not be saved: the buffers are kept as they are."""
        return self.edits.save_open_buffers()

    # -- runs (runs.py does the work) ---------------------------------------------------------

    @on(m.RunRequested)
    def run_requested(self, message: m.RunRequested) -> None:
        self.runs.request(message)

    @on(m.RunFinished)
    def run_finished(self, message: m.RunFinished) -> None:
        if self.is_running:  # not news that arrives while the app shuts down
            self.runs.finished(message)

    def action_run(self) -> None:
        if not self.actions.run_open():
            self.runs.run_open_hook()

    @on(m.RunOnSaveToggled)
    def run_on_save_toggled(self, message: m.RunOnSaveToggled) -> None:
        self.settings.run_on_save = message.enabled
        self._save_settings()
        self.notify(f"run on save {'on' if message.enabled else 'off'}")

    @on(RunSkipped)
    def _run_skipped(self, message: RunSkipped) -> None:
        if self.is_running:  # not news that arrives while the app shuts down
            self.runs.skipped(message)

    @on(Reloaded)
    def _reloaded(self, message: Reloaded) -> None:
        if self.is_running:  # not news that arrives while the app shuts down
            self.runs.reloaded(message)

    async def compile_check(self, names: list[str] | None) -> dict[str, str]:
        """Why each hook of `names` (or all) must not be pushed: its script does not compile."""
        return await self.runs.compile_check(names)

    # What tests, bench/ and examples/ read of the run state, which RunController owns.
    @property
    def executor(self) -> Executor | None:
        return self.runs.executor

    @property
    def _executor_ready(self) -> bool:
        return self.runs.ready

    @property
    def _executor_failed(self) -> bool:
        return self.runs.failed

    @property
    def last_results(self) -> dict[str, RunResult]:
        return self.runs.last_results

    @property
    def load_errors(self) -> dict[str, tuple[str, int | None, int | None]]:
        return self.runs.load_errors


    @on(Notice)
    def _notice(self, message: Notice) -> None:
        if not self.is_running:
            return  # news that arrives while the app shuts down
        self.notify(message.text, severity=message.severity, timeout=15)


    # -- watching -----------------------------------------------------------------------------

    @work(group="watcher", exit_on_error=False)
    async def watch_workspace(self) -> None:
        from hooktui.core.watcher import HookWatcher

        watcher = HookWatcher(self.root, polling=self.settings.watch_polling)
        self._watcher = watcher
        mode = "polling" if self.settings.watch_polling else "native events"
        self.log_buffer.add("info", "watch", f"watching {self.root} ({mode})")
        try:
            async for batch in watcher.changes():
                self.post_message(m.WorkspaceChanged([str(p) for p in batch]))
        except Exception as e:  # the watcher must never close the app
            self.log_buffer.add("error", "watch", f"file watching stopped: {e}")
            self.post_message(Notice(f"file watching stopped: {e}", "error"))

    @on(m.WorkspaceChanged)
    def workspace_changed(self, message: m.WorkspaceChanged) -> None:
        if not self.is_running:
            return  # news that arrives while the app shuts down
        self._files_changed(message.paths)

    def _files_changed(self, paths: list[str]) -> None:
        self.disk.changed(paths)

    # -- the tenant (hooktui.tui.tenant does the work) ---------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in GLOBAL_ACTIONS and action not in ANY_SCREEN:
            # Priority bindings reach the App whatever screen is on top: not while a dialog,
            # the help or the palette is open (their own keys come first there).
            return self.screen is self._main
        return True

    def action_tenant(self, operation: str) -> None:
        tenant = self.tenant
        if operation == "refresh":
            tenant.refresh(announce=True)
        elif operation == "log":
            tenant.toggle_log()
        elif operation == "push_all":
            tenant.request_push(None)
        elif operation == "pull_all":
            tenant.request_pull(None)
        else:
            name = self.hook_list.selected if self.active_pane == "hooks" else (self.current or self.hook_list.selected)
            if name is None and (self.hook_list.selected_action or self.actions.current):
                self.notify("the tenant keys work on hooks for now: deploying actions and their bindings to a "
                            "tenant is not in hooktui yet (the workspace's files are what a0deploy deploys)",
                            severity="warning", timeout=8)
                return
            if name is None:
                self.notify(f"select a hook first ({self.key_for('app.focus_hooks', 'f2')}, then the arrows)",
                            severity="warning")
                return
            {"diff": tenant.request_diff, "enable": tenant.request_toggle_enabled,
             "push": lambda n: tenant.request_push([n]), "pull": lambda n: tenant.request_pull([n])}[operation](name)

    @on(m.TenantMessage)
    def tenant_news(self, message: m.TenantMessage) -> None:
        if self.is_running:  # not news that arrives while the app shuts down
            self.tenant.handle(message)

    def key_for(self, binding_id: str, default: str) -> str:
        """The key of a binding as the user has it (remapped or not), to name it in a message."""
        return self._key_for(binding_id, default).split(",")[0]

    def show_tenant(self, text: str) -> None:
        """The header's subtitle: the tenant and the connection first (a narrow terminal cuts the
        end), then the workspace."""
        home = Path.home()
        root = f"~/{self.root.relative_to(home)}" if self.root.is_relative_to(home) else str(self.root)
        self.sub_title = f"{text} · {root}"

    def refresh_hook_rows(self) -> None:
        """Redraw every hook's row (the sync column changed)."""
        if self.workspace is None:
            return
        if self.tenant.remote_only_rows() != self._remote_rows:
            self._set_rows()  # hooks only on the tenant came or went: their greyed rows too
            return
        for hook in self.workspace.hooks:
            self.update_row(hook.deployed_name)

    def files_changed_on_disk(self, paths: list[str]) -> None:
        """Files that a tenant operation wrote: reload them as after any change on disk (a clean
        buffer shows the new text, a dirty one asks), and let the watcher skip its echo."""
        if not paths:
            return
        self._files_changed(paths)
        for path in paths:
            self.edits.note_write(Path(path))

    # -- worker failures ----------------------------------------------------------------------

    def on_worker_state_changed(self, event: Any) -> None:
        """A worker that fails becomes a notification and a log line, never a closed app."""
        from textual.worker import WorkerState

        self.tenant.worker_changed(event.worker)  # the header says what the tenant is busy with
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = f"{event.worker.name or 'a background task'} failed: {type(error).__name__}: {error}"
        self.log_buffer.add("error", "console", text)
        self.notify(text, title="error", severity="error", timeout=15)

    # -- quitting -----------------------------------------------------------------------------

    async def action_quit(self) -> None:
        editor = self.editor
        if editor.dirty:
            self._confirm_quit()
            return
        await self._stop_services()
        self.exit()

    @work(exclusive=True, group="confirm", exit_on_error=False)
    async def _confirm_quit(self) -> None:
        editor = self.editor
        ok = await self.push_screen_wait(ConfirmDialog(
            "Quit with unsaved changes?", f"{editor.hook} has unsaved changes ({', '.join(editor.dirty_labels())}). "
            "Quit and lose them?", confirm_label="Quit", cancel_label="Keep editing", danger=True))
        if ok:
            await self._stop_services()
            self.exit()

    async def on_unmount(self) -> None:
        # However the app ends (quit, an error, a test), the Node process and the watcher go too.
        await self._stop_services()

    async def _stop_services(self) -> None:
        watcher = getattr(self, "_watcher", None)
        if watcher is not None:
            watcher.stop()
        await self.tenant.close()
        await self.runs.close()

    def action_validate(self) -> None:
        if self.workspace is None:
            return
        self.workspace.reload()
        self.refresh_rows()
        problems = self.workspace.problems
        for problem in problems:
            self.log_buffer.add("error" if problem.severity == "error" else "warn", "validation", str(problem),
                                hook=problem.hook or "")
        text = "\n".join(str(p) for p in problems) or "no problems"
        self.push_screen(TextViewDialog(f"Validation · {len(problems)} problem(s)", text))


def demo_workspace() -> Path:
    """A fresh copy of the example workspace (its hooks) with the example actions over it, in a
    temporary folder: trying hooktui never touches the installed package."""
    target = Path(tempfile.mkdtemp(prefix="hooktui-demo-")) / "workspace"
    shutil.copytree(data_path("examples/workspace"), target)
    actions = data_path("examples/actions")
    for part in ("actions", "triggers", "payloads"):
        shutil.copytree(actions / part, target / part, dirs_exist_ok=True)
    return target


def run_console(root: Path, *, demo: bool = False, credentials: Credentials | None = None,
                notes: tuple[str, ...] = ()) -> int:
    app = HooktuiApp(root, credentials=credentials, notes=notes)
    app.run()
    if demo:
        print(f"the demo workspace is kept at {root}")
    return 0
