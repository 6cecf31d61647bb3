"""hooktui's command line: the parser of every command, the entry point, and how an error becomes a
message and an exit code. Each command group lives in a module of its own (run, check, scaffold, login,
console, sync); what they share is in terminal.py.

Exit codes: 0 success; 1 the hook, the check or the install failed; 2 bad usage or bad input
(unknown hook, invalid payload, no Node.js...); 3 a bug in hooktui itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from hooktui import __version__
from hooktui.cli.check import cmd_list, cmd_validate
from hooktui.cli.console import cmd_console, cmd_demo, cmd_emulator
from hooktui.cli.login import cmd_login
from hooktui.cli.run import cmd_run
from hooktui.cli.scaffold import cmd_deps_install, cmd_new, registry_url
from hooktui.cli.terminal import EXIT_CODES_HELP, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, CliError, Terminal
from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.config import ConfigError
from hooktui.core.payloads import PayloadError
from hooktui.core.problems import HookNotFound, WorkspaceError
from hooktui.core.triggers import Trigger
from hooktui.runtime import deps
from hooktui.runtime.executor import ExecutorError
from hooktui.sync.state import SyncStateError

# Errors of the core that mean "the input is not usable", each with a message written for people.
_EXPECTED = (WorkspaceError, HookNotFound, PayloadError, ConfigError, ExecutorError, deps.NpmNotFound,
             SyncStateError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # Raised rather than printed, so that --json can still answer with one JSON object.
        raise CliError(f"{self.prog}: {message}", kind="usage-error", usage=self.format_usage().rstrip())


# ---------------------------------------------------------------------------- the parser


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r}: the timeout must be more than 0 seconds")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    # -C works before or after the command; SUPPRESS keeps a subcommand from resetting it.
    where = _Parser(add_help=False)
    where.add_argument("-C", dest="workspace", metavar="DIR", default=argparse.SUPPRESS,
                       help="the workspace folder (default: the current folder)")
    as_json = _Parser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    parser = _Parser(
        prog="hooktui",
        description="Develop, test and deploy Auth0 Hooks. Hooks live in a workspace folder in "
                    "auth0-deploy-cli's format: hooks/<name>.js and hooks/<name>.json.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-C", dest="workspace", metavar="DIR", default=".",
                        help="the workspace folder (default: the current folder)")
    parser.add_argument("--version", action="version", version=f"hooktui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, handler: Callable[..., int], help: str, parents: Sequence[argparse.ArgumentParser],
                **kw: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=kw.pop("description", help), parents=parents,
                                  epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter, **kw)
        sub.set_defaults(handler=handler)
        return sub

    run = command("run", cmd_run, "run a hook, an action or a trigger's flow locally on a test payload",
                  [where, as_json],
                  description="Run a workspace hook or action in the local Node.js sandbox, as Auth0 would, "
                              "and show its console output and what the application receives. With --trigger, "
                              "run the actions bound to that trigger in triggers/triggers.json, in order.")
    run.add_argument("hook", metavar="NAME", nargs="?",
                     help="the hook's or action's name (or its .json file's stem)")
    run.add_argument("--trigger", metavar="TRIGGER",
                     help="run this action trigger's flow: its bound actions in binding order")
    run.add_argument("--kind", choices=("hook", "action"),
                     help="which one NAME means when a hook and an action share it")
    run.add_argument("--fresh-scope", action="store_true",
                     help="actions: a new module scope for this run (by default it is kept across runs of one "
                          "version, as Auth0's node22 runtime does)")
    run.add_argument("--payload", metavar="FILE|NAME|-",
                     help="a JSON file, a payload name (a sample such as 'blocked-domain', one in "
                          "payloads/<name>/ or, for actions, payloads/actions/<trigger>/), or - for stdin; "
                          "default: the trigger's first sample")
    run.add_argument("--timeout", metavar="SECONDS", type=_seconds,
                     help="stop the run after this long (default: [executor] timeout in hooktui.toml, 20)")

    command("validate", cmd_validate, "check every hook's files and compile every script", [where, as_json],
            description="Check every hook's JSON and script, and compile every script with Node.js.")
    command("list", cmd_list, "list the workspace's hooks", [where, as_json],
            description="List the hooks: name, trigger, enabled, script, dependencies, secret keys "
                        "(never values) and their problems.")

    new = command("new", cmd_new, "create a hook, or with --action an action, from its trigger's template", [where])
    new.add_argument("name", metavar="NAME", help="the hook's name: 3+ letters, digits, spaces and '-', "
                                                  "starting and ending with a letter or digit (an action's: any "
                                                  "name without leading or trailing spaces)")
    new.add_argument("--trigger", required=True, metavar="TRIGGER",
                     help="for a hook one of: " + ", ".join(t.value for t in Trigger) + "; for an action one of: "
                          + ", ".join(t for t, info in ACTION_TRIGGERS.items() if info.runnable))
    new.add_argument("--action", action="store_true",
                     help="create an action (actions/NAME.json and actions/NAME/code.js) instead of a hook")
    new.add_argument("--enable", action="store_true",
                     help="create the hook enabled (refused when another hook of the trigger is enabled)")
    new.add_argument("--bind", action="store_true",
                     help="bind the new action last in its trigger's flow, in triggers/triggers.json")

    dep = commands.add_parser("deps", help="manage the npm packages hooks require",
                              description="Manage the npm packages hooks declare in \"dependencies\".",
                              parents=[where])
    dep_commands = dep.add_subparsers(dest="deps_command", metavar="COMMAND", title="commands")
    install = dep_commands.add_parser(
        "install", parents=[where], help="install every hook's dependencies into .hooktui/node_modules",
        description="Install the packages every hook declares into <workspace>/.hooktui/node_modules "
                    "with npm, where local runs require() them from.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    install.add_argument("--registry", metavar="URL", type=registry_url, help="the npm registry to install from")
    install.set_defaults(handler=cmd_deps_install)
    dep.set_defaults(handler=None, parser=dep, example="hooktui deps install")

    # Here, not at the top: the tenant commands bring httpx and tenacity, which a module that only
    # imports main (the console's start-up, tests) should not pay for.
    from hooktui.cli import migrate, sync

    sync.add_commands(command, where, as_json)
    migrate.add_commands(command, where, as_json)

    command("console", cmd_console, "open the console on the workspace (what bare `hooktui` does)", [where],
            description="Open the four-pane console: hook list, editor, payload tester, log stream.")
    command("demo", cmd_demo, "open the console on a fresh copy of the example workspace", [],
            description="Copy the example workspace to a temporary folder and open the console on it: "
                        "trying hooktui never touches the installed package.")

    emulator = commands.add_parser(
        "emulator", help="serve a local emulator of the Auth0 Management API (hooks, secrets, logs)",
        description="A local tenant over real HTTP on loopback, with Auth0's rate limits and fault switches. "
                    "`hooktui emulator --help` lists its options.", add_help=False)
    emulator.set_defaults(handler=cmd_emulator)

    # Credentials belong to the user, not to a workspace: no -C here.
    login = command("login", cmd_login, "save Auth0 Management API credentials for this user", [],
                    description="Save Auth0 Management API credentials in the user's config folder "
                                "(mode 0600), never in the workspace.")
    login.add_argument("--domain", help="the tenant's domain, e.g. my-tenant.eu.auth0.com")
    login.add_argument("--client-id", help="a machine-to-machine application's client ID")
    login.add_argument("--client-secret-stdin", action="store_true",
                       help="read the client secret from stdin instead of asking for it")
    parser.set_defaults(handler=None, parser=parser, example="hooktui run HOOK")
    return parser


# ---------------------------------------------------------------------------- entry point


def _report(error: CliError, term: Terminal, as_json: bool) -> None:
    message = str(error)
    if error.usage:
        term.err(error.usage)
    term.err(message if message.startswith("hooktui") else f"hooktui: {message}")
    if as_json:
        term.out(json.dumps({"status": error.kind, "error": message, **error.details}, ensure_ascii=False))


def _command_index(argv: Sequence[str]) -> int | None:
    """Where the command word stands: the first argument that is not a global option."""
    i = 0
    while i < len(argv):
        if argv[i] == "-C":
            i += 2
        elif argv[i].startswith("-"):
            i += 1
        else:
            return i
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        # A hook's output may hold any character; a terminal that cannot show one gets an escape.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    term = Terminal(sys.stdout, sys.stderr, os.environ)
    as_json = "--json" in argv  # known before parsing, for errors in the parsing itself
    try:
        parser = build_parser()
        at = _command_index(argv)
        if at is not None and argv[at] == "emulator":
            # Everything after `emulator` belongs to the emulator's own parser.
            args = parser.parse_args(argv[: at + 1])
            args.emulator_args = argv[at + 1:]
        else:
            args = parser.parse_args(argv)
        as_json = getattr(args, "json", as_json)
        if args.handler is None and args.parser is parser and sys.stdin.isatty() and sys.stdout.isatty():
            return cmd_console(args, term, sys.stdin)  # bare `hooktui` on a terminal: the console
        if args.handler is None:
            args.parser.print_help(sys.stderr)
            raise CliError(f"a command is needed, e.g. `{args.example}`", kind="usage-error")
        return args.handler(args, term, sys.stdin)
    except CliError as exc:
        _report(exc, term, as_json)
        return exc.code
    except _EXPECTED as exc:
        _report(CliError(str(exc)), term, as_json)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        term.err("hooktui: interrupted")
        return 130
    except Exception as exc:
        if os.environ.get("HOOKTUI_DEBUG"):
            traceback.print_exc()
        else:
            term.err(f"hooktui: unexpected error: {type(exc).__name__}: {exc} "
                     f"(run with HOOKTUI_DEBUG=1 for the traceback)")
        return EXIT_INTERNAL
