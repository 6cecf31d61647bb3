"""`hooktui console`, `hooktui demo` and `hooktui emulator`: the commands that hand the terminal to
the console or to the emulator. The only CLI module that imports hooktui.tui, and only when called."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from hooktui.cli.terminal import CliError, Terminal


def cmd_console(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    root = Path(args.workspace).expanduser()
    if not root.is_dir():
        raise CliError(f"{root} is not a folder: pass the workspace with -C DIR")
    from hooktui.tui.app import run_console  # Textual only loads for the console

    return run_console(root)


def cmd_emulator(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    from hooktui.tenant.cli import main as emulator_main

    return emulator_main(args.emulator_args)


def cmd_demo(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    from hooktui.tui.app import demo_workspace, run_console
    from hooktui.tui.demo import RATE, start_demo_tenant

    root = demo_workspace()
    term.err(f"hooktui: starting a local tenant (the Management API emulator, rate limit {RATE!r}) and "
             f"pushing the demo hooks to it...")
    try:
        tenant = start_demo_tenant(root)
    except (OSError, RuntimeError) as exc:
        raise CliError(f"the demo tenant did not start: {exc}") from None
    try:
        return run_console(root, demo=True, credentials=tenant.credentials, notes=tenant.notes())
    finally:
        tenant.stop()
        term.err(f"hooktui: the demo tenant ({tenant.base_url}) is stopped; its state is in "
                 f"{root.parent / 'tenant.json'}")
