"""The CLI's tenant commands: status, diff, push, pull, enable, disable and logs, over
hooktui.sync.apply. Rate-limit waits and progress go to stderr; results to stdout (one JSON
object with --json)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from hooktui.cli.check import compile_all
from hooktui.cli.terminal import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    Terminal,
    dumps,
    open_workspace,
    plural,
    rel,
)
from hooktui.core.config import CONFIG_FILE, Credentials, tenant_label, tenant_mismatch

# A script that never assigns module.exports defines no hook function (a static look: push warns).
from hooktui.core.exports import EXPORTS as _EXPORTS
from hooktui.core.redaction import Redactor
from hooktui.core.workspace import Workspace
from hooktui.remote.client import ManagementClient
from hooktui.remote.errors import ApiError, CredentialsError, RemoteError
from hooktui.remote.ratelimit import RateLimitEvent
from hooktui.runtime.executor import ExecutorError
from hooktui.sync.apply import Syncer, summarize
from hooktui.sync.diff import diff_entry
from hooktui.sync.status import Entry, Status

STATUS_STYLE = {
    Status.IN_SYNC: "green", Status.CHANGED_LOCALLY: "yellow", Status.CHANGED_REMOTELY: "yellow",
    Status.CONFLICT: "red", Status.ONLY_LOCAL: "bold", Status.ONLY_REMOTE: "bold",
}


def connect(term: Terminal, creds: Credentials | None = None) -> ManagementClient:
    """A client for the tenant the credentials (default: the environment's, then the user's
    file) name, printing every wait on stderr."""
    creds = creds or Credentials.resolve()
    for warning in creds.warnings:
        term.warn(warning)

    def on_event(event: RateLimitEvent | str) -> None:
        term.err(term.paint(f"hooktui: {event}", "dim" if isinstance(event, str) else "yellow"))

    try:
        return ManagementClient(creds, on_event=on_event)
    except CredentialsError as exc:
        raise CliError(f"{exc}; or run `hooktui login`") from None


def _remote_error(exc: RemoteError) -> CliError:
    if isinstance(exc, ApiError) and exc.status in (401, 403):
        return CliError(str(exc), code=EXIT_USAGE, kind="credentials-error")
    return CliError(str(exc), code=EXIT_FAILED, kind="remote-error")


def check_tenant(ws: Workspace, client: ManagementClient, term: Terminal, *, writes: bool) -> None:
    """A workspace that names its tenant is never written to another one by mistake
    (`tenant_mismatch`): a write is refused, a read warned about; a loopback emulator is allowed,
    with a note."""
    named = ws.config.tenant_domain
    if not named or tenant_label(named).lower() == tenant_label(client.base_url).lower():
        return
    refused = tenant_mismatch(named, client.base_url)
    if refused is None:
        term.warn(f"{CONFIG_FILE} names {named} ([tenant] domain); working with the local tenant at "
                  f"{client.base_url}")
    elif writes:
        raise CliError(refused, kind="tenant-mismatch")
    else:
        term.warn(refused.replace("refusing to write to", "reading from", 1))


def _run(term: Terminal, work: Callable[[Syncer], Awaitable[int]], args: argparse.Namespace,
         ws: Workspace | None = None, *, writes: bool = False) -> int:
    ws = ws or open_workspace(args)

    async def main() -> int:
        async with connect(term) as client:
            check_tenant(ws, client, term, writes=writes)
            syncer = Syncer(ws, client, on_progress=None if args.json else lambda line: term.err(f"  {line}"))
            return await work(syncer)

    try:
        return asyncio.run(main())
    except RemoteError as exc:
        raise _remote_error(exc) from None


# ---------------------------------------------------------------------------- status


def _changes(entry: Entry) -> str:
    parts = []
    if entry.local_changes and entry.status is not Status.IN_SYNC:
        parts.append("here: " + ", ".join(entry.local_changes))
    if entry.remote_changes and entry.status is not Status.IN_SYNC:
        parts.append("tenant: " + ", ".join(entry.remote_changes))
    if entry.note and entry.status is not Status.IN_SYNC:
        parts.append(entry.note)
    return "; ".join(parts)


def cmd_status(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    async def work(syncer: Syncer) -> int:
        entries = await syncer.entries(only=args.hooks or None)
        refused = syncer.refused
        if args.json:
            term.out(dumps({"tenant": syncer.tenant_key,
                             "hooks": [{**e.to_json(), "refused": refused.get(e.name)} for e in entries],
                             "summary": summarize(entries)}))
            return EXIT_OK
        term.out(f"tenant {syncer.tenant_key}")
        if not entries:
            term.out("no hooks in the workspace or on the tenant")
            return EXIT_OK
        width = max(len(e.name) for e in entries)
        for entry in entries:
            status = str(entry.status)
            trigger = (entry.local or entry.remote).trigger  # type: ignore[union-attr]
            line = f"  {entry.name:<{width}}  {term.paint(f'{status:<16}', STATUS_STYLE[entry.status])} {trigger:<22}"
            extra = _changes(entry)
            if entry.name in refused and entry.local is not None:
                extra = "; ".join(p for p in (extra, term.paint("push refuses it: ", "red") + refused[entry.name]) if p)
            term.out(f"{line} {extra}".rstrip())
        counts = summarize(entries)
        term.out(", ".join(f"{n} {s}" for s, n in counts.items()))
        return EXIT_OK

    return _run(term, work, args)


# ---------------------------------------------------------------------------- diff


def _colour_diff(text: str) -> str:
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import DiffLexer

    return highlight(text, DiffLexer(), TerminalFormatter()).rstrip("\n")


def cmd_diff(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    async def work(syncer: Syncer) -> int:
        if args.hooks:
            entries = await syncer.entries(only=args.hooks)
        else:
            entries = [e for e in await syncer.entries() if e.status is not Status.IN_SYNC]
        ws = syncer.ws
        out = []
        for entry in entries:
            path = None
            if entry.local is not None:
                hook = ws.hook(entry.local.name)
                path = rel(ws, hook.script_path)
            out.append((entry, diff_entry(entry, syncer.state, script_path=path)))
        if args.json:
            term.out(dumps({"tenant": syncer.tenant_key, "hooks": [
                {"hook": e.name, "status": str(e.status), "diff": d} for e, d in out]}))
            return EXIT_OK
        shown = [(e, d) for e, d in out if d]
        if not shown:
            term.out("no differences between the workspace and the tenant" if not args.hooks
                     else "no differences")
            return EXIT_OK
        for entry, text in shown:
            term.out(term.paint(f"# {entry.name}: {entry.status}" + (f" ({entry.note})" if entry.note else ""), "bold"))
            term.out(_colour_diff(text) if term.color else text.rstrip("\n"))
        return EXIT_OK

    return _run(term, work, args)


# ---------------------------------------------------------------------------- push


def _export_warnings(ws: Workspace, names: set[str] | None) -> list[str]:
    warnings = []
    for hook in ws.hooks:
        if names is not None and hook.deployed_name not in names:
            continue
        try:
            script = ws.read_script(hook)
        except Exception:  # an unreadable script is refused by the workspace check already
            continue
        if not _EXPORTS.search(script):
            warnings.append(f"{hook.deployed_name}: {rel(ws, hook.script_path)} never assigns module.exports, "
                            f"so it exports no function: Auth0 will fail every call to it")
    return warnings


def _print_plan(term: Terminal, plan: Any, tenant: str) -> None:
    hooks = plan.hooks()
    term.out(f"push to {tenant}: {plural(len(hooks), 'hook')}, {plural(len(plan.steps), 'request')}"
             if plan.steps else f"push to {tenant}: nothing to do")
    by_hook: dict[str, list[str]] = {}
    for step in plan.steps:
        by_hook.setdefault(step.hook, []).append(step.describe())
    width = max((len(h) for h in by_hook), default=0)
    for hook, steps in by_hook.items():
        term.out(f"  {hook:<{width}}  {', then '.join(steps)}")
    for skip in plan.skipped:
        label = term.paint("refused", "red") if skip.error else term.paint("skipped", "yellow")
        term.out(f"  {label} {skip.hook}: {skip.reason}")


def cmd_push(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    ws = open_workspace(args)
    names = set(args.hooks) if args.hooks else None
    refused: dict[str, str] = {}
    if not args.skip_compile_check:
        try:
            problems = asyncio.run(compile_all(ws))
        except ExecutorError as exc:
            raise CliError(f"cannot check that the scripts compile: {exc} (or push with --skip-compile-check)") from None
        refused = {name: f"does not compile: {problem}" for name, problem in problems.items()}
    warnings = _export_warnings(ws, names)
    for warning in warnings:
        term.warn(warning)

    async def work(syncer: Syncer) -> int:
        try:
            plan = await syncer.plan_push(args.hooks or None, force=args.force, allow_delete=args.allow_delete,
                                          refused=refused)
        except RemoteError as exc:
            raise _before_writing(exc, "nothing was pushed") from None
        result: dict[str, Any] = {"ok": False, "tenant": syncer.tenant_key, "dry_run": bool(args.dry_run),
                                  "plan": plan.to_json(), "warnings": warnings}
        if not args.json:
            _print_plan(term, plan, syncer.tenant_key)
        blocked = [s for s in plan.skipped if s.error or s.reason.startswith("conflict")]
        if args.dry_run or plan.empty:
            if plan.record and not args.dry_run:
                await syncer.push(plan)  # only records hooks found in sync
            result["ok"] = not blocked
            if args.json:
                term.out(dumps(result))
            return EXIT_FAILED if blocked else EXIT_OK
        if not args.yes and stdin.isatty():
            term.err("apply this plan? [y/N] ")
            answer = stdin.readline().strip().lower()
            if answer not in ("y", "yes"):
                if args.json:
                    term.out(dumps({**result, "applied": False}))
                else:
                    term.out("nothing pushed")
                return EXIT_FAILED
        report = await syncer.push(plan)
        result["ok"] = report.ok  # false for a step that failed and for what the plan refused
        result["result"] = report.to_json()
        if args.json:
            term.out(dumps(result))
        else:
            _print_push_report(term, report)
        return EXIT_OK if report.ok else EXIT_FAILED

    return _run(term, work, args, ws, writes=True)


def _before_writing(exc: RemoteError, what: str) -> CliError:
    """The tenant failed while it was being read, before any write: one line that says what it
    answered and that nothing changed."""
    error = _remote_error(exc)
    if error.code == EXIT_USAGE:
        return error
    return CliError(f"could not read the tenant's hooks ({exc}); {what}: run it again when the tenant answers",
                    code=EXIT_FAILED, kind="remote-error")


def _print_push_report(term: Terminal, report: Any) -> None:
    pushed = report.pushed()
    deleted = report.deleted()
    failed = [o for o in report.outcomes.values() if not o.ok]
    if pushed:
        term.out(term.paint(f"pushed {plural(len(pushed), 'hook')}: ", "green") + ", ".join(pushed))
    if deleted:
        term.out(term.paint("deleted on the tenant: ", "green") + ", ".join(deleted))
    for outcome in failed:
        term.out(term.paint(f"not pushed: {outcome.hook}", "red") + f": {outcome.failed.describe() if outcome.failed else '?'} "
                 f"failed: {outcome.error}")
        if outcome.done:
            term.out(f"  done before it: {', '.join(s.describe() for s in outcome.done)}")
        if outcome.not_done:
            term.out(f"  not done: {', '.join(s.describe() for s in outcome.not_done)}")
    if failed:
        term.out("the state file records what was done: run the same push again to finish")


# ---------------------------------------------------------------------------- pull


def cmd_pull(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    async def work(syncer: Syncer) -> int:
        try:
            plan = await syncer.plan_pull(args.hooks or None)
        except RemoteError as exc:
            raise _before_writing(exc, "nothing was pulled") from None
        report = await syncer.pull(plan)
        if args.json:
            term.out(dumps({"tenant": syncer.tenant_key, **report.to_json()}))
        else:
            if not report.outcomes and not plan.skipped:
                term.out(f"pull from {syncer.tenant_key}: nothing to do, the workspace has the tenant's hooks")
            for outcome in report.outcomes:
                label = term.paint("pulled", "green") if outcome.ok else term.paint("conflict", "red")
                force = " (push --force if a merge leaves it in conflict)" if outcome.conflict else ""
                term.out(f"{label} {outcome.hook}: {outcome.message}{force}")
            for skip in plan.skipped:
                term.out(f"{term.paint('skipped', 'yellow')} {skip.hook}: {skip.reason}")
        return EXIT_OK if report.ok else EXIT_FAILED

    return _run(term, work, args, writes=True)


# ---------------------------------------------------------------------------- enable / disable


def _enable(enabled: bool) -> Callable[[argparse.Namespace, Terminal, TextIO], int]:
    def cmd(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
        async def work(syncer: Syncer) -> int:
            done = await syncer.set_enabled(args.hook, enabled)
            if args.json:
                term.out(dumps({"tenant": syncer.tenant_key, "hook": args.hook, "enabled": enabled, "done": done}))
            else:
                for line in done:
                    term.out(line)
            return EXIT_OK

        return _run(term, work, args, writes=True)

    return cmd


# ---------------------------------------------------------------------------- logs


def cmd_logs(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    from hooktui.remote.logtail import LogTail, format_entry

    # Log entries carry request details: mask the credentials and every hook secret the workspace knows.
    creds = Credentials.resolve()
    known = [creds.client_secret or "", creds.token or ""]
    try:
        known += [v for hook in open_workspace(args).hooks for v in hook.secrets.values()]
    except Exception:  # no workspace here: the credentials are still masked
        pass
    redact = Redactor(known)
    types = [t for value in args.type or [] for t in value.split(",") if t]

    def show(batch: list[dict[str, Any]]) -> None:
        for entry in batch:
            # --json: one object per line (NDJSON), so that a follower can be piped into jq.
            term.out(json.dumps(redact.value(entry), ensure_ascii=False) if args.json
                     else format_entry(entry, redactor=redact))

    def on_error(exc: Exception) -> None:
        term.err(term.paint(f"hooktui: {exc}; trying again", "yellow"))

    async def main() -> int:
        async with connect(term, creds) as client:
            tail = LogTail(client, types=types or None, initial=args.take, on_error=on_error)
            if not args.follow:
                show(await tail.recent())
                return EXIT_OK
            async for batch in tail.follow():
                show(batch)
        return EXIT_OK

    try:
        return asyncio.run(main())
    except RemoteError as exc:
        raise _remote_error(exc) from None


# ---------------------------------------------------------------------------- the parser


def add_commands(command: Callable[..., argparse.ArgumentParser], where: argparse.ArgumentParser,
                 as_json: argparse.ArgumentParser) -> None:
    tenant_note = (" The tenant is AUTH0_DOMAIN (a domain, or http://127.0.0.1:PORT for an emulator) with "
                   "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, or AUTH0_TOKEN; `hooktui login` saves them.")

    status = command("status", cmd_status, "each hook's sync status against the tenant", [where, as_json],
                     description="Compare the workspace with the tenant: in sync, changed locally, changed "
                                 "remotely, conflict (changed on both sides), only local, only remote." + tenant_note)
    status.add_argument("hooks", nargs="*", metavar="HOOK")

    diff = command("diff", cmd_diff, "unified diff of scripts and settings, tenant -> workspace", [where, as_json],
                   description="Show what differs between the tenant (---) and the workspace (+++): each "
                               "hook's script and settings. Secret values are never shown." + tenant_note)
    diff.add_argument("hooks", nargs="*", metavar="HOOK", help="default: every hook that is not in sync")

    push = command("push", cmd_push, "make the tenant match the workspace", [where, as_json],
                   description="Print the plan and apply it: disables before enables (one enabled hook per "
                               "trigger at every moment), a trigger change as delete + create, secrets as "
                               "delete -> update -> create. Asks first on a terminal." + tenant_note)
    push.add_argument("hooks", nargs="*", metavar="HOOK", help="default: every hook")
    push.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    push.add_argument("--force", action="store_true", help="push hooks in conflict or changed on the tenant too (the tenant's change is lost)")
    push.add_argument("--allow-delete", action="store_true",
                      help="delete hooks that are on the tenant but not in the workspace")
    push.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    push.add_argument("--skip-compile-check", action="store_true",
                      help="do not compile the scripts with Node.js first")

    pull = command("pull", cmd_pull, "bring the tenant's changes into the workspace", [where, as_json],
                   description="Write the tenant's hooks into the workspace. A local change is never "
                               "overwritten: on a conflict the tenant's script goes to <name>.remote.js "
                               "beside yours." + tenant_note)
    pull.add_argument("hooks", nargs="*", metavar="HOOK", help="default: every hook")

    for name, enabled in (("enable", True), ("disable", False)):
        sub = command(name, _enable(enabled), f"{name} a hook on the tenant and in the workspace", [where, as_json],
                      description=f"{name.capitalize()} a hook on the tenant and in the workspace." +
                                  (" The other enabled hook of its trigger is disabled first." if enabled else "")
                                  + tenant_note)
        sub.add_argument("hook", metavar="HOOK")

    logs = command("logs", cmd_logs, "show or follow the tenant's logs", [where, as_json],
                   description="Show the tenant's latest log entries, or follow them (--follow) by "
                               "polling every 2 s, without gaps or repeats." + tenant_note)
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new entries until Ctrl-C")
    logs.add_argument("--type", "-t", action="append", metavar="T",
                      help="only entries of this type code (e.g. fs, sapi, api_limit); repeat or comma-separate")
    logs.add_argument("--take", "-n", type=int, default=20, metavar="N",
                      help="how many recent entries to show first (default 20)")
