"""`hooktui emulator` as a subprocess: the fault switches on its command line, and a clean stop
(SIGTERM) keeps every answered write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

HOOKTUI = Path(sys.executable).parent / "hooktui"
SCRIPT = "module.exports = function (client, scope, audience, context, cb) { cb(null, {}); };"


@contextmanager
def emulator(*args: str) -> Iterator[tuple[subprocess.Popen, str, list[str]]]:
    proc = subprocess.Popen([str(HOOKTUI), "emulator", "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Ctrl+C"):
            line = proc.stdout.readline()
            assert line, f"the emulator exited: {proc.stderr.read()}"
            lines.append(line.rstrip("\n"))
        url = next(line.split("=", 1)[1] for line in lines if "export AUTH0_DOMAIN=" in line)
        yield proc, url, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)
        proc.stdout.close()
        proc.stderr.close()


def client(url: str) -> httpx.Client:  # close it
    api = httpx.Client(base_url=url, timeout=20)
    token = api.post("/oauth/token", json={
        "grant_type": "client_credentials", "client_id": "hooktui-emulator", "client_secret": "emulator-secret",
        "audience": f"{url}/api/v2/"}).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    return api


def hook(name: str) -> dict[str, object]:
    return {"name": name, "script": SCRIPT, "triggerId": "credentials-exchange"}


def test_drop_after_processing_from_the_command_line(tmp_path):
    state = tmp_path / "tenant.json"
    with emulator("--quiet", "--state", str(state), "--drop-after-processing", "post:/api/v2/hooks:2",
                  "--drop-after-processing", "DELETE:/api/v2/hooks") as (proc, url, lines):
        assert any("dropped after processing: POST /api/v2/hooks* (next 2)" in line for line in lines), lines
        with closing(client(url)) as api:
            for name in ("ghost-1", "ghost-2"):
                with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                    api.post("/api/v2/hooks", json=hook(name))
            listed = api.get("/api/v2/hooks").json()
            assert sorted(h["name"] for h in listed) == ["ghost-1", "ghost-2"]  # processed, never answered
            assert api.post("/api/v2/hooks", json=hook("answered")).status_code == 201  # the rule is used up
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                api.delete(f"/api/v2/hooks/{listed[0]['id']}")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    names = sorted(h["name"] for h in json.loads(state.read_text())["hooks"])
    assert names == ["answered", "ghost-2"] or names == ["answered", "ghost-1"]


@pytest.mark.parametrize("value", ["nonsense", "POST", "POST:hooks", "POST:/api/v2/hooks:0", "POST:/x:-1",
                                   "FETCH:/api/v2/hooks"])
def test_a_bad_drop_rule_is_a_usage_error_naming_the_form(value):
    proc = subprocess.run([str(HOOKTUI), "emulator", "--drop-after-processing", value], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "METHOD:PATH_PREFIX[:COUNT]" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_a_write_answered_before_a_stop_signal_is_on_disk(tmp_path, signum):
    """SIGHUP too: closing the terminal the emulator runs in is a clean stop, not a lost write."""
    state = tmp_path / "tenant.json"
    with emulator("--quiet", "--state", str(state)) as (proc, url, _):
        with closing(client(url)) as api:
            hook_id = api.post("/api/v2/hooks", json=hook("last")).json()["id"]
            assert api.post(f"/api/v2/hooks/{hook_id}/secrets", json={"K": "v"}).status_code == 201
        proc.send_signal(signum)  # at once: the batched write has not happened yet
        assert proc.wait(timeout=20) == 0
    data = json.loads(state.read_text())
    assert [h["id"] for h in data["hooks"]] == [hook_id] and data["secrets"][hook_id] == {"K": "v"}


def test_idle_timeout_flag(tmp_path):
    with emulator("--quiet", "--idle-timeout", "0.5") as (proc, url, lines):
        assert any("idle connections close after 0.5 s" in line for line in lines), lines
    proc = subprocess.run([str(HOOKTUI), "emulator", "--idle-timeout", "0"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and "--idle-timeout" in proc.stderr


def test_the_request_log_never_prints_a_client_s_control_characters():
    """A request line is the client's bytes: an escape sequence must not reach the terminal."""
    import socket

    with emulator() as (proc, url, _):
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(b"GET /api/v2/\x1b[2J\x1b]0;owned\x07hooks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while sock.recv(65536):
                pass
        line = proc.stdout.readline()
    assert "/api/v2/" in line and "404" in line
    assert "\x1b" not in line and "\x07" not in line
    assert "\\x1b[2J" in line
