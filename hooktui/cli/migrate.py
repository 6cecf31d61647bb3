"""`hooktui migrate`: each hook as the action it becomes (actions/<name>.json, actions/<name>/code.js,
its binding when the hook was enabled). A preview with a diff by default; --write writes the files.
Exit 0 when every hook converted with nothing left to do by hand, 1 when something is manual or a
hook could not be converted, 2 for usage errors."""

from __future__ import annotations

import argparse
import difflib
import json
from collections.abc import Callable
from typing import Any, TextIO

from hooktui.cli.terminal import EXIT_FAILED, EXIT_OK, CliError, Terminal, open_workspace, plural

PUSH_NOTE = ("The migrated actions push to the tenant as Actions once hooktui's tenant commands handle "
             "actions; until then deploy them with auth0-deploy-cli (a0deploy) from this folder.")


def add_commands(command: Callable[..., argparse.ArgumentParser], where: argparse.ArgumentParser,
                 as_json: argparse.ArgumentParser) -> None:
    migrate = command(
        "migrate", cmd_migrate, "convert hooks into the Actions that replace them", [where, as_json],
        description="Convert each hook into an action in deploy-cli's format: actions/<name>.json (the "
                    "trigger's current version, the hook's dependencies and secrets; values stay local and "
                    "are never printed) and actions/<name>/code.js, plus its binding in triggers/triggers.json "
                    "when the hook was enabled. What Actions cannot do gets a // MIGRATE: comment and is "
                    "listed as manual work. Without --write, shows the files and a diff.")
    migrate.add_argument("hooks", nargs="*", metavar="HOOK", help="the hooks to convert (or --all)")
    migrate.add_argument("--all", action="store_true", help="every hook of the workspace")
    migrate.add_argument("--write", action="store_true", help="write the files (atomically)")
    migrate.add_argument("--force", action="store_true", help="with --write: overwrite an existing action")


def _diff(path: str, before: str | None, after: str) -> list[str]:
    return list(difflib.unified_diff((before or "").splitlines(), after.splitlines(),
                                     "/dev/null" if before is None else f"a/{path}", f"b/{path}", lineterm=""))


def cmd_migrate(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    # Here, not at the top: the converter is only for this command.
    from hooktui.core.problems import WorkspaceError
    from hooktui.migrate.convert import MigrationError, migrate_hook
    from hooktui.migrate.files import existing_action, plan_files, write_migration

    if args.all and args.hooks:
        raise CliError("hooktui migrate: give hook names or --all, not both", kind="usage-error")
    if not args.all and not args.hooks:
        raise CliError("hooktui migrate: name the hooks to convert, or pass --all", kind="usage-error")
    if args.force and not args.write:
        raise CliError("hooktui migrate: --force only matters with --write", kind="usage-error")
    ws = open_workspace(args)
    hooks = list(ws.hooks) if args.all else [ws.hook(name) for name in args.hooks]
    if not hooks:
        raise CliError("hooktui migrate: the workspace has no hooks")
    report: list[dict[str, Any]] = []
    failed = False
    for hook in hooks:
        entry: dict[str, Any] = {"hook": hook.name, "action": None, "files": [], "manual": []}
        report.append(entry)
        try:
            result = migrate_hook(ws, hook)
            entry.update(result.to_json())
            planned = plan_files(ws, result)
            entry["files"] = [p.path for p in planned]
            if args.write:
                entry["files"] = write_migration(ws, result, force=args.force)
                entry["written"] = True
            else:
                entry["exists"] = existing_action(ws, result)
        except (MigrationError, WorkspaceError) as exc:
            entry["error"] = str(exc)
            failed = True
            if not args.json:
                term.err(f"hooktui migrate: {hook.name}: {exc}")
            continue
        if entry["manual"]:
            failed = True
        if not args.json:
            _print(term, entry, planned, args.write)
    if args.json:
        term.out(json.dumps({"hooks": report}, indent=2, ensure_ascii=False))
    else:
        manual = sum(len(e["manual"]) for e in report)
        done = sum(1 for e in report if "error" not in e)
        verb = "written" if args.write else "to write (run again with --write)"
        term.out(f"{plural(done, 'hook')} converted, {verb}; {plural(manual, 'item')} to do by hand"
                 + (f"; {plural(len(report) - done, 'hook')} not converted" if done < len(report) else ""))
        term.out(PUSH_NOTE)
    return EXIT_FAILED if failed else EXIT_OK


def _print(term: Terminal, entry: dict[str, Any], planned: list[Any], written: bool) -> None:
    term.out(term.paint(f"{entry['hook']} -> action {entry['action']} ({entry['trigger']} {entry['trigger_version']})", "bold"))
    if entry["secrets"]:
        term.out(f"  secrets carried over (values kept in the file, not shown): {', '.join(entry['secrets'])}")
    for p in planned:
        state = "written" if written else ("overwrite" if p.before is not None else "new")
        term.out(f"  {state}: {p.path}")
    if not written:
        if entry.get("exists"):
            term.out(term.paint(f"  exists already: {', '.join(entry['exists'])} (--write refuses without --force)", "yellow"))
        for p in planned:
            for line in _diff(p.path, p.before, p.shown):
                term.out(term.paint(line, "green") if line.startswith("+") and not line.startswith("+++") else line)
    for m in entry["manual"]:
        term.out(term.paint(f"  MIGRATE code.js:{m['line']} (hook line {m['hook_line']}) {m['construct']}: ", "yellow")
                 + f"{m['reason']} {m['advice']}")
