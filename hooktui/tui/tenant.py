"""The console's side of a tenant: the connection, each hook's sync status, the workers and the
tenant's log; push, pull, diff and enable/disable are in tenant_transfers.py, with the same safety
as the CLI (hooktui.cli.sync).

TenantController is the App's delegate for all of it. The App's keys and palette entries call its
`request_*` methods, which check what must hold first (credentials, unsaved edits, scripts that
compile) and start workers. Workers talk to the tenant through hooktui.remote and never touch a
widget: progress and rate-limit waits go to the LogBuffer as plain lines, and each result comes
back as one TenantMessage, which the App hands to `handle` on its own thread; `handle` updates
the panes and opens the dialogs. The controller knows the App only as a TenantHost: what it
needs, not the App's module (no import circle).

httpx and tenacity (under hooktui.remote) are imported in a thread on first use: never on the
way to the first frame, never when no tenant is configured.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.worker import Worker

from hooktui.core.config import ConfigError, Credentials, is_loopback, tenant_label, tenant_mismatch
from hooktui.tui import messages as m
from hooktui.tui.tenant_transfers import SOURCE, TenantTransfers
from hooktui.tui.widgets.hook_list import HookRow

if TYPE_CHECKING:
    from hooktui.core.logbuffer import LogBuffer
    from hooktui.core.redaction import Redactor
    from hooktui.core.workspace import Workspace
    from hooktui.sync.status import Entry
    from hooktui.tui.widgets.editor import HookEditor
    from hooktui.tui.widgets.hook_list import HookList
    from hooktui.tui.widgets.log_stream import LogStream

LOG_SOURCE = "tenant-log"  # the tenant's own log entries
TAIL_INITIAL = 10  # past entries shown when following starts: enough context, not a wall
COMPILE_WAIT = 30.0  # seconds a push waits for the executor to start before refusing


class TenantHost(Protocol):
    """What the controller needs from the console (the App is one): its state, its panes and
    the few App methods that tell the user or start work."""

    env: dict[str, str]
    root: Path
    workspace: Workspace | None
    log_buffer: LogBuffer
    redactor: Redactor
    editor: HookEditor
    hook_list: HookList
    log_pane: LogStream

    def key_for(self, binding_id: str, default: str) -> str: ...
    def show_tenant(self, text: str) -> None: ...
    def refresh_hook_rows(self) -> None: ...
    def files_changed_on_disk(self, paths: list[str]) -> None: ...
    def save_open_buffers(self) -> bool: ...
    async def compile_check(self, names: list[str] | None) -> dict[str, str]: ...
    def notify(self, message: str, *, title: str = ..., severity: Any = ..., timeout: float | None = ...) -> None: ...
    def push_screen(self, screen: Any, callback: Any = ...) -> Any: ...
    def run_worker(self, work: Any, name: str | None = ..., group: str = ..., description: str = ...,
                   exit_on_error: bool = ..., start: bool = ..., exclusive: bool = ..., thread: bool = ...) -> Worker[Any]: ...
    def post_message(self, message: Any) -> bool: ...

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


class TenantController(TenantTransfers):
    """One tenant for the console: its credentials, the last status of each hook, and the
    operations. Created by the App at start; `configure` reads the credentials (no request),
    `start` asks the tenant once the first frame is on screen."""

    def __init__(self, app: TenantHost, credentials: Credentials | None = None) -> None:
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
        from hooktui.remote.errors import ApiError, CredentialsError, NetworkError, RemoteError

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
        from hooktui.sync.state import SyncState, SyncStateError
        from hooktui.sync.status import compare

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
        from hooktui.sync.status import Status  # loaded with the first fetch: off the start-up path

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
