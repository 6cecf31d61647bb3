"""The console's side of a tenant: the connection, each hook's sync status, and push, pull, diff,
enable/disable and the tenant's log, with the same safety as the CLI (hooktui.cli.sync).

TenantController is the App's delegate for all of it. The App's keys and palette entries call its
`request_*` methods, which check what must hold first (credentials, unsaved edits, scripts that
compile) and start workers. Workers talk to the tenant through hooktui.remote and never touch a
widget: progress and rate-limit waits go to the LogBuffer as plain lines, and each result comes
back as one TenantMessage, which the App hands to `handle` on its own thread; `handle` updates
the panes and opens the dialogs.

httpx and tenacity (under hooktui.remote) are imported in a thread on first use: never on the
way to the first frame, never when no tenant is configured.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.worker import Worker

from hooktui.core.config import ConfigError, Credentials, is_loopback, tenant_label, tenant_mismatch
from hooktui.tui import messages as m
from hooktui.tui.dialogs import ChoiceDialog, ConfirmDialog, DiffDialog, PlanDialog
from hooktui.tui.widgets.hook_list import HookRow

if TYPE_CHECKING:
    from hooktui.sync.plan import Entry
    from hooktui.tui.app import HooktuiApp

SOURCE = "tenant"  # sync progress, results and rate-limit waits in the log stream
LOG_SOURCE = "tenant-log"  # the tenant's own log entries
TAIL_INITIAL = 10  # past entries shown when following starts: enough context, not a wall
COMPILE_WAIT = 30.0  # seconds a push waits for the executor to start before refusing

# The connection, as the header says it.
OFFLINE, CONNECTING, ONLINE, UNREACHABLE, REFUSED = "offline", "connecting", "online", "unreachable", "refused"


def event_level(event: Any) -> str:
    """A rate-limit wait: pacing is the policy doing its job (info); a 429 or a retry after a
    failure is worth a look (warn)."""
    kind = getattr(event, "kind", None)
    return "warn" if kind in ("429", "retry") else "info"


def log_entry_level(entry: dict[str, Any]) -> str:
    """A tenant log entry's level from its type code: failures (f..., the rate limit) stand out."""
    code = str(entry.get("type") or "")
    if code in ("api_limit", "limit_wc", "limit_mu") or (code.startswith("f") and code != "fn"):
        return "error" if code.startswith("f") else "warn"
    if code in ("w", "api_limit_warning", "depnote", "fn"):
        return "warn"
    return "info"


def progress_level(line: str) -> str:
    if " failed" in line or "not pulled" in line:
        return "error"
    if "conflict" in line or "not overwritten" in line:
        return "warn"
    return "info"


