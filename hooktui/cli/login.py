"""`hooktui login`: the Management API credentials, saved for the user (mode 0600), never in a
workspace; plain http only for a local emulator on loopback."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import TextIO

from hooktui.cli.terminal import EXIT_OK, CliError, Terminal
from hooktui.core.config import CREDENTIAL_ENV, Credentials, is_loopback, mask, save_credentials


def _ask(prompt: str, value: str | None, flag: str, can_prompt: bool) -> str:
    if value is None:
        if not can_prompt:
            raise CliError(f"{flag} is required when there is no terminal to ask on", kind="usage-error")
        value = input(prompt)
    value = value.strip()
    if not value:
        raise CliError(f"{flag} cannot be empty", kind="usage-error")
    return value


def _login_domain(given: str) -> str:
    """The domain as saved: a bare host for https (what deploy-cli's AUTH0_DOMAIN holds), or
    http://host:port for a local emulator, so that later commands keep using plain http there."""
    text = given.strip()
    scheme, _, host = text.rpartition("://")
    scheme = scheme.lower()
    host = host.rstrip("/")
    if scheme not in ("", "http", "https"):
        raise CliError(f"{given!r} is not a domain like my-tenant.eu.auth0.com or an https:// address",
                       kind="usage-error")
    if not host or any(c.isspace() or c in "/@" for c in host):
        raise CliError(f"{given!r} is not a domain like my-tenant.eu.auth0.com (no path, no user)",
                       kind="usage-error")
    if scheme != "http":
        return host
    if not is_loopback(f"http://{host}"):
        raise CliError(
            f"{given!r}: plain http would send the client secret and every token unencrypted over the "
            f"network. It is accepted only for a local emulator on a loopback address (127.0.0.1, "
            f"localhost, ::1); a tenant is reached over https://{host} (or just {host})",
            kind="usage-error")
    return f"http://{host}"


def cmd_login(args: argparse.Namespace, term: Terminal, stdin: TextIO) -> int:
    # With the secret on stdin, stdin is not free for questions.
    can_prompt = stdin.isatty() and not args.client_secret_stdin
    domain = _login_domain(_ask("Auth0 domain (e.g. my-tenant.eu.auth0.com): ", args.domain, "--domain",
                                can_prompt))
    client_id = _ask("Client ID: ", args.client_id, "--client-id", can_prompt)
    if args.client_secret_stdin:
        secret = stdin.read().strip()
    elif stdin.isatty():
        secret = getpass.getpass("Client secret (not shown): ").strip()
    else:
        raise CliError("no terminal to ask for the client secret on; pipe it in with --client-secret-stdin",
                       kind="usage-error")
    if not secret:
        raise CliError("the client secret is empty", kind="usage-error")
    try:
        path = save_credentials(Credentials(domain=domain, client_id=client_id, client_secret=secret))
    except OSError as exc:
        raise CliError(f"cannot save the credentials: {exc}") from None
    term.out(f"saved credentials for {domain} to {path} (mode 0600, in a 0700 folder)")
    term.out(f"  client id:     {client_id}")
    term.out(f"  client secret: {mask(secret)}")
    overriding = [var for var in CREDENTIAL_ENV.values() if os.environ.get(var)]
    if overriding:
        term.warn(f"{', '.join(overriding)} set in the environment take precedence over this file")
    return EXIT_OK
