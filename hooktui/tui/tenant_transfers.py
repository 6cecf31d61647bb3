"""The tenant's write operations from the console: push (plan, confirm, force), pull, diff and
enable/disable, each after the open hook's unsaved edits are saved when it concerns them.
Mixed into TenantController (tenant.py), whose workers, checks and state they use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.content import Content

from hooktui.tui import messages as m
from hooktui.tui.dialogs import ChoiceDialog, ConfirmDialog, DiffDialog, PlanDialog

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from hooktui.sync.status import Entry
    from hooktui.tui.tenant import TenantHost

SOURCE = "tenant"  # sync progress, results and rate-limit waits in the log stream


class TenantTransfers:
    """Push, pull, diff and enable/disable; the controller supplies the rest."""

    if TYPE_CHECKING:
        app: TenantHost
        label: str
        busy: str | None
        entries: dict[str, Entry]
        _stale: bool

        def _ready(self, action: str, *, write: bool = True) -> bool: ...
        def _run(self, action: str, work: Callable[[], Awaitable[m.TenantMessage | None]], *,
                 group: str = "tenant", exclusive: bool = False) -> Any: ...
        async def _syncer(self) -> Any: ...
        def refresh(self, *, quiet: bool = False, reread: bool = True, announce: bool = False) -> None: ...

    # ------------------------------------------------------------------ unsaved edits

    def _after_saving(self, names: list[str] | None, verb: str, then: Callable[[], None]) -> None:
        """Run `then` once the open hook's unsaved edits are saved, if the operation concerns it:
        an operation works on the files on disk, so it would miss them. Never discards them."""
        editor = self.app.editor
        hook = editor.hook
        if not (hook and editor.dirty and (names is None or hook in names)):
            then()
            return
        kinds = ", ".join(editor.dirty_labels())
        if verb == "push":
            why = "A push sends the files on disk, so it would send the saved version, not what you see."
        else:
            why = ("A pull works on the files on disk. Saved first, your edit counts as a local change "
                   "that the pull keeps (if the tenant changed too, its copy goes beside yours).")

        def answered(choice: str | None) -> None:
            if choice == "save" and self.app.save_open_buffers():
                then()
            elif choice != "save":
                self.app.log_buffer.add("info", SOURCE, f"{verb} cancelled: {hook} has unsaved changes")

        self.app.push_screen(ChoiceDialog(
            f"Unsaved changes in {hook}",
            f"{hook} has unsaved changes ({kinds}). {why} Save them first?",
            [("save", f"Save, then {verb}"), ("cancel", "Cancel")]), answered)

    # ------------------------------------------------------------------ push

    def request_push(self, names: list[str] | None) -> None:
        """Plan a push of `names` (every hook when None), show the plan, apply it once confirmed."""
        if self._ready("push"):
            self._after_saving(names, "push", lambda: self._plan_push(names))

    def _plan_push(self, names: list[str] | None) -> None:
        if not self._ready("push"):
            return
        self.busy = "push"
        what = ", ".join(names) if names else "every hook"
        self.app.log_buffer.add("info", SOURCE, f"planning a push of {what} to {self.label}")

        async def work() -> m.TenantMessage:
            from hooktui.core.problems import WorkspaceError
            from hooktui.sync.plan import plan_push
            from hooktui.sync.status import Status

            refused = await self.app.compile_check(names)
            if names and all(n in refused for n in names):
                raise WorkspaceError("; ".join(f"{n} not pushed: {refused[n]}" for n in names))
            syncer = await self._syncer()
            entries = await syncer.entries()
            from hooktui.sync.apply import local_hooks

            _, invalid = local_hooks(syncer.ws)
            refused = {**invalid, **refused}
            if names:
                known = {e.name for e in entries}
                unknown = [n for n in names if n not in known]
                if unknown:
                    raise WorkspaceError(f"no hook named {', '.join(unknown)} in the workspace or on the tenant")
            plan = plan_push(entries, syncer.state, only=names, refused=refused)
            conflicts = [e.name for e in entries if e.status is Status.CONFLICT and e.local is not None
                         and (names is None or e.name in names) and e.name not in refused]
            forced = plan_push(entries, syncer.state, only=names, force=True, refused=refused) if conflicts else None
            self.app.post_message(m.TenantStatusFetched(entries, syncer.tenant_key, quiet=True))
            return m.TenantPushPlanned(names, plan, forced, conflicts, syncer)

        self._run("push", work)

    def _push_planned(self, message: m.TenantPushPlanned) -> None:
        plan, conflicts = message.plan, message.conflicts
        if not plan.steps and not conflicts:
            self.busy = None
            if plan.record:
                self._apply_push(message.syncer, plan, quiet=True)
            refused = [s for s in plan.skipped if s.error]
            for skip in plan.skipped:
                self.app.log_buffer.add("error" if skip.error else "warn", SOURCE, f"{skip.hook} not pushed: {skip.reason}",
                                        hook=skip.hook)
            if plan.skipped:
                text = "\n".join(f"{s.hook}: {s.reason}" for s in plan.skipped)
                self.app.notify(text, title="nothing pushed", severity="error" if refused else "warning", timeout=15)
            else:
                what = ", ".join(message.names) if message.names else "every hook"
                self.app.log_buffer.add("info", SOURCE, f"nothing to push: {what} in sync with {self.label}")
                self.app.notify(f"nothing to push: {what} in sync with the tenant")
            return
        body = self.plan_text(plan, message.forced, conflicts)
        push_label = f"Push {len(plan.hooks())} hook{'s' if len(plan.hooks()) != 1 else ''}" if plan.steps else None
        force_label = f"Force: overwrite {', '.join(conflicts)} on the tenant…" if conflicts else None
        self.app.log_buffer.add("info", SOURCE, f"push plan: {len(plan.steps)} request(s) for "
                                                f"{', '.join(plan.hooks()) or 'no hook'}; waiting for your answer")

        def answered(choice: str | None) -> None:
            if choice == "push":
                self._apply_push(message.syncer, plan)
            elif choice == "force" and message.forced is not None:
                self._confirm_force(message)
            else:
                self.busy = None
                self.app.log_buffer.add("info", SOURCE, "push cancelled: nothing sent")

        self.app.push_screen(PlanDialog(f"Push to {self.label}", body, push_label=push_label,
                                        force_label=force_label), answered)

    def _confirm_force(self, message: m.TenantPushPlanned) -> None:
        names = ", ".join(message.conflicts)
        diff = self.app.key_for("tenant.diff", "alt+d")

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.log_buffer.add("warn", SOURCE, f"forced push: the tenant's copy of {names} is overwritten")
                self._apply_push(message.syncer, message.forced)
            else:
                self.busy = None
                self.app.log_buffer.add("info", SOURCE, "push cancelled: nothing sent")

        self.app.push_screen(ConfirmDialog(
            "Overwrite the tenant's copy?",
            f"{names} changed on the tenant too since the last sync. Forcing the push replaces the tenant's "
            f"copy with yours: the change made there is lost (not even kept beside yours). "
            f"To keep it, cancel and pull instead ({diff} shows both first).",
            confirm_label=f"Overwrite {names}", cancel_label="Cancel", danger=True), answered)

    def plan_text(self, plan: Any, forced: Any, conflicts: list[str]) -> Content:
        """The push plan for the dialog: the hooks and their steps, the conflicts and what
        forcing would do, what is skipped and why."""
        lines: list[Content] = []
        hooks = plan.hooks()
        if plan.steps:
            lines.append(Content.styled(f"{len(hooks)} hook{'s' if len(hooks) != 1 else ''}, "
                                        f"{len(plan.steps)} request{'s' if len(plan.steps) != 1 else ''}:", "bold"))
        else:
            lines.append(Content.styled("Nothing to push without forcing.", "bold"))
        width = max((len(n) for n in [*hooks, *conflicts, *(s.hook for s in plan.skipped)]), default=0)
        for hook in hooks:
            steps = ", then ".join(s.describe() for s in plan.steps if s.hook == hook)
            lines.append(Content.assemble("  ", (hook.ljust(width), "$text-success"), "  ", steps))
        if conflicts:
            lines += [Content(""), Content.styled("Conflicts: changed here and on the tenant", "bold $text-error")]
            for hook in conflicts:
                steps = ", then ".join(s.describe() for s in forced.steps if s.hook == hook) if forced else ""
                note = forced.entries[hook].note if forced and hook in forced.entries else ""
                lines.append(Content.assemble("  ", (hook.ljust(width), "$text-error"), "  ", note or "conflict"))
                lines.append(Content.styled(f"  {'':{width}}  not pushed; forcing (f) would {steps or 'change it'} "
                                            f"and lose the tenant's change", "$text-muted"))
        others = [s for s in plan.skipped if s.hook not in conflicts]
        if others:
            lines += [Content(""), Content.styled("Skipped", "bold")]
            for skip in others:
                style = "$text-error" if skip.error else "$text-warning"
                label = "refused" if skip.error else "skipped"
                lines.append(Content.assemble("  ", (skip.hook.ljust(width), style), "  ", (label, style), ": ",
                                              skip.reason))
        return Content("\n").join(lines)

    def _apply_push(self, syncer: Any, plan: Any, *, quiet: bool = False) -> None:
        self.busy = "push"
        if not quiet:
            self.app.log_buffer.add("info", SOURCE, f"pushing {', '.join(plan.hooks())} to {self.label}")

        async def work() -> m.TenantMessage:
            return m.TenantPushed(await syncer.push(plan))

        self._run("push", work)

    def _forget(self, names: Iterable[str]) -> None:
        """These hooks changed on the tenant or on disk: "?" until the refresh that follows."""
        for name in names:
            self.entries.pop(name, None)

    def _pushed(self, message: m.TenantPushed) -> None:
        self.busy = None
        self._stale = True
        report = message.report
        self._forget(report.outcomes)
        done = report.pushed()
        deleted = report.deleted()
        failed = [o for o in report.outcomes.values() if not o.ok]
        if done:
            self.app.log_buffer.add("info", SOURCE, f"pushed {', '.join(done)} to {self.label}")
        if deleted:
            self.app.log_buffer.add("info", SOURCE, f"deleted {', '.join(deleted)} on {self.label}")
        for outcome in failed:
            step = outcome.failed.describe() if outcome.failed else "?"
            self.app.log_buffer.add("error", SOURCE, f"not pushed: {outcome.hook}: {step} failed: {outcome.error}",
                                    hook=outcome.hook)
            if outcome.done:
                self.app.log_buffer.add("warn", SOURCE, f"  done before it: {', '.join(s.describe() for s in outcome.done)}")
            if outcome.not_done:
                self.app.log_buffer.add("warn", SOURCE, f"  not done: {', '.join(s.describe() for s in outcome.not_done)}")
        if failed:
            self.app.log_buffer.add("warn", SOURCE, "the state file records what was done: push again to finish")
            self.app.notify("; ".join(f"{o.hook}: {o.error}" for o in failed), title="push failed",
                            severity="error", timeout=15)
        elif done or deleted:
            self.app.notify("; ".join(filter(None, [f"pushed {', '.join(done)}" if done else "",
                                                    f"deleted {', '.join(deleted)}" if deleted else ""])),
                            title=f"tenant {self.label}")
        self.refresh(quiet=True)
        self.app.refresh_hook_rows()

    # ------------------------------------------------------------------ pull

    def request_pull(self, names: list[str] | None) -> None:
        """Bring the tenant's changes into the workspace; a local change is never overwritten (a
        conflict puts the tenant's script in <name>.remote.js beside it)."""
        if self._ready("pull"):
            self._after_saving(names, "pull", lambda: self._pull(names))

    def _pull(self, names: list[str] | None) -> None:
        if not self._ready("pull"):
            return
        self.busy = "pull"
        what = ", ".join(names) if names else "every hook"
        self.app.log_buffer.add("info", SOURCE, f"pulling {what} from {self.label}")

        async def work() -> m.TenantMessage:
            syncer = await self._syncer()
            plan = await syncer.plan_pull(names)
            report = await syncer.pull(plan)
            return m.TenantPulled(report, list(syncer.written))

        self._run("pull", work)

    def _pulled(self, message: m.TenantPulled) -> None:
        self.busy = None
        self._stale = True
        report = message.report
        self._forget(o.hook for o in report.outcomes)
        self.app.files_changed_on_disk(message.changed)
        for skip in report.plan.skipped:
            self.app.log_buffer.add("warn", SOURCE, f"{skip.hook} not pulled: {skip.reason}", hook=skip.hook)
        pulled = [o.hook for o in report.outcomes if o.ok]
        troubles = [o for o in report.outcomes if not o.ok]
        if not report.outcomes and not report.plan.skipped:
            self.app.notify("nothing to pull: the workspace has the tenant's hooks")
            self.app.log_buffer.add("info", SOURCE, f"nothing to pull from {self.label}")
        elif troubles:
            push = self.app.key_for("tenant.push", "alt+p")
            force = f" ({push}, then f to force it, if a merge leaves it in conflict)"
            self.app.notify("\n".join(f"{o.hook}: {o.message}{force if o.conflict else ''}" for o in troubles),
                            title="pull: look at these",
                            severity="warning", timeout=20)
        if pulled:
            self.app.notify(f"pulled {', '.join(pulled)}", title=f"tenant {self.label}")
        elif report.plan.skipped and not troubles:
            self.app.notify("\n".join(f"{s.hook}: {s.reason}" for s in report.plan.skipped), title="nothing pulled",
                            severity="warning", timeout=12)
        self.refresh(quiet=True)
        self.app.refresh_hook_rows()

    # ------------------------------------------------------------------ diff

    def request_diff(self, name: str) -> None:
        """The tenant's copy of `name` against the workspace's, fetched now."""
        if not self._ready("diff", write=False):
            return
        self.app.log_buffer.add("info", SOURCE, f"diff of {name}: asking {self.label}", hook=name)

        async def work() -> m.TenantMessage:
            from hooktui.core.problems import WorkspaceError
            from hooktui.sync.diff import diff_entry

            syncer = await self._syncer()
            entries = await syncer.entries()
            self.app.post_message(m.TenantStatusFetched(entries, syncer.tenant_key, quiet=True))
            entry = next((e for e in entries if e.name == name), None)
            if entry is None:
                raise WorkspaceError(f"no hook named {name} in the workspace or on the tenant")
            path = None
            if entry.local is not None:
                hook = syncer.ws.hook(entry.local.name)
                if hook.script_path is not None:
                    path = Path(hook.script_path).resolve().relative_to(syncer.ws.root.resolve()).as_posix()
            text = diff_entry(entry, syncer.state, script_path=path)
            return m.TenantDiffReady(name, str(entry.status), entry.note, text)

        self._run("diff", work, group="tenant-diff", exclusive=True)

    def _diff_ready(self, message: m.TenantDiffReady) -> None:
        from hooktui.sync.status import Status

        name = message.hook
        editor = self.app.editor
        unsaved = editor.hook == name and editor.dirty
        if not message.text.strip():
            text = f"{name}: no differences with the tenant"
            if unsaved:
                text += " (your unsaved edits are not part of it: ctrl+s first)"
            self.app.log_buffer.add("info", SOURCE, text, hook=name)
            self.app.notify(text)
            return
        actions = []
        status = message.status
        if status in (Status.CHANGED_LOCALLY, Status.CONFLICT, Status.ONLY_LOCAL):
            actions.append(("p", "Push"))
        if status in (Status.CHANGED_REMOTELY, Status.CONFLICT, Status.ONLY_REMOTE):
            actions.append(("l", "Pull"))
        header = [Content.assemble(("tenant", "$text-error"), " (−)  →  ", ("workspace", "$text-success"),
                                   " (+)   ", (status, "bold"))]
        if message.note:
            header.append(Content.styled(message.note, "$text-muted"))
        if unsaved:
            header.append(Content.styled("Unsaved edits in the editor are not part of this diff: ctrl+s first.",
                                         "$text-warning"))

        def answered(choice: str | None) -> None:
            if choice == "p":
                self.request_push([name])
            elif choice == "l":
                self.request_pull([name])

        self.app.push_screen(DiffDialog(f"Diff · {name} · {status}", message.text,
                                        header=Content("\n").join(header), actions=actions), answered)

    # ------------------------------------------------------------------ enable / disable

    def request_toggle_enabled(self, name: str) -> None:
        """Enable or disable `name` on the tenant (and in the workspace, to match), after asking."""
        if not self._ready("enable"):
            return
        entry = self.entries.get(name)
        refresh = self.app.key_for("tenant.refresh", "alt+r")
        if entry is None:
            self.app.notify(f"{name}: its status on the tenant is not known yet ({refresh} asks)", severity="warning")
            return
        if entry.remote is None:
            push = self.app.key_for("tenant.push", "alt+p")
            self.app.notify(f"{name} is not on the tenant yet: push it first ({push})", severity="warning")
            return
        enable = not entry.remote.enabled
        verb = "Enable" if enable else "Disable"
        others = [e.name for e in self.entries.values() if e.remote is not None and e.remote.enabled
                  and e.name != name and e.remote.trigger == entry.remote.trigger]
        text = (f"{verb} {name} on {self.label}? It takes effect there at once, for every "
                f"{entry.remote.trigger} call. The workspace's {name}.json is set to match.")
        if enable and others:
            text += f"\n\n{', '.join(others)} is disabled first, there and here: Auth0 allows one enabled hook per trigger."

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_enabled(name, enable)

        self.app.push_screen(ConfirmDialog(f"{verb} on the tenant", text, confirm_label=verb, cancel_label="Cancel",
                                           danger=not enable), answered)

    def _set_enabled(self, name: str, enabled: bool) -> None:
        if not self._ready("enable"):
            return
        self.busy = "enable"

        async def work() -> m.TenantMessage:
            syncer = await self._syncer()
            lines = await syncer.set_enabled(name, enabled)
            return m.TenantEnabledSet(name, enabled, lines, list(syncer.written))

        self._run("enable", work)

    def _enabled_set(self, message: m.TenantEnabledSet) -> None:
        self.busy = None
        self._stale = True
        self._forget([message.hook])
        self.app.files_changed_on_disk(message.changed)
        self.app.notify("\n".join(message.lines), title=f"tenant {self.label}")
        self.refresh(quiet=True)
        self.app.refresh_hook_rows()
