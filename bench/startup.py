"""Console start-up: from process start to the first frame that shows the hook list, on a copy
of the example workspace, in a real pseudo-terminal (120x40). Prints figures; never fails.

    python bench/startup.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOOKTUI = [sys.executable, "-m", "hooktui"]


def spawn_until(argv: list[str], needles: tuple[bytes, ...], cwd: Path, env: dict[str, str],
                timeout: float = 20.0) -> float:
    """Seconds from spawning argv in a pty until every needle has appeared in its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                seen += chunk
                if all(n in seen for n in needles):
                    elapsed = time.perf_counter() - started
                    break
            if proc.poll() is not None and not ready:
                break
    finally:
        if proc.poll() is None:
            os.write(master, b"\x11")  # ctrl+q
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.close(master)
    if elapsed is None:
        raise RuntimeError(f"{argv} never showed {needles}; last output: {seen[-400:]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--no-bytecode", action="store_true",
                        help="start without byte-code caches (PYTHONDONTWRITEBYTECODE=1), every module compiled")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "workspace"
        shutil.copytree(ROOT / "examples" / "workspace", ws)
        env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
               "HOOKTUI_CONFIG_DIR": str(Path(tmp) / "config")}
        env.pop("TEXTUAL", None)
        # As an installed hooktui starts: from byte-code caches (pip writes them for the
        # dependencies, Python for hooktui at its first start). A shell that sets
        # PYTHONDONTWRITEBYTECODE would compile every hooktui module at every start instead.
        if not args.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            spawn_until([*HOOKTUI, "-C", str(ws)], (b"token-claims", b"Payload"), ws, env)  # writes them
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        # Python itself plus Textual's import: the floor any Textual app starts from.
        floor = []
        for _ in range(args.rounds):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import textual.app"], check=True, env=env)
            floor.append(time.perf_counter() - t)
        ready = [spawn_until([*HOOKTUI, "-C", str(ws)], (b"token-claims", b"Payload"), ws, env)
                 for _ in range(args.rounds)]
    caches = "without byte-code caches" if args.no_bytecode else "byte-code cached"
    print(f"console start-up over {args.rounds} rounds (120x40 pty, example workspace, {caches})")
    print(f"  python + import textual.app: p50 {statistics.median(floor):.3f} s")
    print(f"  spawn -> hook list painted:  p50 {statistics.median(ready):.3f} s, max {max(ready):.3f} s "
          f"(target <= 0.5 s)")


if __name__ == "__main__":
    main()
