"""`hooktui emulator ...`: the emulator's command line (its own argparse, so that every flag is
documented by `hooktui emulator --help`), the banner with the variables to export, and a clean stop
on Ctrl+C, SIGTERM or SIGHUP (its terminal closed) that writes the state file before exiting."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.emulator import Emulator, RequestRecord


def _rate_arg(text: str) -> RatePlan:
    try:
        return RatePlan.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _share_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the fail rate is a share between 0 and 1, e.g. 0.1")
    return value


def _ms_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the latency is a whole number of milliseconds, 0 or more")
    return value


DROP_FORM = "METHOD:PATH_PREFIX[:COUNT]"
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
DROP_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def _drop_arg(text: str) -> tuple[str, str, int]:
    """"POST:/api/v2/hooks:2" -> ("POST", "/api/v2/hooks", 2); COUNT defaults to 1."""
    method, _, rest = text.partition(":")
    prefix, count = rest, 1
    head, sep, tail = rest.rpartition(":")
    if sep and tail.lstrip("-").isdigit():
        prefix, count = head, int(tail)
    if method.upper() not in DROP_METHODS or not prefix.startswith("/") or count < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected {DROP_FORM}, e.g. POST:/api/v2/hooks:1 (METHOD one of {', '.join(DROP_METHODS)}, "
            f"PATH_PREFIX starting with /, COUNT 1 or more)")
    return method.upper(), prefix, count


def _seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r}: the idle timeout is a number of seconds above 0, e.g. 30")
    return value


def _printable(text: str) -> str:
    """A request path as the client sent it, without its control characters reaching the terminal."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hooktui emulator",
        description="Serve a local Auth0 tenant (the Management API subset hooktui uses) over HTTP "
                    "on loopback, until Ctrl+C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--rate", type=_rate_arg, default=None, metavar="PLAN",
                        help=f"rate limit: {RatePlan.FORMS} (default: no limit)")
    parser.add_argument("--fail-rate", type=_share_arg, default=0.0, metavar="P",
                        help="share of requests answered 503 without being processed (0 to 1)")
    parser.add_argument("--latency", type=_ms_arg, default=0, metavar="MS", help="delay before each answer")
    parser.add_argument("--drop-after-processing", type=_drop_arg, action="append", default=[], metavar=DROP_FORM,
                        help="process the next COUNT (default 1) requests whose method and path match, then "
                             "close the connection without answering (repeatable)")
    parser.add_argument("--idle-timeout", type=_seconds_arg, default=30.0, metavar="S",
                        help="close a connection that sends nothing for S seconds (default 30)")
    parser.add_argument("--state", type=Path, default=None, metavar="FILE",
                        help="keep the tenant in this JSON file (loaded if present, written within 0.15 s of "
                             "each change and on stop)")
    parser.add_argument("--client-id", default="hooktui-emulator", metavar="ID")
    parser.add_argument("--client-secret", default=None, metavar="S",
                        help="the secret clients must send (default: the emulator's own test secret)")
    parser.add_argument("--seed", type=int, default=None, help="seed for hook ids and injected failures")
    parser.add_argument("--quiet", action="store_true", help="do not print a line per request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`hooktui emulator ...`: serve until Ctrl+C (or SIGTERM, SIGHUP). Exit 0; 1 if the state file could not
    be written on the way out (said on stderr); 2 on bad usage."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    given_secret = args.client_secret is not None

    def report(record: RequestRecord) -> None:
        left = "" if record.remaining_after is None else f"  ({record.remaining_after}/{args.rate.burst} left)"
        status = "dropped" if record.dropped else str(record.status)
        print(f"{time.strftime('%H:%M:%S')}  {_printable(record.method):6} {_printable(record.path)}  "
              f"{status}{left}", flush=True)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # Installed before anything is printed: a supervisor that stops us as soon as it reads the
    # banner must get the clean stop (and the final write of the state), not the default death.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = {signum: signal.signal(signum, on_term) for signum in STOP_SIGNALS}
    try:
        return _serve_until_stopped(args, given_secret, report)
    except KeyboardInterrupt:  # stopped while starting: nothing was served
        return 0
    finally:
        if previous is not None:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _serve_until_stopped(args: argparse.Namespace, given_secret: bool,
                         report: Callable[[RequestRecord], None]) -> int:
    try:
        emulator = Emulator(
            rate=args.rate, client_id=args.client_id,
            **({"client_secret": args.client_secret} if given_secret else {}),
            fail_rate=args.fail_rate, latency_ms=args.latency, state_file=args.state, seed=args.seed,
            on_request=None if args.quiet else report, idle_timeout=args.idle_timeout,
        )
        for method, prefix, count in args.drop_after_processing:
            emulator.drop_after_processing(method, prefix, count)
        url = emulator.start(args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"hooktui emulator: {exc}", file=sys.stderr)
        return 2
    try:
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"hooktui emulator: warning: listening on {args.host}, reachable beyond this machine "
                  f"with a known test secret", file=sys.stderr)
        secret_line = (
            "AUTH0_CLIENT_SECRET=<the secret you passed with --client-secret>" if given_secret
            else f"AUTH0_CLIENT_SECRET={emulator.client_secret}"
        )
        print(f"Auth0 Management API emulator at {url}")
        print(f"  rate limit: {args.rate.describe() if args.rate else 'none'}"
              f"{f'   fail rate: {args.fail_rate:g}' if args.fail_rate else ''}"
              f"{f'   latency: {args.latency} ms' if args.latency else ''}")
        print(f"  state: {args.state if args.state else 'in memory'}")
        for method, prefix, count in args.drop_after_processing:
            print(f"  dropped after processing: {method} {prefix}* (next {count})")
        print(f"  idle connections close after {args.idle_timeout:g} s")
        print(f"  client id: {emulator.client_id}")
        print("  client secret: " + ("the one given with --client-secret" if given_secret else
                                     f"{emulator.client_secret} (the emulator's own test secret, not a real credential)"))
        print("Point hooktui at it:")
        print(f"  export AUTH0_DOMAIN={url}")
        print(f"  export AUTH0_CLIENT_ID={emulator.client_id}")
        print(f"  export {secret_line}")
        print("Ctrl+C stops it.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()  # writes what the state file does not have yet
    if emulator.persist_error:
        return 1  # already said on stderr
    try:
        print("emulator stopped", flush=True)
    except OSError:  # stopped by SIGHUP: the terminal is gone
        pass
    return 0

