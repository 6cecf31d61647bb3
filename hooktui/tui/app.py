"""The console App: owns the workspace, the executor, the watcher and every state change.

Panes post Messages (messages.py); the App acts on the core (hooktui.core) in workers and tells
the panes what changed through their public methods. Workers never touch widgets: they post
Messages, or append plain data to the LogBuffer that the log pane drains on its own timer.
Everything about the tenant (status, push, pull, diff, its log) is delegated to the
TenantController in remote.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header

from hooktui.core import payloads as payload_files
from hooktui.core.config import Credentials, user_config_dir
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.logbuffer import LogBuffer
from hooktui.core.redaction import Redactor
from hooktui.core.resources import data_path
from hooktui.core.results import RunResult
from hooktui.core.settings import UserSettings
from hooktui.core.templates import template_for
from hooktui.core.triggers import Trigger
from hooktui.core.workspace import Hook, Workspace, WorkspaceError, ordered_meta, validate_meta_text
from hooktui.runtime.executor import Executor, ExecutorError
from hooktui.tui import messages as m
from hooktui.tui.dialogs import ConfirmDialog, TextViewDialog
from hooktui.tui.keys import ANY_SCREEN, GLOBAL_BINDINGS
from hooktui.tui.layout import PANE_KEYS, PANE_TITLES, PANES, ConsoleFooter, FlashLine, PaneBar, plan_layout
from hooktui.tui.tenant import COMPILE_WAIT, TenantController
from hooktui.tui.widgets.editor import HookEditor
from hooktui.tui.widgets.hook_list import HookList, HookRow
from hooktui.tui.widgets.log_stream import LogStream
from hooktui.tui.widgets.payload_tester import PayloadTester

SECRET_MASK = "••••••••"
GLOBAL_ACTIONS = {binding.action.split("(")[0] for binding in GLOBAL_BINDINGS}
RUNNING_SHOWN_AFTER = 0.08  # seconds a run goes on before the list and the tester say "running"


# Private messages: a worker's news for the App's own handlers.
class _Reloaded(Message):
    def __init__(self, hook: str, ok: bool) -> None:
        super().__init__()
        self.hook = hook
        self.ok = ok


class _RunSkipped(Message):
    """A run on save did not happen: the reload failed."""

    def __init__(self, hook: str) -> None:
        super().__init__()
        self.hook = hook


class _Notice(Message):
    def __init__(self, text: str, severity: str) -> None:
        super().__init__()
        self.text = text
        self.severity = severity



class HelpScreen(Screen[None]):
    """F1: what the focused pane does and every key that works there now."""

    BINDINGS = [Binding("escape,f1,q", "app.pop_screen", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > Vertical { width: 90%; max-width: 100; height: 90%; border: round $accent;
        background: $surface; padding: 1 2; }
    HelpScreen Static { width: 1fr; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from textual.widgets import Markdown

        with Vertical() as box:
            box.border_title = self._title
            box.border_subtitle = "esc closes"
            with VerticalScroll():
                yield Markdown(self._body)


class HooktuiApp(App[None]):
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
        self.executor: Executor | None = executor
        self._executor_ready = False
        self._executor_failed = False
        self.current: str | None = None  # the hook open in the editor and the tester
        self.running: set[str] = set()
        self.load_errors: dict[str, tuple[str, int | None, int | None]] = {}  # hook -> syntax error
        self.last_results: dict[str, RunResult] = {}
        self.last_run_at: dict[str, float] = {}
        self.active_pane = "hooks"
        self.zoomed = False
        self._own_writes: dict[str, str] = {}  # path -> sha1 of what we wrote, so the watcher skips it
        self._themes: dict[str, Any] = {}
        self.redactor = Redactor(())  # every hook's secret values: none is ever shown
        self._main: Screen[Any] | None = None  # the screen holding the panes, once mounted
        self._after_run: dict[str, list[Any]] = {}  # hook -> what to do once its running run ends
        self._known_secrets: dict[str, dict[str, Any]] = {}  # hook -> secret values last read from disk
        self._remote_rows: list[HookRow] = []  # the greyed rows of hooks only on the tenant
        self._narrow = False  # below 110x30: one pane at a time
        self._layout: Any = None  # the layout.Layout the grid has now
        # None: the environment's credentials (AUTH0_*) or the user's credentials.toml.
        self.tenant = TenantController(self, credentials)
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
        self.start_executor()
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
        self._refresh_rows()

    # -- themes -------------------------------------------------------------------------------

    def _load_themes(self) -> None:
        """Register the themes and choose one before the stylesheet is first parsed: setting
        App.theme later reparses every rule (a frame's worth of start-up on two cores)."""
        from textual.app import App

        from hooktui.tui.themes import load_themes, register

        themes, self._theme_errors = load_themes(user_config_dir(self.env) / "themes")
        self._themes = themes
        register(self, themes)
        chosen = next((name for name in (self.settings.theme, "hooktui-dark") if name in self.available_themes), None)
        if chosen is not None and chosen != self.theme:
            # What App._watch_theme does, less the reparse (nothing is parsed yet).
            self.set_reactive(App.theme, chosen)
            dark = self.current_theme.dark
            self.update_classes({**{name: False for name in self.classes if name.startswith("-theme-")},
                                 f"-theme-{chosen}": True, "-dark-mode": dark, "-light-mode": not dark},
                                update=False)
            self._refresh_truecolor_filter(self.ansi_theme)

    def _themes_ready(self) -> None:
        if self._theme_errors:
            # One notification for every bad theme file, each named with its problem.
            self.notify("\n".join(str(e) for e in self._theme_errors), title="themes", severity="warning",
                        timeout=12)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_editor_theme()

    def _theme_changed(self, theme: Any) -> None:
        self._apply_editor_theme()
        if self.settings.theme != theme.name:
            self.settings.theme = theme.name
            self._save_settings()

    def _apply_editor_theme(self) -> None:
        from textual.widgets import TextArea

        from hooktui.tui.themes import apply_editor_theme

        chosen = self._themes.get(self.theme)
        if chosen is None:
            return
        for area in self._main.query(TextArea):
            apply_editor_theme(area, chosen)
        log = self.log_pane
        log.set_level_colors(chosen.log_colors)

    def _save_settings(self) -> None:
        try:
            self.settings.save(env=self.env)
        except OSError as e:
            self.notify(f"cannot save settings: {e}", severity="warning")

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
        if self.current is None:
            self.notify("open a hook first (enter in the hook list)", severity="warning")
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
        pane = self._pane(self.active_pane)
        lines = [f"## {PANE_TITLES[self.active_pane]}", "", getattr(pane, "HELP", ""), "",
                 "| key | does | binding id |", "|---|---|---|"]
        seen = set()
        for node in [self.focused, *(self.focused.ancestors_with_self if self.focused else [])]:
            if node is None:
                continue
            for binding in getattr(node, "BINDINGS", []):
                if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                keys = self._key_for(binding.id, binding.key)
                lines.append(f"| `{keys}` | {binding.description} | `{binding.id or '-'}` |")
        lines += ["", "## Everywhere (also while typing)", "", "| key | does | binding id |", "|---|---|---|"]
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            lines.append(f"| `{self._key_for(binding.id, binding.key)}` | {binding.description} | `{binding.id}` |")
        lines += ["| `ctrl+p` | command palette: every action (hook, editor, payload, log, tenant, view, theme) | - |",
                  "", "Each global action has an F-key and an alt key: terminals keep some for themselves "
                  "(VS Code's F1, F5, F6, ctrl+p; Windows Terminal's alt+enter). If your terminal sends no alt "
                  "(macOS Terminal: Settings, Profiles, Keyboard, *Use Option as Meta key*), the F-keys and "
                  "`ctrl+p` reach every action.", "",
                  "Keys can be remapped by binding id in the `[keys]` table of "
                  f"`{user_config_dir(self.env) / 'config.toml'}`, e.g. `\"app.focus_log\" = \"f6,ctrl+l\"`."]
        self.push_screen(HelpScreen(f"Help · {PANE_TITLES[self.active_pane]}", "\n".join(lines)))

    def get_system_commands(self, screen: Screen[Any]) -> Any:
        from hooktui.tui.commands import console_commands

        yield from super().get_system_commands(screen)
        yield from console_commands(self)

    # -- hook list ----------------------------------------------------------------------------

    def _hook(self, name: str) -> Hook | None:
        if self.workspace is None:
            return None
        try:
            return self.workspace.hook(name)
        except KeyError:
            return None

    def _row(self, hook: Hook) -> HookRow:
        name = hook.deployed_name
        result = self.last_results.get(name)
        state, detail = "ok", ""
        if not hook.valid:
            errors = [p for p in hook.problems if p.severity == "error"]
            state, detail = "invalid", "; ".join(p.message for p in errors[:2])
        elif name in self.load_errors:
            msg, line, col = self.load_errors[name]
            state, detail = "syntax error", f"{line}:{col} {msg}" if line else msg
        elif name in self.running:
            state = "running"
        elif result is not None:
            state = result.crash if result.crash in ("timeout",) else ("crash" if result.crash else result.status)
            detail = result.error_message or ""
        sync, sync_note = self.tenant.row_sync(name)
        return HookRow(name=name, trigger=hook.trigger, enabled=hook.enabled, state=state, detail=detail,
                       last_run=self.last_run_at.get(name),
                       duration_ms=result.duration_ms if result is not None else None,
                       files=tuple(self._rel(p) for p in (hook.script_path, hook.meta_path) if p is not None),
                       sync=sync, sync_note=sync_note)

    def _refresh_rows(self) -> None:
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
        self.hook_list.set_rows(local + remote)

    def _rebuild_redactor(self) -> None:
        assert self.workspace is not None
        self.redactor = Redactor(v for h in self.workspace.hooks for v in h.secrets.values())

    def _update_row(self, name: str) -> None:
        hook = self._hook(name)
        if hook is not None:
            self.hook_list.update_row(self._row(hook))

    @on(m.HookOpenRequested)
    def open_hook(self, message: m.HookOpenRequested) -> None:
        self._open(message.hook)
        self.action_focus_pane("editor")

    def _open(self, name: str) -> None:
        hook = self._hook(name)
        if hook is None or self.workspace is None:
            self.notify(f"no hook named {name!r}", severity="error")
            return
        editor = self.editor
        if editor.dirty and editor.hook != hook.deployed_name:
            self._confirm_switch(hook)
            return
        self._load_into_panes(hook)

    @work(exclusive=True, group="confirm", exit_on_error=False)
    async def _confirm_switch(self, hook: Hook) -> None:
        editor = self.editor
        kinds = ", ".join(editor.dirty_labels())
        ok = await self.push_screen_wait(ConfirmDialog(
            "Unsaved changes", f"{editor.hook} has unsaved changes ({kinds}). Open {hook.deployed_name} and "
            "discard them?", confirm_label="Discard", cancel_label="Keep editing", danger=True))
        if ok:
            self._load_into_panes(hook)

    def _load_into_panes(self, hook: Hook) -> None:
        assert self.workspace is not None
        name = hook.deployed_name
        try:
            script = self.workspace.raw_script(hook) if hook.script_path and hook.script_path.exists() else ""
        except (OSError, WorkspaceError) as e:
            self.notify(f"cannot read the script of {name}: {e}", severity="error")
            script = ""
        self.current = name
        self.editor.open(
            name, script=script, meta=self._masked_meta(hook), script_file=self._rel(hook.script_path),
            meta_file=self._rel(hook.meta_path))
        if name in self.load_errors:
            msg, line, col = self.load_errors[name]
            self.editor.show_error("script", line, col, msg)
        self._show_meta_problems(hook)
        samples = payload_files.available_payloads(hook.trigger, self.workspace.root, name,
                                                   payloads_dir=self.workspace.config.payloads_dir)
        self.tester.set_hook(name, hook.trigger, samples)
        self.hook_list.select(name)

    def _show_meta_problems(self, hook: Hook) -> None:
        """The errors of the hook's settings file on disk, under the editor (they go when the file
        changes and is valid)."""
        meta = self._rel(hook.meta_path)
        self.editor.show_problems([p for p in hook.problems if p.severity == "error" and p.file == meta])

    def _rel(self, path: Path | None) -> str:
        if path is None:
            return "?"
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _masked_meta(self, hook: Hook) -> str:
        """The hook's JSON as on disk, with every secret value masked: the screen never shows one."""
        try:
            raw = json.loads(Path(hook.meta_path).read_text("utf-8"))
        except (OSError, ValueError):
            return "// this file is not valid JSON: fix it with f9 ($EDITOR); hooktui validate shows where\n"
        if isinstance(raw, dict) and isinstance(raw.get("secrets"), dict):
            # Kept in memory (as the workspace keeps them): a buffer whose file was deleted can
            # still be saved with the values its masks stand for.
            self._known_secrets[hook.deployed_name] = dict(raw["secrets"])
            raw["secrets"] = {k: SECRET_MASK for k in raw["secrets"]}
        return dump_json(raw)

    @on(m.HookCreateRequested)
    def create_hook(self, message: m.HookCreateRequested) -> None:
        if self.workspace is None:
            return
        try:
            hook = self.workspace.create_hook(message.name, Trigger(message.trigger), template_for(message.trigger))
        except (WorkspaceError, ValueError) as e:
            self.notify(str(e), title="new hook", severity="error", timeout=10)
            return
        self._note_write(hook.script_path)
        self._note_write(hook.meta_path)
        self.workspace.reload()
        self._refresh_rows()
        self.log_buffer.add("info", "workspace", f"created {self._rel(hook.script_path)} and {self._rel(hook.meta_path)}")
        self._open(hook.deployed_name)
        self.action_focus_pane("editor")

    @on(m.HookRenameRequested)
    def rename_hook(self, message: m.HookRenameRequested) -> None:
        if self.workspace is None:
            return
        editor = self.editor
        if editor.hook == message.hook and editor.dirty:
            self.notify("save or discard the open hook's changes before renaming it", severity="warning")
            return
        try:
            hook = self.workspace.rename_hook(message.hook, message.new_name)
        except (WorkspaceError, KeyError, ValueError) as e:
            self.notify(str(e), title="rename", severity="error", timeout=10)
            return
        self._note_write(hook.script_path)
        self._note_write(hook.meta_path)
        self._forget(message.hook)
        self.workspace.reload()
        self.tester.rename_hook(message.hook, hook.deployed_name)
        self._refresh_rows()
        self.log_buffer.add("info", "workspace", f"renamed {message.hook} to {hook.deployed_name}")
        if self.current == message.hook:
            self._open(hook.deployed_name)

    @on(m.HookDeleteRequested)
    def delete_hook(self, message: m.HookDeleteRequested) -> None:
        if self.workspace is None:
            return
        try:
            removed = self.workspace.delete_hook(message.hook)
        except (WorkspaceError, KeyError) as e:
            self.notify(str(e), title="delete", severity="error", timeout=10)
            return
        self._forget(message.hook)
        self.workspace.reload()
        self._refresh_rows()
        self.log_buffer.add("info", "workspace", f"deleted {', '.join(self._rel(p) for p in removed)}")
        self.notify(f"deleted {message.hook}")
        if self.current == message.hook:
            self.current = None
            self.editor.close()

    def _forget(self, name: str) -> None:
        self.tester.forget_hook(name)
        self.last_results.pop(name, None)
        self.last_run_at.pop(name, None)
        self.load_errors.pop(name, None)
        if self.executor is not None and self._executor_ready:
            self.run_worker(self.executor.unload(name), group="executor", exit_on_error=False)

    @on(m.HookToggleRequested)
    def toggle_hook(self, message: m.HookToggleRequested) -> None:
        hook = self._hook(message.hook)
        if hook is None or self.workspace is None:
            return
        try:
            disabled = self.workspace.set_enabled(hook, not hook.enabled)
        except WorkspaceError as e:
            self.notify(str(e), title="enable", severity="error", timeout=10)
            return
        self._note_write(hook.meta_path)
        for other in disabled:
            self._note_write(other.meta_path)
        self.workspace.reload()
        self._refresh_rows()
        now = "enabled" if not hook.enabled else "disabled"
        text = f"{hook.deployed_name} {now}"
        if disabled:
            text += f"; disabled {', '.join(h.deployed_name for h in disabled)} (one enabled hook per trigger)"
        self.notify(text)
        self.log_buffer.add("info", "workspace", text)
        if self.current == hook.deployed_name:
            fresh = self._hook(hook.deployed_name)
            if fresh is not None:
                self.editor.disk_changed("meta", self._masked_meta(fresh))

    # -- saving -------------------------------------------------------------------------------

    def _note_write(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            self._own_writes[str(Path(path).resolve())] = hashlib.sha1(Path(path).read_bytes()).hexdigest()
        except OSError:
            pass

    @on(m.SaveRequested)
    def save(self, message: m.SaveRequested) -> None:
        hook = self._hook(message.hook)
        if self.workspace is not None and hook is None and self.editor.hook == message.hook:
            self._recreate(message.hook)
            return
        if hook is None or self.workspace is None:
            self.notify(f"{message.hook} no longer exists on disk", severity="error")
            return
        editor = self.editor
        try:
            if message.kind == "script":
                self.workspace.write_script(hook, message.text)
                path = hook.script_path
            else:
                path = hook.meta_path
                atomic_write(path, self._unmasked_meta(hook, message.text))
        except (OSError, WorkspaceError, ValueError) as e:
            # The buffer stays as it is: nothing the user typed is lost.
            self.notify(f"not saved: {e}", title="save", severity="error", timeout=10)
            return
        self._note_write(path)
        editor.saved(message.kind, message.text)
        self.log_buffer.add("info", "reload", f"saved {self._rel(path)}", hook=hook.deployed_name)
        self.workspace.reload()
        if message.kind == "meta":
            # What was written is the reformatted JSON: show exactly that, cursor kept.
            editor.disk_changed("meta", self._masked_meta(self.workspace.hook(hook.deployed_name)))
        self._refresh_rows()
        self.reload_hook(hook.deployed_name, run_after=True)

    def _recreate(self, name: str) -> None:
        """The open hook's files are gone from disk: write both buffers as the hook again."""
        from hooktui.tui.recreate import recreate_hook

        assert self.workspace is not None
        editor = self.editor
        meta = editor.text("meta")
        errors = [p for p in validate_meta_text(meta, file=editor.file("meta"), hook_name=name,
                                                keywords=editor.keywords) if p.severity == "error"]
        if errors:
            editor.action_show_tab("meta")
            editor.action_save()  # shows the problems under the editor, writes nothing
            return
        script = editor.text("script")
        try:
            hook, disabled, written = recreate_hook(self.workspace, script, meta, mask=SECRET_MASK,
                                                    known_secrets=self._known_secrets.get(name, {}))
        except (OSError, WorkspaceError, ValueError) as e:
            self.notify(f"{name} not recreated: {e}", title="save", severity="error", timeout=12)
            return
        for path in written:
            self._note_write(path)
        files = [self._rel(hook.script_path), self._rel(hook.meta_path)]
        text = f"{name} was deleted on disk: recreated {' and '.join(files)} from the editor"
        if disabled:
            text += f"; disabled {', '.join(h.deployed_name for h in disabled)} (one enabled hook per trigger)"
        self.log_buffer.add("info", "workspace", text, hook=hook.deployed_name)
        self.notify(text, timeout=10)
        self.current = hook.deployed_name
        editor.saved_as(hook.deployed_name, script=script, meta=self._masked_meta(hook),
                        script_file=files[0], meta_file=files[1])
        self._refresh_rows()
        self.hook_list.select(hook.deployed_name)
        samples = payload_files.available_payloads(hook.trigger, self.workspace.root, hook.deployed_name,
                                                   payloads_dir=self.workspace.config.payloads_dir)
        self.tester.set_hook(hook.deployed_name, hook.trigger, samples)
        self.reload_hook(hook.deployed_name, run_after=True)

    def _unmasked_meta(self, hook: Hook, text: str) -> str:
        """The edited JSON with the real value back in every secret the user left masked."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the hook's JSON must be an object")
        try:
            on_disk = json.loads(Path(hook.meta_path).read_text("utf-8"))
        except (OSError, ValueError):
            on_disk = {}
        old = on_disk.get("secrets") if isinstance(on_disk, dict) else None
        secrets = data.get("secrets")
        if isinstance(secrets, dict):
            for key, value in list(secrets.items()):
                if value == SECRET_MASK:
                    if isinstance(old, dict) and key in old:
                        secrets[key] = old[key]
                    else:
                        raise ValueError(f"secret {key} has no value yet: type its value in place of the mask")
        return dump_json(ordered_meta(data))

    @on(m.ExternalEditRequested)
    def external_edit(self, message: m.ExternalEditRequested) -> None:
        hook = self._hook(message.hook)
        if hook is None:
            return
        editor = self.editor
        if message.kind in editor.dirty_kinds():
            self.notify("save (ctrl+s) first: the external editor opens the file on disk", severity="warning")
            return
        command = self.env.get("VISUAL") or self.env.get("EDITOR")
        if not command:
            self.notify("set $VISUAL or $EDITOR to edit in your own editor", severity="warning")
            return
        path = hook.script_path if message.kind == "script" else hook.meta_path
        from textual.app import SuspendNotSupported

        try:
            with self.suspend():
                subprocess.call([*shlex.split(command), str(path)])
        except SuspendNotSupported:
            self.notify("$EDITOR cannot run here (textual serve has no terminal to hand over)", severity="warning")
            return
        except OSError as e:
            self.notify(f"cannot start {command!r}: {e}", severity="error")
            return
        self._files_changed([str(path)])
        self._note_write(path)  # handled: the watcher's echo of the same content is skipped

    # -- executor -----------------------------------------------------------------------------

    @work(group="executor", exit_on_error=False)
    async def start_executor(self) -> None:
        if self.executor is None:
            if self.workspace is None:
                return
            self.executor = Executor(self.workspace)
        self.executor.subscribe(lambda event: self.log_buffer.add_event(self.redactor.event(event)))
        try:
            await self.executor.start()
        except ExecutorError as e:
            self._executor_failed = True
            self.log_buffer.add("error", "executor", str(e))
            self.post_message(_Notice(str(e), "error"))
            return
        self._executor_ready = True
        self.log_buffer.add("info", "executor", f"executor ready (Node.js {self.executor.node_version})")
        if self.workspace is not None:
            for hook in self.workspace.hooks:
                if hook.valid:
                    await self._reload(hook.deployed_name, quiet=True)

    async def _reload(self, name: str, *, quiet: bool = False) -> bool:
        """Compile a hook again from disk; False when it has a syntax error."""
        if self.executor is None or self.workspace is None:
            return False
        try:
            hook = self.workspace.hook(name)
            result = await self.executor.reload(hook)
        except (ExecutorError, KeyError) as e:
            self.log_buffer.add("error", "reload", f"{name}: {e}", hook=name)
            return False
        self._note_load(name, result, quiet=quiet)
        return result.ok

    def _note_load(self, name: str, result: Any, *, quiet: bool = False) -> None:
        """Record a reload's outcome (syntax error or not) and tell the panes."""
        if result.ok:
            self.load_errors.pop(name, None)
            if not quiet:
                self.log_buffer.add("info", "reload", f"{name} reloaded", hook=name)
        else:
            loc = result.location
            self.load_errors[name] = (result.error or "cannot compile", loc.line if loc else None, loc.column if loc else None)
            hook = self._hook(name)
            script = self._rel(hook.script_path) if hook is not None else name
            where = f"{script}:{loc.line}:{loc.column}" if loc else script
            self.log_buffer.add("error", "reload", f"{where}: {result.error}", hook=name)
        self.post_message(_Reloaded(name, result.ok))

    def reload_hook(self, name: str, run_after: bool = False) -> None:
        """Compile `name` again; with run on save, run the current payload right after, in the
        same worker: the save-to-result path is the console's core loop and every message hop
        on it waits behind a screen refresh."""
        if not self._executor_ready:
            return
        run = None
        if run_after and name == self.current and self.tester.run_on_save:
            run = self.tester.current_payload()  # None when the payload JSON is invalid: it says why
            if run is not None:
                self._mark_running(name)
        self._reload_and_run(name, run)

    @work(group="reload", exit_on_error=False)
    async def _reload_and_run(self, name: str, run: tuple[str, Any] | None) -> None:
        if run is None:
            await self._reload(name)
            return
        assert self.executor is not None and self.workspace is not None
        payload_name, payload = run
        try:
            loaded, result = await self.executor.reload_and_run(self.workspace.hook(name), payload)
        except (ExecutorError, KeyError) as e:
            self.log_buffer.add("error", "reload", f"{name}: {e}", hook=name)
            self.post_message(_RunSkipped(name))
            return
        self._note_load(name, loaded)
        self.post_message(m.RunFinished(result, payload_name, payload))

    @on(m.RunRequested)
    def run_requested(self, message: m.RunRequested) -> None:
        if not self._executor_ready or self.executor is None:
            if self._executor_failed:
                self.notify("the executor is not running: the log says why", severity="error")
            else:
                self.notify("the executor is still starting: run again in a moment", severity="warning")
            return
        hook = self._hook(message.hook)
        if hook is None:
            return
        if not hook.valid:
            self.notify(f"{hook.deployed_name} cannot run: fix its problems first (see the log)", severity="error")
            return
        self._mark_running(message.hook)
        self._run(message.hook, message.payload, message.payload_name)
        if self._tester_hidden():
            self.flash_line.flash(f"▶ running {message.hook} with {message.payload_name}…", seconds=30)

    def _mark_running(self, name: str) -> None:
        self.running.add(name)
        # Most runs end within a frame or two: drawing "running" first would put a repaint of
        # the list and the tester between the save and its result (the core loop). A run still
        # going after RUNNING_SHOWN_AFTER shows it.
        self.set_timer(RUNNING_SHOWN_AFTER, lambda: self._show_running(name))

    def _show_running(self, name: str) -> None:
        if name not in self.running:
            return
        self._update_row(name)
        if name == self.current:
            self.tester.set_running(True)

    @work(group="runs", exit_on_error=False)
    async def _run(self, name: str, payload: Any, payload_name: str) -> None:
        await self._execute(name, payload, payload_name)

    async def _execute(self, name: str, payload: Any, payload_name: str) -> None:
        assert self.executor is not None
        try:
            result = await self.executor.run(name, payload)
        except (ExecutorError, KeyError) as e:
            result = RunResult(name, "", "", {"status": "error", "data": {"message": str(e)}}, [], 0.0, [])
        self.post_message(m.RunFinished(result, payload_name, payload))

    @on(m.RunFinished)
    def run_finished(self, message: m.RunFinished) -> None:
        if not self.is_running:
            return  # news that arrives while the app shuts down
        result = self.redactor.result(message.result)
        source = result.hook
        if result.ok:
            self.log_buffer.add("info", source, f"✔ success in {result.duration_ms:.1f} ms ({message.payload_name})",
                                hook=result.hook, run_id=result.run_id)
        else:
            crash = f" ({result.crash})" if result.crash else ""
            self.log_buffer.add("error", source, f"✘ error{crash} in {result.duration_ms:.1f} ms: {result.error_message}",
                                hook=result.hook, run_id=result.run_id)
        for warning in result.warnings:
            self.log_buffer.add("warn", source, warning, hook=result.hook, run_id=result.run_id)
        # A result is what the user waits for: it goes on screen now, not at the next batch.
        self.log_pane.flush_now()
        for pending in self._after_run.pop(result.hook, []):
            pending()
        self.running.discard(result.hook)
        self.last_results[result.hook] = result
        self.last_run_at[result.hook] = time.time()
        self._update_row(result.hook)
        tester = self.tester
        if result.hook == self.current:
            tester.set_running(False)
            tester.show_result(result, message.payload_name, message.payload)
            if result.location is not None and not result.ok:
                self.editor.show_error("script", result.location.line, result.location.column,
                                                      result.error_message or "error")
        if self._tester_hidden():
            # Single mode shows one pane: the outcome comes where the user is.
            show = self.key_for("app.focus_tester", "f4")
            if result.ok:
                text = f"✔ {result.hook}#{result.run_id} success in {result.duration_ms:.1f} ms · {show} shows the result"
            else:
                crash = f" ({result.crash})" if result.crash else ""
                text = f"✘ {result.hook}#{result.run_id} error{crash}: {result.error_message} · {show} shows it"
            self.flash_line.flash(text, "success" if result.ok else "error")

    def _tester_hidden(self) -> bool:
        return not self.tester.display

    def action_run(self) -> None:
        if self.current is None:
            self.notify("open a hook first (enter in the hook list)", severity="warning")
            return
        if not self.tester.request_run() and self._tester_hidden() and self.tester.problem:
            self.flash_line.flash(f"{self.tester.problem} · {self.key_for('app.focus_tester', 'f4')} shows it",
                                  "error")

    @on(m.RunOnSaveToggled)
    def run_on_save_toggled(self, message: m.RunOnSaveToggled) -> None:
        self.settings.run_on_save = message.enabled
        self._save_settings()
        self.notify(f"run on save {'on' if message.enabled else 'off'}")

    @on(m.PayloadSaveRequested)
    def save_payload(self, message: m.PayloadSaveRequested) -> None:
        if self.workspace is None:
            return
        try:
            path = payload_files.save_workspace_payload(
                self.workspace.root, message.hook, message.name, message.payload, overwrite=message.overwrite,
                payloads_dir=self.workspace.config.payloads_dir)
        except FileExistsError:
            self.notify(f"a payload named {message.name!r} exists for {message.hook}: choose another name",
                        severity="warning")
            return
        except (OSError, ValueError) as e:
            self.notify(f"not saved: {e}", severity="error")
            return
        self._note_write(path)
        self.notify(f"saved {self._rel(path)}")
        hook = self._hook(message.hook)
        if hook is not None and message.hook == self.current:
            samples = payload_files.available_payloads(hook.trigger, self.workspace.root, message.hook,
                                                       payloads_dir=self.workspace.config.payloads_dir)
            self.tester.set_payloads(samples)

    @on(_RunSkipped)
    def _run_skipped(self, message: _RunSkipped) -> None:
        if not self.is_running:
            return  # news that arrives while the app shuts down
        self.running.discard(message.hook)
        self._update_row(message.hook)
        for pending in self._after_run.pop(message.hook, []):
            pending()
        if message.hook == self.current:
            self.tester.set_running(False)

    @on(_Reloaded)
    def _reloaded(self, message: _Reloaded) -> None:
        if not self.is_running:
            return  # news that arrives while the app shuts down
        self._update_row(message.hook)
        if message.hook == self.current:
            editor = self.editor
            if message.ok:
                editor.clear_error("script")
            elif message.hook in self.load_errors:
                msg, line, col = self.load_errors[message.hook]
                editor.show_error("script", line, col, msg)

    @on(_Notice)
    def _notice(self, message: _Notice) -> None:
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
            self.post_message(_Notice(f"file watching stopped: {e}", "error"))

    @on(m.WorkspaceChanged)
    def workspace_changed(self, message: m.WorkspaceChanged) -> None:
        if not self.is_running:
            return  # news that arrives while the app shuts down
        self._files_changed(message.paths)

    def _files_changed(self, paths: list[str]) -> None:
        if self.workspace is None:
            self._open_workspace()
            return
        fresh = []
        for p in paths:
            key = str(Path(p).resolve())
            expected = self._own_writes.pop(key, None)
            if expected is not None:
                try:
                    if hashlib.sha1(Path(key).read_bytes()).hexdigest() == expected:
                        continue  # our own save: already handled
                except OSError:
                    pass
            fresh.append(key)
        if not fresh:
            return
        before = {h.deployed_name for h in self.workspace.hooks}
        try:
            self.workspace.reload()
        except WorkspaceError as e:
            self.log_buffer.add("error", "validation", str(e))
            return
        after = {h.deployed_name for h in self.workspace.hooks}
        self.tenant.recompute()  # the sync status follows the files, against the last fetch
        for name in sorted(after - before):
            self.log_buffer.add("info", "watch", f"{name} appeared on disk", hook=name)
        for name in sorted(before - after):
            self.log_buffer.add("info", "watch", f"{name} is gone from disk", hook=name)
            self._forget(name)
        for problem in self.workspace.problems:
            if str(Path(self.root, problem.file).resolve()) in fresh:
                self.log_buffer.add("error" if problem.severity == "error" else "warn", "validation", str(problem),
                                    hook=problem.hook or "")
        touched = set()
        for hook in self.workspace.hooks:
            files = {str(Path(f).resolve()) for f in (hook.script_path, hook.meta_path) if f is not None}
            if files & set(fresh):
                touched.add(hook.deployed_name)
        # The executor first: Node reloads and runs while the panes below redraw.
        for name in sorted(touched):
            hook = self._hook(name)
            if hook is not None and hook.valid:
                self.reload_hook(name, run_after=True)
        if before == after:
            # The same hooks: redraw only the ones whose files changed, the list stays put.
            self._rebuild_redactor()
            for name in touched:
                self._update_row(name)
        else:
            self._refresh_rows()
        editor = self.editor
        if self.current is not None and self.current not in after:
            if not editor.dirty:
                self.current = None
                editor.close()
            else:
                self.notify(f"{self.current} was deleted on disk; your unsaved buffer is kept (ctrl+s writes it back)",
                            severity="warning", timeout=12)
        hook = self._hook(self.current) if self.current in touched else None
        if hook is not None:
            def refresh_editor(hook: Hook = hook) -> None:
                if self.workspace is None or self.editor.hook != hook.deployed_name:
                    return
                if hook.script_path is not None and str(hook.script_path.resolve()) in fresh:
                    try:
                        self.editor.disk_changed("script", self.workspace.raw_script(hook))
                    except (OSError, WorkspaceError):
                        pass
                if str(Path(hook.meta_path).resolve()) in fresh:
                    self.editor.disk_changed("meta", self._masked_meta(hook))
                    self._show_meta_problems(hook)

            if hook.deployed_name in self.running:
                # Re-highlighting the buffer costs a frame: the run-on-save result goes first,
                # unless the run takes long (a hook that hangs), then the editor does not wait.
                done = False

                def once() -> None:
                    nonlocal done
                    if not done:
                        done = True
                        refresh_editor()

                self._after_run.setdefault(hook.deployed_name, []).append(once)
                self.set_timer(0.15, once)
            else:
                refresh_editor()

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
            self._update_row(hook.deployed_name)

    def files_changed_on_disk(self, paths: list[str]) -> None:
        """Files that a tenant operation wrote: reload them as after any change on disk (a clean
        buffer shows the new text, a dirty one asks), and let the watcher skip its echo."""
        if not paths:
            return
        self._files_changed(paths)
        for path in paths:
            self._note_write(Path(path))

    def save_open_buffers(self) -> bool:
        """Save the open hook's unsaved buffers now (settings validated first). False, with the
        reason shown, when something could not be saved: the buffers are kept as they are."""
        editor = self.editor
        hook = editor.hook
        if hook is None:
            return True
        for kind in editor.dirty_kinds():
            text = editor.text(kind)
            if kind == "meta":
                errors = [p for p in validate_meta_text(text, file=editor.file("meta"), hook_name=hook,
                                                        keywords=editor.keywords) if p.severity == "error"]
                if errors:
                    editor.action_show_tab("meta")
                    editor.action_save()  # shows the problems under the editor
                    return False
            self.save(m.SaveRequested(hook, kind, text))
        return not editor.dirty

    async def compile_check(self, names: list[str] | None) -> dict[str, str]:
        """Why each hook (of `names`, or all) must not be pushed because its script does not
        compile in the local runtime, as `hooktui push` checks. Raises WorkspaceError when the
        check cannot be made (no Node.js): nothing is pushed unchecked from the console."""
        deadline = time.monotonic() + COMPILE_WAIT
        while not self._executor_ready and not self._executor_failed and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not self._executor_ready or self.workspace is None:
            raise WorkspaceError("cannot check that the scripts compile: the executor is not running (the log "
                                 "says why); `hooktui push --skip-compile-check` pushes without the check")
        refused: dict[str, str] = {}
        for hook in self.workspace.hooks:
            name = hook.deployed_name
            if (names is not None and name not in names) or not hook.valid or hook.script_path is None:
                continue  # an invalid hook is refused by the plan itself, with its problems
            if not await self._reload(name, quiet=True):
                message, line, column = self.load_errors.get(name, ("cannot compile", None, None))
                where = self._rel(hook.script_path) + (f":{line}:{column}" if line else "")
                refused[name] = f"does not compile: {where}: {message}"
        return refused

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
        if self.executor is not None:
            try:
                await self.executor.close()
            except Exception:
                pass

    def action_validate(self) -> None:
        if self.workspace is None:
            return
        self.workspace.reload()
        self._refresh_rows()
        problems = self.workspace.problems
        for problem in problems:
            self.log_buffer.add("error" if problem.severity == "error" else "warn", "validation", str(problem),
                                hook=problem.hook or "")
        text = "\n".join(str(p) for p in problems) or "no problems"
        self.push_screen(TextViewDialog(f"Validation · {len(problems)} problem(s)", text))


def demo_workspace() -> Path:
    """A fresh copy of the example workspace in a temporary folder: trying hooktui never
    touches the installed package."""
    target = Path(tempfile.mkdtemp(prefix="hooktui-demo-")) / "workspace"
    shutil.copytree(data_path("examples/workspace"), target)
    return target


def run_console(root: Path, *, demo: bool = False, credentials: Credentials | None = None,
                notes: tuple[str, ...] = ()) -> int:
    app = HooktuiApp(root, credentials=credentials, notes=notes)
    app.run()
    if demo:
        print(f"the demo workspace is kept at {root}")
    return 0
