"""The console's actions: an action opened into the editor and the tester, a trigger's flow opened
into the tester, their runs and results, saves of code.js and the action's JSON (secret values
masked on screen, put back on save), bind / unbind / reorder written to triggers/triggers.json,
new and delete, and what a change on disk means for the open action.

ActionConsole is the App's delegate for all of it, as RunController is for hooks' runs and
HookEdits for hooks' edits; ActionMessages routes the panes' Messages to it. Workers never touch a
widget: a run's worker posts ActionRunFinished and the App hands it back to `finished`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooktui.core import bindings as binding_edits
from hooktui.core import payloads as payload_files
from hooktui.core.action_edits import create_action, delete_action, masked_json, unmasked_json, write_code, write_json
from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.action_specs import action_spec, flow_actions, run_blockers
from hooktui.core.action_templates import action_template_for
from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.actions import Action, action_from_text, raw_code
from hooktui.core.problems import Problem, WorkspaceError
from hooktui.runtime.executor import ExecutorError
from hooktui.tui import messages as m
from hooktui.tui.dialogs import ConfirmDialog
from hooktui.tui.widgets.list_rows import ActionRow

if TYPE_CHECKING:
    from hooktui.tui.app import HooktuiApp


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _state(result: ActionResult) -> str:
    if result.crash == "timeout":
        return "timeout"
    if result.crash:
        return "crash"
    if not result.ok:
        return "error"
    return "denied" if result.denied else "success"


def _verdict(result: ActionResult | FlowResult) -> str:
    """A run in a few words, for the log and the flash line."""
    if isinstance(result, FlowResult):
        failed = result.failed_action
        ran = len(result.actions)
        if failed is not None:
            return f"✘ {failed.name} failed: {failed.error_message or failed.crash or 'error'}"
        denier = next((a for a in result.actions if a.denied), None)
        if denier is not None:
            return f"⛔ denied by {denier.name}: {_denial(denier.denied)}"
        return f"✔ {ran} action{'s' if ran != 1 else ''} ran"
    if not result.ok:
        crash = f" ({result.crash})" if result.crash else ""
        return f"✘ error{crash}: {result.error_message or 'failed'}"
    if result.denied:
        return f"⛔ denied: {_denial(result.denied)}"
    return "✔ success"


def _denial(denied: dict[str, Any] | None) -> str:
    denied = denied or {}
    return f"{denied.get('code') or 'access_denied'}: {denied.get('reason') or ''}".rstrip(": ")


class ActionConsole:
    """What the console does with actions and flows, and the last result of each action."""

    def __init__(self, app: HooktuiApp) -> None:
        self.app = app
        # ("action", name) or ("flow", trigger): what the tester holds (the editor holds an action
        # only for "action"); None while a hook is open, or nothing.
        self.current: tuple[str, str] | None = None
        self.last_results: dict[str, ActionResult] = {}
        self.last_run_at: dict[str, float] = {}
        self.running: set[str] = set()
        self._known_secrets: dict[str, dict[str, Any]] = {}  # action -> secret values its masks stand for

    # -- rows ---------------------------------------------------------------------------------

    def rows(self) -> list[ActionRow]:
        ws = self.app.workspace
        if ws is None:
            return []
        return [self._row(action) for action in ws.actions]

    def _row(self, action: Action) -> ActionRow:
        ws = self.app.workspace
        assert ws is not None
        trigger = action.trigger_id
        result = self.last_results.get(action.name)
        state, detail, problem = "idle", None, None
        blockers = run_blockers(action)
        if blockers:
            first = blockers[0]
            where = f"{first.file}:{first.line}" if first.line else first.file
            state, problem = "invalid", f"{where}: {first.message}"
        elif action.name in self.running:
            state = "running"
        elif result is not None:
            state = _state(result)
            detail = None if state == "success" else _verdict(result).lstrip("✔✘⛔ ")
        return ActionRow(action.name, trigger, position=ws.bindings.position(trigger, action.name) if trigger else None,
                         state=state, last_run=self.last_run_at.get(action.name),
                         duration_ms=result.duration_ms if result is not None else None, detail=detail,
                         problem=problem)

    def update_row(self, name: str) -> None:
        action = self._action(name)
        if action is not None:
            self.app.hook_list.update_row(self._row(action))

    def _action(self, name: str) -> Action | None:
        ws = self.app.workspace
        if ws is None:
            return None
        return next((a for a in ws.actions if a.name == name), None)

    def secret_values(self) -> list[str]:
        ws = self.app.workspace
        return [v for a in (ws.actions if ws is not None else []) for v in a.secret_values().values()]

    # -- opening ------------------------------------------------------------------------------

    def open_action(self, name: str) -> None:
        app = self.app
        action = self._action(name)
        if action is None:
            app.notify(f"no action named {name!r}", severity="error")
            return
        if app.editor.dirty and not app.editor.holds("action", name):
            app.run_worker(self._confirm_switch(name), name="_confirm_switch", group="confirm", exclusive=True,
                           exit_on_error=False)
            return
        self._load_into_panes(action)

    async def _confirm_switch(self, name: str) -> None:
        editor = self.app.editor
        kinds = ", ".join(editor.dirty_labels())
        ok = await self.app.push_screen_wait(ConfirmDialog(
            "Unsaved changes", f"{editor.hook} has unsaved changes ({kinds}). Open the action {name} and discard "
            "them?", confirm_label="Discard", cancel_label="Keep editing", danger=True))
        action = self._action(name)
        if ok and action is not None:
            self._load_into_panes(action)

    def _load_into_panes(self, action: Action) -> None:
        app = self.app
        ws = app.workspace
        assert ws is not None
        try:
            code = raw_code(action)
        except WorkspaceError as e:
            app.notify(str(e), severity="error")
            code = ""
        app.current = None  # no hook is open now
        self.current = ("action", action.name)
        meta_file = app.rel(action.meta_path)
        app.editor.open(action.name, script=code, meta=self.masked(action),
                        script_file=app.rel(action.code_path) if action.code_path else f"actions/{action.name}/code.js",
                        meta_file=meta_file, target="action",
                        meta_check=lambda text, path=action.meta_path: self._check_meta(path, text))
        self.show_problems(action)
        app.tester.set_action(action.name, action.trigger_id, self._events(action.trigger_id, action.name))
        app.hook_list.select(action.name, kind="action")

    def _events(self, trigger: str, action_name: str | None) -> list[Any]:
        ws = self.app.workspace
        assert ws is not None
        return payload_files.action_events(trigger, ws.root, action_name, payloads_dir=ws.config.payloads_dir)

    def masked(self, action: Action) -> str:
        """The action's JSON as on disk with every secret value masked: the screen never shows one."""
        try:
            text = Path(action.meta_path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            return f"// cannot read {self.app.rel(action.meta_path)}: {e}\n"
        shown, values = masked_json(text)
        self._known_secrets.setdefault(action.name, {}).update(values)
        return shown

    def _check_meta(self, path: Path, text: str) -> list[Problem]:
        ws = self.app.workspace
        if ws is None:
            return []
        rel = self.app.rel(path)
        return [p for p in action_from_text(ws.root, path, text, ws.keywords).problems if p.file == rel]

    def show_problems(self, action: Action) -> None:
        """The errors of the action's JSON on disk, under the editor; its code's, in the log."""
        meta = self.app.rel(action.meta_path)
        self.app.editor.show_problems([p for p in action.problems if p.severity == "error" and p.file == meta])

    def open_flow(self, trigger: str) -> None:
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        if trigger not in ACTION_TRIGGERS:
            app.notify(f"{trigger} is not an action trigger", severity="error")
            return
        self.current = ("flow", trigger)
        app.current = None if app.editor.target == "action" else app.current
        app.tester.set_flow(trigger, ws.bindings.action_names(trigger), self._events(trigger, None))
        app.action_focus_pane("tester")

    def forget(self, name: str) -> None:
        """`name` is gone from the workspace: its results, its sandbox, and the panes that held it."""
        app = self.app
        self.last_results.pop(name, None)
        self.last_run_at.pop(name, None)
        self.running.discard(name)
        self._known_secrets.pop(name, None)
        app.tester.forget_action(name)
        if self.current == ("action", name):
            self.current = None
        executor = app.runs.executor
        if executor is not None and app.runs.ready:
            app.run_worker(executor.unload_action(name), group="executor", exit_on_error=False)

    # -- saving -------------------------------------------------------------------------------

    def save(self, message: m.SaveRequested) -> None:
        app = self.app
        ws = app.workspace
        action = self._action(message.hook)
        editor = app.editor
        if ws is None or action is None:
            app.notify(f"the action {message.hook} no longer exists on disk: your buffer is kept; `hooktui new "
                       f"{message.hook!r} --action --trigger T` recreates it, then paste", severity="error", timeout=12)
            return
        try:
            if message.kind == "script":
                path = action.code_path
                write_code(ws, action, message.text)
            else:
                path = action.meta_path
                write_json(ws, action, unmasked_json(message.text, self._known_secrets.get(action.name, {})))
        except (OSError, WorkspaceError, ValueError) as e:
            app.notify(f"not saved: {e}", title="save", severity="error", timeout=10)  # the buffer stays
            return
        app.edits.note_write(path)
        editor.saved(message.kind, message.text)
        app.log_buffer.add("info", "reload", f"saved {app.rel(path)}", hook=action.name)
        saved = self._action(action.name)
        if message.kind == "meta" and saved is not None:
            editor.disk_changed("meta", self.masked(saved))  # the reformatted JSON, cursor kept
            self.show_problems(saved)
        app.refresh_rows()
        self._run_on_save(action.name)

    def _run_on_save(self, name: str) -> None:
        """Run the tester's event again when the saved action is what the tester holds, or is in
        the flow it holds."""
        app = self.app
        tester = app.tester
        if not tester.run_on_save or self.current is None:
            return
        kind, held = self.current
        action = self._action(name)
        if (kind == "action" and held == name) or (
                kind == "flow" and action is not None and name in self._bound(held)):
            tester.request_run()

    def _bound(self, trigger: str) -> list[str]:
        ws = self.app.workspace
        return ws.bindings.action_names(trigger) if ws is not None else []

    def save_event(self, message: m.EventSaveRequested) -> None:
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        # An action's own events go to payloads/<action>/, a flow's to payloads/actions/<trigger>/:
        # where action_events looks for them.
        owner, folder = ((message.name, ws.config.payloads_dir) if message.kind == "action"
                         else (message.trigger, f"{ws.config.payloads_dir}/actions"))
        try:
            path = payload_files.save_workspace_payload(ws.root, owner, message.event_name, message.event,
                                                        overwrite=message.overwrite, payloads_dir=folder)
        except FileExistsError:
            app.notify(f"an event named {message.event_name!r} exists there: choose another name", severity="warning")
            return
        except (OSError, ValueError, TypeError) as e:
            app.notify(f"not saved: {e}", severity="error")
            return
        app.edits.note_write(path)
        app.notify(f"saved {app.rel(path)}")
        app.tester.set_payloads(self._events(message.trigger, message.name if message.kind == "action" else None))

    # -- runs ---------------------------------------------------------------------------------

    def run(self, message: m.ActionRunRequested) -> None:
        app = self.app
        runs = app.runs
        ws = app.workspace
        if ws is None:
            return
        if not runs.ready or runs.executor is None:
            app.notify("the executor is not running: the log says why" if runs.failed else
                       "the executor is still starting: run again in a moment",
                       severity="error" if runs.failed else "warning")
            return
        try:
            if message.kind == "flow":
                actions = flow_actions(ws, message.trigger)
            else:
                actions = [ws.action(message.name)]
            for action in actions:
                blockers = run_blockers(action)
                if blockers:
                    raise WorkspaceError(f"{action.name} cannot run: {blockers[0]}")
            specs = [action_spec(ws, a) for a in actions]
        except (WorkspaceError, KeyError) as e:
            text = str(e.args[-1]) if isinstance(e, KeyError) and e.args else str(e)
            app.notify(text, severity="error", timeout=10)
            app.log_buffer.add("error", "run", text)
            return
        for spec in specs:
            self.running.add(spec.name)
        app.tester.set_running(True)
        app.run_worker(self._execute(message, specs), name="_run_action", group="runs", exit_on_error=False)
        if not app.tester.display:
            what = f"the {message.trigger} flow" if message.kind == "flow" else message.name
            app.flash_line.flash(f"▶ running {what} with {message.payload_name}…", seconds=30)

    async def _execute(self, message: m.ActionRunRequested, specs: list[Any]) -> None:
        executor = self.app.runs.executor
        assert executor is not None
        result: ActionResult | FlowResult
        try:
            if message.kind == "flow":
                result = await executor.run_flow(message.trigger, specs, message.event)
            else:
                result = await executor.run_action(specs[0], message.event)
        except (ExecutorError, ValueError, TypeError) as e:
            result = ActionResult.failed(specs[0].name, message.trigger, "", str(e), [], "executor")
            if message.kind == "flow":
                result = FlowResult(message.trigger, [result], [], 0.0)
        self.app.post_message(m.ActionRunFinished(result, message.payload_name, message.event))

    def run_open(self) -> bool:
        """The run key while an action or a flow is open: the tester's event. False when neither is."""
        if self.current is None:
            return False
        app = self.app
        tester = app.tester
        if not tester.request_run() and not tester.display and tester.problem:
            app.flash_line.flash(f"{tester.problem} · {app.key_for('app.focus_tester', 'f4')} shows it", "error")
        return True

    def finished(self, message: m.ActionRunFinished) -> None:
        app = self.app
        result = app.redactor.action_result(message.result)
        steps = result.actions if isinstance(result, FlowResult) else [result]
        now = time.time()
        for step in steps:
            self.last_results[step.name] = step
            self.last_run_at[step.name] = now
        ran = {step.name for step in steps}
        if isinstance(result, FlowResult):
            # Every action the run was started with: those not run, and those after a failure
            # to start, are no longer running either.
            ran |= {item["action"] for item in result.not_run} | set(self._bound(result.trigger))
            who, source = f"{result.trigger} flow", result.trigger
        else:
            who, source = result.name, result.name
        self.running -= ran
        verdict = _verdict(result)
        level = "info" if verdict.startswith("✔") else ("warn" if verdict.startswith("⛔") else "error")
        app.log_buffer.add(level, source, f"{verdict} in {result.duration_ms:.1f} ms ({message.payload_name})",
                           hook=source)
        for warning in result.warnings:
            app.log_buffer.add("warn", source, warning, hook=source)
        app.log_pane.flush_now()
        for name in ran:
            self.update_row(name)
        tester = app.tester
        tester.set_running(False)
        kind = "flow" if isinstance(result, FlowResult) else "action"
        if self.current == (kind, result.trigger if kind == "flow" else result.name):
            tester.show_action_result(result, message.payload_name, message.payload)
        failed = result.failed_action if isinstance(result, FlowResult) else (None if result.ok else result)
        if failed is not None and failed.location is not None and app.editor.holds("action", failed.name):
            app.editor.show_error("script", failed.location.line, failed.location.column,
                                  failed.error_message or "error")
        elif failed is None and self.current is not None and app.editor.target == "action":
            app.editor.clear_error("script")
        if not tester.display:
            show = app.key_for("app.focus_tester", "f4")
            app.flash_line.flash(f"{who}: {verdict} · {show} shows the result",
                                 "success" if level == "info" else "error")

    # -- the list's edits ---------------------------------------------------------------------

    def bind(self, message: m.ActionBindRequested) -> None:
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        try:
            if message.bound:
                binding_edits.bind(ws, message.trigger, message.action)
            else:
                binding_edits.unbind(ws, message.trigger, message.action)
        except (OSError, WorkspaceError) as e:
            app.notify(f"not changed: {e}", severity="error", timeout=10)
            return
        app.edits.note_write(ws.bindings.path)
        names = ws.bindings.action_names(message.trigger)
        if message.bound:
            text = (f"bound {message.action} to {message.trigger}, {_ordinal(names.index(message.action) + 1)} of "
                    f"{len(names)} (triggers/triggers.json)")
        else:
            text = f"unbound {message.action} from {message.trigger} (triggers/triggers.json)"
        self._bindings_changed(message.trigger, text)

    def reorder(self, message: m.ActionReorderRequested) -> None:
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        try:
            binding_edits.move(ws, message.trigger, message.action, message.offset)
        except (OSError, WorkspaceError) as e:
            app.notify(f"not moved: {e}", severity="error", timeout=10)
            return
        app.edits.note_write(ws.bindings.path)
        names = ws.bindings.action_names(message.trigger)
        self._bindings_changed(message.trigger, f"{message.trigger} runs {' → '.join(names)}")

    def _bindings_changed(self, trigger: str, text: str) -> None:
        app = self.app
        app.log_buffer.add("info", "workspace", text)
        app.notify(text)
        app.refresh_rows()
        if self.current == ("flow", trigger):
            app.tester.set_flow(trigger, self._bound(trigger), self._events(trigger, None))

    def create(self, message: m.ActionCreateRequested) -> None:
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        try:
            action = create_action(ws, message.name, message.trigger, action_template_for(message.trigger))
        except (OSError, WorkspaceError, KeyError, ValueError) as e:
            app.notify(f"not created: {e}", severity="error", timeout=10)
            return
        for path in (action.code_path, action.meta_path):
            app.edits.note_write(path)
        text = f"created {app.rel(action.meta_path)} and {app.rel(action.code_path)}"
        if message.bind:
            try:
                binding_edits.bind(ws, message.trigger, action.name)
                app.edits.note_write(ws.bindings.path)
                text += f", bound last in {message.trigger}"
            except (OSError, WorkspaceError) as e:
                text += f"; not bound: {e}"
        app.log_buffer.add("info", "workspace", text)
        app.notify(text)
        app.refresh_rows()
        self.open_action(action.name)
        app.action_focus_pane("editor")

    def delete(self, message: m.ActionDeleteRequested) -> None:
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        if app.editor.holds("action", message.action) and app.editor.dirty:
            app.notify(f"{message.action} has unsaved changes: save or undo them first", severity="warning")
            return
        try:
            removed = delete_action(ws, message.action)
        except (OSError, WorkspaceError) as e:
            app.notify(f"not deleted: {e}", severity="error", timeout=10)
            return
        app.edits.note_write(ws.bindings.path)
        text = f"deleted the action {message.action} ({', '.join(app.rel(p) for p in removed)})"
        app.log_buffer.add("info", "workspace", text)
        app.notify(text)
        self._gone(message.action)
        app.refresh_rows()

    def _gone(self, name: str) -> None:
        app = self.app
        if app.editor.holds("action", name):
            app.editor.close()
        self.forget(name)

    # -- the disk -----------------------------------------------------------------------------

    def files_changed(self, fresh: set[str], before: set[str]) -> None:
        """The workspace was reloaded after these files changed (resolved paths) on disk, not by
        the console; `before` are the action names before the reload."""
        app = self.app
        ws = app.workspace
        if ws is None:
            return
        after = {a.name for a in ws.actions}
        for name in sorted(after - before):
            app.log_buffer.add("info", "watch", f"the action {name} appeared on disk", hook=name)
        for name in sorted(before - after):
            app.log_buffer.add("info", "watch", f"the action {name} is gone from disk", hook=name)
            if app.editor.holds("action", name) and app.editor.dirty:
                app.notify(f"the action {name} was deleted on disk; your unsaved buffer is kept", severity="warning",
                           timeout=12)
                continue
            self._gone(name)
        touched = []
        for action in ws.actions:
            files = {str(Path(p).resolve()) for p in (action.meta_path, action.code_path) if p is not None}
            if files & fresh:
                touched.append(action)
        if self.current is not None and self.current[0] == "flow" and str(ws.bindings.path.resolve()) in fresh:
            trigger = self.current[1]
            app.tester.set_flow(trigger, self._bound(trigger), self._events(trigger, None))
        for action in touched:
            if not app.editor.holds("action", action.name):
                continue
            if action.code_path is not None and str(action.code_path.resolve()) in fresh:
                try:
                    app.editor.disk_changed("script", raw_code(action))
                except WorkspaceError:
                    pass
            if str(action.meta_path.resolve()) in fresh:
                app.editor.disk_changed("meta", self.masked(action))
                self.show_problems(action)
        for action in touched:
            for problem in action.problems:
                if str(Path(app.root, problem.file).resolve()) in fresh:
                    app.log_buffer.add("error" if problem.severity == "error" else "warn", "validation",
                                       str(problem), hook=action.name)
        for action in touched:
            self._run_on_save(action.name)


class ActionMessages:
    """The App's handlers of the panes' action Messages (a mixin: Textual finds `on_<message>`
    methods along the App's MRO), each handing the work to the App's ActionConsole."""

    actions: ActionConsole
    is_running: bool

    def on_action_open_requested(self, message: m.ActionOpenRequested) -> None:
        self.actions.open_action(message.action)
        self.action_focus_pane("editor")  # type: ignore[attr-defined]

    def on_flow_open_requested(self, message: m.FlowOpenRequested) -> None:
        self.actions.open_flow(message.trigger)

    def on_action_bind_requested(self, message: m.ActionBindRequested) -> None:
        self.actions.bind(message)

    def on_action_reorder_requested(self, message: m.ActionReorderRequested) -> None:
        self.actions.reorder(message)

    def on_action_create_requested(self, message: m.ActionCreateRequested) -> None:
        self.actions.create(message)

    def on_action_delete_requested(self, message: m.ActionDeleteRequested) -> None:
        self.actions.delete(message)

    def on_action_run_requested(self, message: m.ActionRunRequested) -> None:
        self.actions.run(message)

    def on_action_run_finished(self, message: m.ActionRunFinished) -> None:
        if self.is_running:  # not news that arrives while the app shuts down
            self.actions.finished(message)

    def on_event_save_requested(self, message: m.EventSaveRequested) -> None:
        self.actions.save_event(message)
