"""The console under Textual's web driver, the one `textual serve` runs apps with: it paints,
takes keys, says what cannot work there ($EDITOR), and quits when the browser side asks."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

from hooktui.core.resources import data_path


def packet(kind: bytes, payload: bytes) -> bytes:
    # textual.drivers._byte_stream: a type byte, a 4-byte big-endian size, the payload.
    return kind + struct.pack(">I", len(payload)) + payload


def meta(message: dict) -> bytes:
    return packet(b"M", json.dumps(message).encode())


def keys(text: str) -> bytes:
    return packet(b"D", text.encode())


def test_console_runs_under_the_web_driver(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    shutil.copytree(data_path("examples/workspace"), root)
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\necho "// touched" >> "$1"\n')
    editor.chmod(0o755)
    env = {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver",
           "HOOKTUI_CONFIG_DIR": str(tmp_path / "config"), "EDITOR": str(editor)}
    proc = subprocess.Popen([sys.executable, "-m", "hooktui", "-C", str(root), "console"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = b""

    def pump_until(condition, what: str, timeout: float = 60.0) -> None:
        """Read what the app sends until `condition()` holds; fail naming `what` and showing the
        screen if it never does (a loaded machine is slow, so the deadline is generous)."""
        nonlocal out
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end or proc.poll() is not None:
                stderr = proc.stderr.read().decode() if proc.poll() is not None and proc.stderr else ""
                raise AssertionError(f"{what}: not seen within {timeout:g} s "
                                     f"(exit code {proc.poll()}); screen: {screen()[-2000:]!r} {stderr}")
            ready, _, _ = select.select([proc.stdout], [], [], 0.05)
            if ready:
                out += os.read(proc.stdout.fileno(), 1 << 20)

    def screen() -> str:
        """What the app drew: the payloads of its output packets, escape sequences removed."""
        stream = out.split(b"__GANGLION__\n", 1)[-1]
        drawn = bytearray()
        while len(stream) >= 5:
            size = struct.unpack(">I", stream[1:5])[0]
            if stream[:1] == b"D":
                drawn += stream[5:5 + size]
            stream = stream[5 + size:]
        text = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", drawn.decode("utf-8", "replace"))
        return re.sub(r"\s+", " ", text)

    try:
        assert proc.stdin is not None
        proc.stdin.write(meta({"type": "resize", "width": 120, "height": 40}))
        proc.stdin.flush()
        pump_until(lambda: "token-claims" in screen() and "Payload" in screen(), "the hook list painted")
        proc.stdin.write(keys("\r"))  # open the highlighted hook
        proc.stdin.flush()
        pump_until(lambda: "hooks/token-claims.js" in screen(), "the editor showing hooks/token-claims.js")
        proc.stdin.write(keys("\x1b[20~"))  # f9: $EDITOR, which needs a terminal
        proc.stdin.flush()
        pump_until(lambda: "no terminal to hand over" in screen(), "the notice that $EDITOR cannot run")
        assert "// touched" not in (root / "hooks" / "token-claims.js").read_text()
        proc.stdin.write(meta({"type": "quit"}))
        proc.stdin.flush()
        # Reading on while it quits: a full pipe would hold the app's last frames (and its exit).
        pump_until(lambda: proc.poll() is not None, "the console quitting after the browser side asked")
        assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
