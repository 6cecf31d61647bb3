"""What a change on disk means for the console: the workspace reloaded, the hooks whose files
changed compiled again (and run, with run on save), the list and the editor brought along (a
clean buffer shows the new text, a dirty one asks), and a deleted hook forgotten.

DiskChanges is the App's delegate for it; the App's watcher worker posts WorkspaceChanged and
the App's handler calls `changed` on its own thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hooktui.core.hook_meta import Hook
from hooktui.core.problems import WorkspaceError

if TYPE_CHECKING:
    from hooktui.tui.app import HooktuiApp


class DiskChanges:
    def __init__(self, app: HooktuiApp) -> None:
        self.app = app

    def changed(self, paths: list[str]) -> None:
        """Files changed on disk (the watcher saw them, or a tenant operation or $EDITOR wrote
        them): reload the workspace, re-run what run on save asks for, and bring the panes along."""
        app = self.app
        if app.workspace is None:
            app._open_workspace()
            return
        fresh = []
        for p in paths:
            key = str(Path(p).resolve())
            if app.edits.is_own_echo(key):
                continue  # our own save: already handled
            fresh.append(key)
        if not fresh:
            return
        before = {h.deployed_name for h in app.workspace.hooks}
        actions_before = {a.name for a in app.workspace.actions}
        try:
            app.workspace.reload()
        except WorkspaceError as e:
            app.log_buffer.add("error", "validation", str(e))
            return
        after = {h.deployed_name for h in app.workspace.hooks}
        app.actions.files_changed(set(fresh), actions_before)
        # An action's files or the bindings: its row and its place in the flow may have changed.
        actions_touched = any(Path(p).is_relative_to(app.root / d) for p in fresh for d in ("actions", "triggers"))
        app.tenant.recompute()  # the sync status follows the files, against the last fetch
        for name in sorted(after - before):
            app.log_buffer.add("info", "watch", f"{name} appeared on disk", hook=name)
        for name in sorted(before - after):
            app.log_buffer.add("info", "watch", f"{name} is gone from disk", hook=name)
            app.forget_hook(name)
        for problem in app.workspace.problems:
            if str(Path(app.root, problem.file).resolve()) in fresh:
                app.log_buffer.add("error" if problem.severity == "error" else "warn", "validation", str(problem),
                                    hook=problem.hook or "")
        touched = set()
        for hook in app.workspace.hooks:
            files = {str(Path(f).resolve()) for f in (hook.script_path, hook.meta_path) if f is not None}
            if files & set(fresh):
                touched.add(hook.deployed_name)
        # The executor first: Node reloads and runs while the panes below redraw.
        for name in sorted(touched):
            hook = app.hook_named(name)
            if hook is not None and hook.valid:
                app.runs.reload_hook(name, run_after=True)
        if before == after and not actions_touched:
            # The same hooks: redraw only the ones whose files changed, the list stays put.
            app._rebuild_redactor()
            for name in touched:
                app.update_row(name)
        else:
            app.refresh_rows()
        editor = app.editor
        if app.current is not None and app.current not in after:
            if not editor.dirty:
                app.current = None
                editor.close()
            else:
                app.notify(f"{app.current} was deleted on disk; your unsaved buffer is kept (ctrl+s writes it back)",
                            severity="warning", timeout=12)
        hook = app.hook_named(app.current) if app.current in touched else None
        if hook is not None:
            def refresh_editor(hook: Hook = hook) -> None:
                if app.workspace is None or app.editor.hook != hook.deployed_name:
                    return
                if hook.script_path is not None and str(hook.script_path.resolve()) in fresh:
                    try:
                        app.editor.disk_changed("script", app.workspace.raw_script(hook))
                    except (OSError, WorkspaceError):
                        pass
                if str(Path(hook.meta_path).resolve()) in fresh:
                    app.editor.disk_changed("meta", app.edits.masked_meta(hook))
                    app.edits.show_meta_problems(hook)

            if hook.deployed_name in app.runs.running:
                # Re-highlighting the buffer costs a frame: the run-on-save result goes first,
                # unless the run takes long (a hook that hangs), then the editor does not wait.
                done = False

                def once() -> None:
                    nonlocal done
                    if not done:
                        done = True
                        refresh_editor()

                app.runs.after_run(hook.deployed_name, once)
                app.set_timer(0.15, once)
            else:
                refresh_editor()
