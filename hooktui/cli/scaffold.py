"""`hooktui new` and `hooktui deps install`: a hook or an action from its trigger's template, and
the npm packages the hooks declare, installed where local runs require() them from."""

from __future__ import annotations

import argparse
import shlex
from typing import TextIO

from hooktui.cli.actions import new_action
from hooktui.cli.terminal import EXIT_FAILED, EXIT_OK, CliError, Terminal, open_workspace, plural, rel
from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.templates import template_for
from hooktui.core.triggers import Trigger
from hooktui.runtime import deps


def cmd_new(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    if args.action:
        if args.enable:
            raise CliError("hooktui new: --enable is for hooks; an action runs once bound: use --bind",
                           kind="usage-error")
        ws = open_workspace(args)
        for line in new_action(ws, args.name, args.trigger, bind=args.bind):
            term.out(line)
        term.out(f"next: edit {rel(ws, ws.action(args.name).code_path)}, then check it with `hooktui validate`")
        return EXIT_OK
    if args.bind:
        raise CliError("hooktui new: --bind is for actions: add --action", kind="usage-error")
    if args.trigger not in {t.value for t in Trigger}:
        hint = (f"; {args.trigger} is an action trigger: add --action" if args.trigger in ACTION_TRIGGERS else "")
        choices = ", ".join(repr(t.value) for t in Trigger)
        raise CliError(f"hooktui new: argument --trigger: invalid choice: {args.trigger!r} (choose from {choices})"
                       f"{hint}", kind="usage-error")
    ws = open_workspace(args)
    trigger = Trigger(args.trigger)
    if args.enable:
        enabled = [h for h in ws.hooks_for(trigger) if h.enabled]
        if enabled:
            names = ", ".join(f"{h.deployed_name} ({rel(ws, h.meta_path)})" for h in enabled)
            raise CliError(
                f"{names} is already enabled for {trigger.value}, and Auth0 allows one enabled hook "
                f"per trigger. Create the hook without --enable, or set \"enabled\": false in "
                f"{rel(ws, enabled[0].meta_path)} first."
            )
    hook = ws.create_hook(args.name, trigger, template_for(trigger), enabled=args.enable)
    term.out(f"created {rel(ws, hook.script_path)}")
    term.out(f"created {rel(ws, hook.meta_path)}")
    prefix = "hooktui" if args.workspace == "." else f"hooktui -C {shlex.quote(args.workspace)}"
    term.out(f"next: edit {rel(ws, hook.script_path)}, then run `{prefix} run {shlex.quote(hook.deployed_name)}`")
    return EXIT_OK


# ---------------------------------------------------------------------------- deps


def cmd_deps_install(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    ws = open_workspace(args)
    for hook in ws.hooks:
        for problem in hook.problems:
            if problem.field and problem.field.startswith("dependencies") and problem.severity == "error":
                term.warn(f"not installed: {problem}")
    try:
        wanted = deps.collect(ws.hooks)
    except deps.DependencyConflict as exc:
        term.err(f"hooktui: {exc}")
        return EXIT_FAILED
    if not wanted and not ws.node_modules.exists():
        term.out("no hook declares dependencies; nothing to install")
        return EXIT_OK
    npm = deps.find_npm()  # before writing anything: without npm there is nothing to do
    deps.write_manifest(ws.state_dir, wanted)
    state = rel(ws, ws.state_dir)
    if wanted:
        listing = ", ".join(f"{name}@{version}" for name, version in wanted.items())
        term.out(f"installing {plural(len(wanted), 'package')} into {state}/node_modules: {listing}")
    else:
        # npm prunes what the manifest no longer lists.
        term.out(f"no hook declares dependencies; removing what is left in {state}/node_modules")
    result = deps.npm_install(ws.state_dir, registry=args.registry, npm=npm,
                              stdout=term.stdout, stderr=term.stderr)
    if not result.ok:
        term.err(f"hooktui: {result.summary()}")
        return EXIT_FAILED
    term.out(f"done: {state}/node_modules is up to date")
    return EXIT_OK


def registry_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL")
    return value