class TenantController:
    """One tenant for the console: its credentials, the last status of each hook, and the
    operations. Created by the App at start; `configure` reads the credentials (no request),
    `start` asks the tenant once the first frame is on screen."""

    def __init__(self, app: HooktuiApp, credentials: Credentials | None = None) -> None:
        self.app = app
        self._given = credentials
        self.credentials: Credentials | None = None
        self.state = OFFLINE
        self.problem = ""  # why offline, unreachable or refused: for people, no secret
        self.label = ""  # the tenant as the header shows it
        self.base_url = ""  # the client's, once it exists: the state file's key for this tenant
        self.busy: str | None = None  # the write operation under way (one at a time)
        self.entries: dict[str, Entry] = {}  # by local hook name
        self.only_remote: list[str] = []
        self._remote_entries: dict[str, Entry] = {}  # the hooks only on the tenant, by name
        self._remotes: list[Any] | None = None  # the tenant's hooks as last fetched (RemoteHook)
        self._stale = False  # the tenant changed since the fetch: no local recompute until the next
        self._client: Any = None
        self._tail: Worker[Any] | None = None
        self._working: dict[Worker[Any], str] = {}  # tenant workers under way -> what they do
        self._announce = False  # the next status fetched answers the user's own refresh
        self._summary = ""  # the last status summary logged

    # ------------------------------------------------------------------ the connection

    @property
    def configured(self) -> bool:
        return bool(self.credentials is not None and self.credentials.domain)

    def configure(self) -> None:
        """Read the credentials (given, else the environment and the user's file). No request."""
        creds = self._given
        self.problem = ""
        if creds is None:
            try:
                creds = Credentials.resolve(self.app.env)
            except ConfigError as exc:
                creds, self.problem = None, str(exc)
        self.credentials = creds
        if creds is not None:
            for warning in creds.warnings:
                self.app.log_buffer.add("warn", SOURCE, warning)
        if self.configured:
            assert creds is not None and creds.domain
            self.label = tenant_label(creds.domain)
            self.state = CONNECTING
            self._check_workspace_tenant(creds.domain)
        else:
            self.label, self.state = "", OFFLINE
        self._show_state()

    def _check_workspace_tenant(self, domain: str) -> None:
        ws = self.app.workspace
        named = ws.config.tenant_domain if ws is not None else None
        if named and tenant_label(named).lower() != tenant_label(domain).lower():
            self.app.log_buffer.add(
                "warn", SOURCE,
                f"hooktui.toml names the tenant {tenant_label(named)}, but the credentials point at "
                f"{tenant_label(domain)}: "
                + ("working with this local tenant" if is_loopback(domain) else "push, pull and enable are refused"))

    def _tenant_mismatch(self) -> str | None:
        """Why writing to the connected tenant is refused (the CLI applies the same rule)."""
        ws = self.app.workspace
        named = ws.config.tenant_domain if ws is not None else None
        return tenant_mismatch(named, self.credentials.domain if self.credentials is not None else None)

    def start(self) -> None:
        """After the first frame: the first status. The tenant's log is not followed until asked
        (alt+t): each poll is a request from the same rate limit as push and pull, and the
        entries hold user names and addresses."""
        if not self.configured:
            if self.problem:
                self.app.log_buffer.add("warn", SOURCE, self.problem)
            self.app.log_buffer.add("info", SOURCE, "offline: no tenant configured. " + self.how_to_connect())
            return
        self.refresh(reread=False)

    def how_to_connect(self) -> str:
        refresh = self.app.key_for("tenant.refresh", "alt+r")
        return ("To connect, set AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (a machine-to-machine "
                "application authorised for the Management API; or AUTH0_TOKEN) before starting hooktui, or "
                f"run `hooktui login` and press {refresh} here. To try it without a tenant: `hooktui demo`.")

    def header_text(self) -> str:
        if self.state == OFFLINE:
            return f"tenant {self.label} · not connected" if self.label else "offline: no tenant"
        text = {
            CONNECTING: "connecting…", ONLINE: "connected", UNREACHABLE: "unreachable",
            REFUSED: "credentials refused",
        }.get(self.state, self.state)
        doing = sorted(set(self._working.values()) - {"tenant log"})
        if doing and self.state != CONNECTING:
            text += f" · {', '.join(doing)}…"
        return f"tenant {self.label} · {text}"

    def worker_changed(self, worker: Worker[Any]) -> None:
        """A worker started or ended (the App passes every change on): keep the header's
        "push…", "diff…" true while the rate limit makes an operation wait."""
        if not worker.name.startswith("tenant ") or not worker.group.startswith("tenant"):
            return
        if worker.is_finished and self._working.pop(worker, None) is not None:
            self.app.show_tenant(self.header_text())

    def _show_state(self) -> None:
        self.app.show_tenant(self.header_text())
        self.app.hook_list.show_sync(self.configured)
        self.app.refresh_hook_rows()  # the marks and sentences depend on the connection

    async def _api(self) -> Any:
        if self._client is None:
            # httpx and tenacity load off the UI's thread: the console keeps answering keys.
            await asyncio.to_thread(importlib.import_module, "hooktui.sync.apply")
            from hooktui.remote.client import ManagementClient

            assert self.credentials is not None
            self._client = ManagementClient(self.credentials, on_event=self._on_event)
        return self._client

    def _on_event(self, event: Any) -> None:
        # Called by the client inside a worker: plain data into the buffer, no widget.
        self.app.log_buffer.add(event_level(event), SOURCE, str(event))

    def _on_progress(self, line: str) -> None:
        name, sep, _ = line.partition(": ")
        hook = name if sep and self.app.workspace is not None and name in {
            h.deployed_name for h in self.app.workspace.hooks} else ""
        self.app.log_buffer.add(progress_level(line), SOURCE, line, hook=hook)

    async def _syncer(self) -> Any:
        from hooktui.core.workspace import Workspace

        api = await self._api()
        from hooktui.sync.apply import Syncer

        # A workspace object of its own: the App's changes only when the App hears what the
        # operation wrote (as after any change on disk).
        ws = Workspace.open(self.app.root, env=self.app.env)
        return Syncer(ws, api, on_progress=self._on_progress)

    def _drop_client(self) -> None:
        """Forget the client (its credentials were refused or incomplete): the next refresh reads
        the credentials again, e.g. after `hooktui login` in another terminal."""
        client, self._client = self._client, None
        if client is not None:
            self.app.run_worker(client.aclose(), group="tenant-close", exit_on_error=False)

    async def close(self) -> None:
        if self._tail is not None:
            self._tail.cancel()
            self._tail = None
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.aclose()
            except Exception:
                pass

    # ------------------------------------------------------------------ workers

    def _run(self, action: str, work: Callable[[], Awaitable[m.TenantMessage | None]], *,
             group: str = "tenant", exclusive: bool = False) -> Worker[Any]:
        """Run `work` in a worker; what it returns (or the failure) comes back as a message."""

        async def guarded() -> None:
            try:
                message = await work()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure becomes a notification and a log line
                text, state = self._explain(exc)
                self.app.post_message(m.TenantFailed(action, text, state))
                return
            if message is not None:
                self.app.post_message(message)

        worker = self.app.run_worker(guarded(), name=f"tenant {action}", group=group, exclusive=exclusive,
                                     exit_on_error=False)
        self._working[worker] = action  # at once: the header and the rows say it from now on
        self.app.show_tenant(self.header_text())
        return worker

    def _explain(self, exc: Exception) -> tuple[str, str]:
        """A failure's message for people, and the connection state it leaves."""
        from hooktui.remote.client import ApiError, CredentialsError, NetworkError, RemoteError

        if isinstance(exc, CredentialsError):
            return f"{exc}; or run `hooktui login`", OFFLINE
        if isinstance(exc, ApiError) and exc.status in (401, 403):
            return f"{exc}: check the client id and secret (`hooktui login`) and the application's scopes", REFUSED
        if isinstance(exc, NetworkError):
            return str(exc), UNREACHABLE
        if isinstance(exc, RemoteError):
            return str(exc), self.state if self.state != CONNECTING else ONLINE
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, OSError | ValueError | KeyError) and type(exc).__module__.startswith("hooktui"):
            return text, self.state  # WorkspaceError, SyncStateError, ExecutorError: already for people
        return f"{type(exc).__name__}: {text}", self.state

    def _ready(self, action: str, *, write: bool = True) -> bool:
        """Whether an operation may start now; if not, the user is told why."""
        if self.app.workspace is None:
            self.app.notify("the workspace did not load: the log says why", severity="error")
            return False
        if not self.configured:
            text = f"{action}: not connected to a tenant. {self.how_to_connect()}"
            self.app.log_buffer.add("warn", SOURCE, text)
            self.app.notify(self.how_to_connect(), title="offline: no tenant", severity="warning", timeout=20)
            return False
        mismatch = self._tenant_mismatch()
        if write and mismatch:
            self.app.log_buffer.add("error", SOURCE, f"{action}: {mismatch}")
            self.app.notify(mismatch, title="not this tenant", severity="error", timeout=20)
            return False
        if write and self.busy is not None:
            self.app.notify(f"a {self.busy} is under way: wait for it to finish (the log shows its progress)",
                            severity="warning")
            return False
        return True

    # ------------------------------------------------------------------ status

    def refresh(self, *, quiet: bool = False, reread: bool = True, announce: bool = False) -> None:
        """Ask the tenant for every hook's status (a worker; a newer refresh replaces an older).
        Without a working client the credentials are read again first: they may have been saved
        since (`hooktui login` in another terminal)."""
        if reread and self._client is None and self._given is None:
            self.configure()
        if not self.configured:
            self._ready("refresh", write=False)
            return
        self._announce = self._announce or announce
        if self.state != ONLINE:
            self.state = CONNECTING
            self._show_state()

        async def work() -> m.TenantMessage:
            syncer = await self._syncer()
            entries = await syncer.entries()
            return m.TenantStatusFetched(entries, syncer.tenant_key, quiet)

        self._run("refresh", work, group="tenant-status", exclusive=True)

    def recompute(self) -> None:
        """Each hook's status again after a change in the workspace, against the tenant's hooks as
        last fetched: no request. Nothing happens before the first fetch."""
        ws = self.app.workspace
        if self._remotes is None or self._stale or ws is None or not self.base_url:
            return
        from hooktui.sync.apply import local_hooks  # loaded: the fetch used it
        from hooktui.sync.plan import SyncState, SyncStateError, compare

        try:
            state = SyncState.load(ws.state_dir)
            locals_, _ = local_hooks(ws)
            # compare() reads the fingerprints' key from the user's data folder.
            entries = compare(locals_, self._remotes, state.tenant(self.base_url), state)
        except (SyncStateError, OSError):
            return  # the next fetch reports it
        self._set_entries(entries)

    def _set_entries(self, entries: Iterable[Entry]) -> None:
        self.entries = {e.local.name: e for e in entries if e.local is not None}
        self.only_remote = sorted(e.name for e in entries if e.local is None)
        self._remote_entries = {e.name: e for e in entries if e.local is None}

    def remote_only_rows(self) -> list[HookRow]:
        """A greyed row for each hook the tenant has and the workspace does not, so that pull
        (or diff) can be chosen from the list. None before the first fetch, or offline."""
        if not self.configured or self._remotes is None:
            return []
        remotes = {r.name: r for r in self._remotes}
        pull = self.app.key_for("tenant.pull", "alt+l")
        rows = []
        for name in self.only_remote:
            remote = remotes.get(name)
            if remote is None:
                continue
            entry = self._remote_entries.get(name)
            note = entry.note if entry is not None and entry.note else ""
            if entry is not None and entry.base is None and str(entry.status) == "only remote":
                note = f"only on the tenant ({'enabled' if remote.enabled else 'disabled'} there): {pull} pulls it"
            elif note:
                note = f"only on the tenant, {note}"
            else:
                note = f"only on the tenant: {pull} pulls it"
            rows.append(HookRow(name=name, trigger=remote.trigger, enabled=remote.enabled, state="tenant only",
                                sync=str(entry.status) if entry is not None else "only remote", sync_note=note,
                                remote_only=True))
        return rows

    def row_sync(self, name: str) -> tuple[str, str]:
        """The hook list's sync mark for `name` and the sentence under the list."""
        if not self.configured:
            return "", ""
        keys = self.app.key_for
        entry = self.entries.get(name)
        if entry is None:
            if self.state == CONNECTING or "refresh" in self._working.values():
                return "?", f"asking {self.label}…"
            if self.state in (UNREACHABLE, REFUSED, OFFLINE):
                return "?", f"tenant {self.state}: {keys('tenant.refresh', 'alt+r')} tries again"
            return "?", f"not known yet: {keys('tenant.refresh', 'alt+r')} asks the tenant"
        from hooktui.sync.plan import Status  # loaded with the first fetch: off the start-up path

        push, pull, diff = keys("tenant.push", "alt+p"), keys("tenant.pull", "alt+l"), keys("tenant.diff", "alt+d")
        status = entry.status
        if status is Status.IN_SYNC:
            note = "in sync with the tenant"
        elif status is Status.CHANGED_LOCALLY:
            note = f"changed here ({', '.join(entry.local_changes)}): {push} pushes, {diff} diffs"
        elif status is Status.CHANGED_REMOTELY:
            note = f"changed on the tenant ({', '.join(entry.remote_changes)}): {pull} pulls, {diff} diffs"
        elif status is Status.CONFLICT:
            note = (f"conflict, {entry.note}: {diff} diffs; {pull} puts the tenant's script beside yours; "
                    f"{push} offers to overwrite the tenant")
        elif status is Status.ONLY_LOCAL:
            note = f"{entry.note or 'not on the tenant yet'}: {push} creates it there"
        else:
            note = entry.note or str(status)
        if self.state in (UNREACHABLE, REFUSED):
            note += f" (as last seen: the tenant is {self.state} now)"
        return str(status), note

    # ------------------------------------------------------------------ what the App hands over

    def handle(self, message: m.TenantMessage) -> None:
        """A worker's news, on the App's thread: update the panes, open the dialogs."""
        handler = {
            m.TenantStatusFetched: self._status_fetched,
            m.TenantPushPlanned: self._push_planned,
            m.TenantPushed: self._pushed,
            m.TenantPulled: self._pulled,
            m.TenantDiffReady: self._diff_ready,
            m.TenantEnabledSet: self._enabled_set,
            m.TenantFailed: self._failed,
            m.TenantLogStopped: self._log_stopped,
        }.get(type(message))
        if handler is not None:
            handler(message)

    def _status_fetched(self, message: m.TenantStatusFetched) -> None:
        first = self.state != ONLINE
        self.state, self.problem, self.base_url, self._stale = ONLINE, "", message.base_url, False
        self._remotes = [e.remote for e in message.entries if e.remote is not None]
        self._set_entries(message.entries)
        self._show_state()
        counts: dict[str, int] = {}
        for entry in self.entries.values():
            counts[str(entry.status)] = counts.get(str(entry.status), 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no hooks"
        # A line when the picture changed, or when the user asked (alt+r answers even if not).
        announce = self._announce and not message.quiet
        if summary == self._summary and not announce and not first:
            return
        self._announce = self._announce and not announce
        self._summary = summary
        self.app.log_buffer.add("info", SOURCE, f"status against {self.label}: {summary}")
        if self.only_remote:
            key = self.app.key_for("tenant.pull_all", "alt+shift+l")
            self.app.log_buffer.add("info", SOURCE, f"only on the tenant: {', '.join(self.only_remote)} "
                                                    f"({key} pulls them into the workspace)")

    def _failed(self, message: m.TenantFailed) -> None:
        if message.action == "tenant log":
            self._tail = None
            self.app.log_pane.set_live("")
        elif message.action != "refresh" and message.action != "diff":
            self.busy = None
        if message.state in (OFFLINE, REFUSED):
            self._drop_client()
        self.state, self.problem = message.state, message.message
        self._show_state()
        self.app.log_buffer.add("error", SOURCE, f"{message.action} failed: {message.message}")
        self.app.notify(message.message, title=f"tenant: {message.action} failed", severity="error", timeout=15)

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
            from hooktui.core.workspace import WorkspaceError
            from hooktui.sync.plan import Status, plan_push

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
            from hooktui.core.workspace import WorkspaceError
            from hooktui.sync.plan import diff_entry

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
        from hooktui.sync.plan import Status

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

    # ------------------------------------------------------------------ the tenant's log

    @property
    def following_log(self) -> bool:
        return self._tail is not None and self._tail.is_running

    def toggle_log(self) -> None:
        """Follow the tenant's log in the log stream, or stop following it."""
        if self.following_log:
            assert self._tail is not None
            self._tail.cancel()
            self._tail = None
            self.app.log_pane.set_live("")
            self.app.log_buffer.add("info", LOG_SOURCE, f"stopped following the log of {self.label}")
            return
        if not self._ready("tenant log", write=False):
            return
        self.app.log_pane.set_live(f"tenant log ● {self.label}")

        async def work() -> m.TenantMessage:
            from hooktui.remote.logtail import DEFAULT_INTERVAL, LogTail, format_entry

            api = await self._api()

            def on_error(exc: Exception) -> None:
                self.app.log_buffer.add("warn", LOG_SOURCE, f"{exc}; trying again")

            tail = LogTail(api, initial=TAIL_INITIAL, on_error=on_error)
            self.app.log_buffer.add("info", LOG_SOURCE, f"following the log of {self.label} (a request every "
                                                        f"{DEFAULT_INTERVAL:g} s; the same rate limit as push and pull)")
            async for batch in tail.follow():
                for entry in batch:
                    self.app.log_buffer.add(log_entry_level(entry), LOG_SOURCE,
                                            format_entry(entry, redactor=self.app.redactor))
            return m.TenantLogStopped("the log ended")

        self._tail = self._run("tenant log", work, group="tenant-log", exclusive=True)

    def _log_stopped(self, message: m.TenantLogStopped) -> None:
        self._tail = None
        self.app.log_pane.set_live("")
        self.app.log_buffer.add("info", LOG_SOURCE, f"stopped following the tenant's log: {message.reason}")
