"""The console's edits of workspace files: opening a hook into the panes, new, rename, delete and
enable from the hook list, saving the editor's buffers (and bringing back a hook deleted on disk
under unsaved edits), $EDITOR, and saving payloads. Secret values never reach the screen: the
settings buffer shows them masked and a save puts the real values back.

HookEdits is the App's delegate for these; every write goes through the workspace's atomic writes
and is remembered, so that the watcher's echo of it is skipped.
"""

from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooktui.core import payloads as payload_files
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.hook_meta import Hook, ordered_meta, validate_meta_text
from hooktui.core.problems import WorkspaceError
from hooktui.core.templates import template_for
from hooktui.core.triggers import Trigger
from hooktui.tui import messages as m
from hooktui.tui.dialogs import ConfirmDialog

if TYPE_CHECKING:
    from hooktui.tui.app import HooktuiApp

SECRET_MASK = "••••••••"


class HookEdits:
    """What the console writes to the workspace, and what it last read of each hook's secrets."""

    def __init__(self, app: HooktuiApp) -> None:
        self.app = app
        self._own_writes: dict[str, str] = {}  # path -> sha1 of what we wrote, so the watcher skips it
        self._known_secrets: dict[str, dict[str, Any]] = {}  # hook -> secret values last read from disk

    # -- opening ------------------------------------------------------------------------------

    def open(self, name: str) -> None:
        app = self.app
        hook = app.hook_named(name)
        if hook is None or app.workspace is None:
            app.notify(f"no hook named {name!r}", severity="error")
            return
        editor = app.editor
        if editor.dirty and not editor.holds("hook", hook.deployed_name):
            app.run_worker(self._confirm_switch(hook), name="_confirm_switch", group="confirm", exclusive=True,
                           exit_on_error=False)
            return
        self._load_into_panes(hook)

    async def _confirm_switch(self, hook: Hook) -> None:
        app = self.app
        editor = app.editor
        kinds = ", ".join(editor.dirty_labels())
        ok = await app.push_screen_wait(ConfirmDialog(
            "Unsaved changes", f"{editor.hook} has unsaved changes ({kinds}). Open {hook.deployed_name} and "
            "discard them?", confirm_label="Discard", cancel_label="Keep editing", danger=True))
        if ok:
            self._load_into_panes(hook)

    def _load_into_panes(self, hook: Hook) -> None:
        app = self.app
        assert app.workspace is not None
        name = hook.deployed_name
        try:
            script = app.workspace.raw_script(hook) if hook.script_path and hook.script_path.exists() else ""
        except (OSError, WorkspaceError) as e:
            app.notify(f"cannot read the script of {name}: {e}", severity="error")
            script = ""
        app.current = name
        app.actions.current = None  # no action or flow is open now
        app.editor.open(
            name, script=script, meta=self.masked_meta(hook), script_file=app.rel(hook.script_path),
            meta_file=app.rel(hook.meta_path))
        if name in app.runs.load_errors:
            msg, line, col = app.runs.load_errors[name]
            app.editor.show_error("script", line, col, msg)
        self.show_meta_problems(hook)
        samples = payload_files.available_payloads(hook.trigger, app.workspace.root, name,
                                                   payloads_dir=app.workspace.config.payloads_dir)
        app.tester.set_hook(name, hook.trigger, samples)
        app.hook_list.select(name)

    def show_meta_problems(self, hook: Hook) -> None:
        """The errors of the hook's settings file on disk, under the editor (they go when the file
        changes and is valid)."""
        app = self.app
        meta = app.rel(hook.meta_path)
        app.editor.show_problems([p for p in hook.problems if p.severity == "error" and p.file == meta])

    def masked_meta(self, hook: Hook) -> str:
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

    # -- the hook list's edits -----------------------------------------------------------------

    def create_hook(self, message: m.HookCreateRequested) -> None:
        app = self.app
        if app.workspace is None:
            return
        try:
            hook = app.workspace.create_hook(message.name, Trigger(message.trigger), template_for(message.trigger))
        except (WorkspaceError, ValueError) as e:
            app.notify(str(e), title="new hook", severity="error", timeout=10)
            return
        self.note_write(hook.script_path)
        self.note_write(hook.meta_path)
        app.workspace.reload()
        app.refresh_rows()
        app.log_buffer.add("info", "workspace", f"created {app.rel(hook.script_path)} and {app.rel(hook.meta_path)}")
        self.open(hook.deployed_name)
        app.action_focus_pane("editor")

    def rename_hook(self, message: m.HookRenameRequested) -> None:
        app = self.app
        if app.workspace is None:
            return
        editor = app.editor
        if editor.hook == message.hook and editor.dirty:
            app.notify("save or discard the open hook's changes before renaming it", severity="warning")
            return
        try:
            hook = app.workspace.rename_hook(message.hook, message.new_name)
        except (WorkspaceError, KeyError, ValueError) as e:
            app.notify(str(e), title="rename", severity="error", timeout=10)
            return
        self.note_write(hook.script_path)
        self.note_write(hook.meta_path)
        app.forget_hook(message.hook)
        app.workspace.reload()
        app.tester.rename_hook(message.hook, hook.deployed_name)
        app.refresh_rows()
        app.log_buffer.add("info", "workspace", f"renamed {message.hook} to {hook.deployed_name}")
        if app.current == message.hook:
            self.open(hook.deployed_name)

    def delete_hook(self, message: m.HookDeleteRequested) -> None:
        app = self.app
        if app.workspace is None:
            return
        try:
            removed = app.workspace.delete_hook(message.hook)
        except (WorkspaceError, KeyError) as e:
            app.notify(str(e), title="delete", severity="error", timeout=10)
            return
        app.forget_hook(message.hook)
        app.workspace.reload()
        app.refresh_rows()
        app.log_buffer.add("info", "workspace", f"deleted {', '.join(app.rel(p) for p in removed)}")
        app.notify(f"deleted {message.hook}")
        if app.current == message.hook:
            app.current = None
            app.editor.close()

    def toggle_hook(self, message: m.HookToggleRequested) -> None:
        app = self.app
        hook = app.hook_named(message.hook)
        if hook is None or app.workspace is None:
            return
        try:
            disabled = app.workspace.set_enabled(hook, not hook.enabled)
        except WorkspaceError as e:
            app.notify(str(e), title="enable", severity="error", timeout=10)
            return
        self.note_write(hook.meta_path)
        for other in disabled:
            self.note_write(other.meta_path)
        app.workspace.reload()
        app.refresh_rows()
        now = "enabled" if not hook.enabled else "disabled"
        text = f"{hook.deployed_name} {now}"
        if disabled:
            text += f"; disabled {', '.join(h.deployed_name for h in disabled)} (one enabled hook per trigger)"
        app.notify(text)
        app.log_buffer.add("info", "workspace", text)
        if app.current == hook.deployed_name:
            fresh = app.hook_named(hook.deployed_name)
            if fresh is not None:
                app.editor.disk_changed("meta", self.masked_meta(fresh))

    # -- saving -------------------------------------------------------------------------------

    def note_write(self, path: Path | None) -> None:
        """Remember what the console wrote to `path`, so that the watcher's echo of it is skipped."""
        if path is None:
            return
        try:
            self._own_writes[str(Path(path).resolve())] = hashlib.sha1(Path(path).read_bytes()).hexdigest()
        except OSError:
            pass

    def is_own_echo(self, path: str) -> bool:
        """Whether a change the watcher saw at `path` (resolved) is only the console's own write."""
        expected = self._own_writes.pop(path, None)
        if expected is None:
            return False
        try:
            return hashlib.sha1(Path(path).read_bytes()).hexdigest() == expected
        except OSError:
            return False

    def save(self, message: m.SaveRequested) -> None:
        app = self.app
        hook = app.hook_named(message.hook)
        if app.workspace is not None and hook is None and app.editor.hook == message.hook:
            self._recreate(message.hook)
            return
        if hook is None or app.workspace is None:
            app.notify(f"{message.hook} no longer exists on disk", severity="error")
            return
        editor = app.editor
        try:
            if message.kind == "script":
                app.workspace.write_script(hook, message.text)
                path = hook.script_path
            else:
                path = hook.meta_path
                atomic_write(path, self._unmasked_meta(hook, message.text))
        except (OSError, WorkspaceError, ValueError) as e:
            # The buffer stays as it is: nothing the user typed is lost.
            app.notify(f"not saved: {e}", title="save", severity="error", timeout=10)
            return
        self.note_write(path)
        editor.saved(message.kind, message.text)
        app.log_buffer.add("info", "reload", f"saved {app.rel(path)}", hook=hook.deployed_name)
        app.workspace.reload()
        if message.kind == "meta":
            # What was written is the reformatted JSON: show exactly that, cursor kept.
            editor.disk_changed("meta", self.masked_meta(app.workspace.hook(hook.deployed_name)))
        app.refresh_rows()
        app.runs.reload_hook(hook.deployed_name, run_after=True)

    def _recreate(self, name: str) -> None:
        """The open hook's files are gone from disk: write both buffers as the hook again."""
        from hooktui.tui.recreate import recreate_hook

        app = self.app
        assert app.workspace is not None
        editor = app.editor
        meta = editor.text("meta")
        errors = [p for p in validate_meta_text(meta, file=editor.file("meta"), hook_name=name,
                                                keywords=editor.keywords) if p.severity == "error"]
        if errors:
            editor.action_show_tab("meta")
            editor.action_save()  # shows the problems under the editor, writes nothing
            return
        script = editor.text("script")
        try:
            hook, disabled, written = recreate_hook(app.workspace, script, meta, mask=SECRET_MASK,
                                                    known_secrets=self._known_secrets.get(name, {}))
        except (OSError, WorkspaceError, ValueError) as e:
            app.notify(f"{name} not recreated: {e}", title="save", severity="error", timeout=12)
            return
        for path in written:
            self.note_write(path)
        files = [app.rel(hook.script_path), app.rel(hook.meta_path)]
        text = f"{name} was deleted on disk: recreated {' and '.join(files)} from the editor"
        if disabled:
            text += f"; disabled {', '.join(h.deployed_name for h in disabled)} (one enabled hook per trigger)"
        app.log_buffer.add("info", "workspace", text, hook=hook.deployed_name)
        app.notify(text, timeout=10)
        app.current = hook.deployed_name
        editor.saved_as(hook.deployed_name, script=script, meta=self.masked_meta(hook),
                        script_file=files[0], meta_file=files[1])
        app.refresh_rows()
        app.hook_list.select(hook.deployed_name)
        samples = payload_files.available_payloads(hook.trigger, app.workspace.root, hook.deployed_name,
                                                   payloads_dir=app.workspace.config.payloads_dir)
        app.tester.set_hook(hook.deployed_name, hook.trigger, samples)
        app.runs.reload_hook(hook.deployed_name, run_after=True)

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

    def external_edit(self, message: m.ExternalEditRequested) -> None:
        app = self.app
        if message.target == "action":
            action = next((a for a in app.workspace.actions if a.name == message.hook), None) if app.workspace else None
            if action is None:
                return
            path = action.code_path if message.kind == "script" else action.meta_path
        else:
            hook = app.hook_named(message.hook)
            if hook is None:
                return
            path = hook.script_path if message.kind == "script" else hook.meta_path
        editor = app.editor
        if message.kind in editor.dirty_kinds():
            app.notify("save (ctrl+s) first: the external editor opens the file on disk", severity="warning")
            return
        command = app.env.get("VISUAL") or app.env.get("EDITOR")
        if not command:
            app.notify("set $VISUAL or $EDITOR to edit in your own editor", severity="warning")
            return
        from textual.app import SuspendNotSupported

        try:
            with app.suspend():
                subprocess.call([*shlex.split(command), str(path)])
        except SuspendNotSupported:
            app.notify("$EDITOR cannot run here (textual serve has no terminal to hand over)", severity="warning")
            return
        except OSError as e:
            app.notify(f"cannot start {command!r}: {e}", severity="error")
            return
        # Handled here: the watcher's echo of the same content is skipped.
        app.files_changed_on_disk([str(path)])

    def save_payload(self, message: m.PayloadSaveRequested) -> None:
        app = self.app
        if app.workspace is None:
            return
        try:
            path = payload_files.save_workspace_payload(
                app.workspace.root, message.hook, message.name, message.payload, overwrite=message.overwrite,
                payloads_dir=app.workspace.config.payloads_dir)
        except FileExistsError:
            app.notify(f"a payload named {message.name!r} exists for {message.hook}: choose another name",
                       severity="warning")
            return
        except (OSError, ValueError) as e:
            app.notify(f"not saved: {e}", severity="error")
            return
        self.note_write(path)
        app.notify(f"saved {app.rel(path)}")
        hook = app.hook_named(message.hook)
        if hook is not None and message.hook == app.current:
            samples = payload_files.available_payloads(hook.trigger, app.workspace.root, message.hook,
                                                       payloads_dir=app.workspace.config.payloads_dir)
            app.tester.set_payloads(samples)

    def save_open_buffers(self) -> bool:
        """Save the open hook's unsaved buffers now (settings validated first). False, with the
        reason shown, when something could not be saved: the buffers are kept as they are."""
        app = self.app
        editor = app.editor
        hook = editor.hook
        if hook is None:
            return True
        for kind in editor.dirty_kinds():
            text = editor.text(kind)
            if kind == "meta" and editor.meta_errors(text):
                editor.action_show_tab("meta")
                editor.action_save()  # shows the problems under the editor
                return False
            app.save(m.SaveRequested(hook, kind, text, editor.target))
        return not editor.dirty
