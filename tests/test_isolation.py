"""Hostile hooks against the real executor and `node`: a hook reaches only what it would reach on
Auth0. Each test is an attack that worked on the worker-thread executor: reading hooktui's
environment and credentials, escaping its `vm` context to overhear or poison other hooks,
forging protocol lines, signalling hooktui, flooding output, hoarding memory outside the heap."""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_executor import CE, HookFolder, with_client

import hooktui.runtime as runtime_package
from hooktui.runtime.executor import Executor

DENIED = "error:ERR_ACCESS_DENIED"
REFUSED = "error:EPERM"


@pytest.fixture
def folder(tmp_path: Path) -> HookFolder:
    return HookFolder(tmp_path / "ws")


def attempts(result) -> dict[str, str]:
    assert result.ok, result.error_message
    return result.data["https://example.com/attempts"]


def run_cli(folder: HookFolder, tmp_path: Path, hook: str, payload: object, **env: str) -> subprocess.CompletedProcess[str]:
    """`hooktui run HOOK --json` as a user runs it: a subprocess, with its own environment."""
    payload_file = tmp_path / "payload.json"
    payload_file.write_text(json.dumps(payload))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH0_", "HOOKTUI_"))}
    base["HOOKTUI_CONFIG_DIR"] = str(tmp_path / "config")
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hooktui", "run", hook, "--payload", str(payload_file), "--json"],
        cwd=folder.root, capture_output=True, text=True, env=base, timeout=120,
    )


# -- hooktui's own environment and files ------------------------------------------------------


def test_a_hook_reads_none_of_hooktuis_credentials(folder, tmp_path):
    secret = "cli-secret-4f9a2c7e1b"
    stored = "stored-secret-8d3b6a0f5e"
    config = tmp_path / "config"
    config.mkdir()
    credentials = config / "credentials.toml"
    credentials.write_text(f'[default]\ndomain = "t.example"\nclient_id = "id"\nclient_secret = "{stored}"\n')
    other_secret = "other-hooks-secret-77c1"
    folder.add("other", fixture="echo-args", secrets={"TOKEN": other_secret})
    folder.add("reads-files")
    paths = [str(credentials), str(folder.root / "hooks" / "other.json"), str(Path.home() / ".bashrc"),
             f"/proc/{os.getpid()}/environ"]
    proc = run_cli(folder, tmp_path, "reads-files", with_client("c", paths=paths), AUTH0_CLIENT_SECRET=secret)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)["data"]["https://example.com/attempts"]
    assert out["parentEnviron"] == DENIED
    # The grandparent (hooktui itself) cannot even be found: /proc/<ppid>/stat is not readable.
    assert out.get("parentStat", out.get("grandparentEnviron")) == DENIED
    for p in paths:
        assert out[p] == DENIED, p
    for text in (proc.stdout, proc.stderr):
        for value in (secret, stored, other_secret):
            assert value not in text
    env = json.loads(out["env"])
    assert not [k for k in env if k.startswith(("AUTH0_", "HOOKTUI_", "NODE_"))]


async def test_a_hook_cannot_read_the_workspace_or_home(folder):
    folder.add("other", fixture="echo-args", secrets={"TOKEN": "other-secret"})
    folder.add("reads-files")
    ws = folder.root
    paths = [str(ws / "hooks" / "other.json"), str(ws / "hooks" / "reads-files.js"), str(ws / ".hooktui" / "state.json"),
             str(Path.home()), "/etc/passwd"]
    async with Executor(folder.workspace(), timeout=5) as ex:
        result = await ex.run("reads-files", with_client("c", paths=paths))
    out = attempts(result)
    for p in paths:
        assert out[p] == DENIED, (p, out[p][:80])


def sandbox_modules(entry: Path) -> set[str]:
    """The runtime's files a sandbox loads: sandbox.js and every local require, followed through."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        path = todo.pop()
        if path.name in seen:
            continue
        seen.add(path.name)
        todo.extend(path.parent / name for name in re.findall(r"require\('\./([\w.]+\.js)'\)", path.read_text()))
    return seen


async def test_a_hook_reads_only_the_runtime_files_its_sandbox_loads(folder):
    """The supervisor's side (runner.js, sandbox_process.js, the Python executor) stays closed to a
    hook; the sandbox's own modules are on its read allow-list because it loads them, and no other
    file of the runtime is."""
    runtime = Path(runtime_package.__file__).parent
    files = sorted(p for p in runtime.iterdir() if p.is_file())
    loaded = sandbox_modules(runtime / "sandbox.js")
    assert {"sandbox.js", "action_run.js", "actions_api.js", "post_login_api.js", "webtask.js"} <= loaded
    folder.add("reads-files")
    async with Executor(folder.workspace(), timeout=5) as ex:
        result = await ex.run("reads-files", with_client("c", paths=[str(p) for p in files]))
    out = attempts(result)
    readable = {p.name for p in files if out[str(p)] != DENIED}
    assert readable == loaded, {p.name: out[str(p)][:60] for p in files}
    assert {"runner.js", "sandbox_process.js", "executor.py"}.isdisjoint(readable)


# -- signals ----------------------------------------------------------------------------------


def test_a_hook_cannot_kill_hooktui(folder, tmp_path):
    folder.add("signals-others")
    targets = [
        {"label": "parent", "pid": "ppid", "signal": "SIGKILL"},
        {"label": "everyone", "pid": -1, "signal": 0},
        {"label": "group", "pid": 0, "signal": 0},
        {"label": "test-runner", "pid": os.getpid(), "signal": 0},
    ]
    proc = run_cli(folder, tmp_path, "signals-others", with_client("c", targets=targets))
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    out = json.loads(proc.stdout)["data"]["https://example.com/signals"]
    for t in targets:
        for how in ("proxy", "escaped", "raw"):
            assert out[f"{t['label']}/{how}"] == REFUSED, (t, how)
    assert out["renice"] == REFUSED


async def test_a_hook_that_kills_its_own_process_costs_only_its_run(folder):
    folder.add("kill-executor")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace()) as ex:
        pid = ex.pid
        killed = await ex.run("kill-executor", CE)
        after = await ex.run("echo", CE)
        assert ex.pid == pid
    assert killed.crash == "exit"
    assert "SIGKILL" in killed.error_message
    assert after.ok
    assert ex.restarts == 0


# -- other hooks' runs ------------------------------------------------------------------------


async def test_escaping_the_context_never_overhears_another_hooks_secrets(folder):
    folder.add("spy", fixture="spies-on-messages")
    folder.add("victim", fixture="echo-args", secrets={"API_KEY": "victim-secret-5e1d"})
    async with Executor(folder.workspace(), max_workers=1) as ex:
        installed = await ex.run("spy", CE)
        assert installed.ok, installed.error_message
        for _ in range(3):
            victim = await ex.run("victim", CE)
            assert victim.data["secrets"] == {"API_KEY": "victim-secret-5e1d"}
        report = await ex.run("spy", with_client("c", plan="report"))
    assert report.ok, report.error_message
    assert "victim-secret-5e1d" not in json.dumps(report.to_json())


async def test_poisoning_the_outer_realm_changes_no_other_hooks_result_or_logs(folder):
    folder.add("poison", fixture="poisons-realm")
    folder.add("chatty")
    folder.add("echo", fixture="echo-args", secrets={"K": "v"})
    async with Executor(folder.workspace(), max_workers=1) as ex:
        clean_echo = await ex.run("echo", CE)
        clean_chatty = await ex.run("chatty", CE)
        poisoned = await ex.run("poison", CE)
        assert poisoned.ok, poisoned.error_message
        echo = await ex.run("echo", CE)
        chatty = await ex.run("chatty", CE)
    assert echo.envelope == clean_echo.envelope
    assert [(e.level, e.text) for e in chatty.logs] == [(e.level, e.text) for e in clean_chatty.logs]
    assert "poisoned" not in json.dumps([echo.to_json(), chatty.to_json()])


async def test_forged_protocol_lines_resolve_no_other_run(folder):
    folder.add("forger", fixture="forges-results")
    folder.add("slow", fixture="chatty")
    async with Executor(folder.workspace(), timeout=10) as ex:
        slow = [asyncio.create_task(ex.run("slow", with_client(f"c{i}", delay=300))) for i in range(3)]
        forger = await ex.run("forger", CE)
        results = await asyncio.gather(*slow)
        later = await ex.run("slow", CE)
    # The forger may well garble its own run (its sandbox is its own); nobody else's.
    assert forger.hook == "forger"
    for r in [*results, later]:
        assert r.ok and r.data == {"scope": CE["scope"]}, r.data


# -- output -----------------------------------------------------------------------------------


async def test_every_output_path_is_capped_and_stays_in_its_run(folder):
    folder.add("flood", fixture="floods-output")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), log_limit=100, timeout=60) as ex:
        events = []
        ex.subscribe(events.append)
        flood = await asyncio.wait_for(ex.run("flood", with_client("c", lines=50000)), 90)
        after = await asyncio.wait_for(ex.run("echo", CE), 30)
    assert flood.ok, flood.error_message
    assert len(flood.logs) <= 100 + 2
    assert flood.logs_dropped >= 150000
    assert any("dropped" in w for w in flood.warnings)
    assert after.logs == []
    # What reached subscribers is bounded too (late output included), not 200,000 lines.
    assert len(events) < 1000


# -- memory -----------------------------------------------------------------------------------


async def test_buffers_count_against_the_memory_limit(folder):
    folder.add("hoard", fixture="hoards-buffers")
    folder.add("echo", fixture="echo-args")
    async with Executor(folder.workspace(), memory_mb=256, timeout=60) as ex:
        await ex.run("echo", CE)
        idle = (await ex.stats())["rss"]
        result = await ex.run("hoard", CE)
        after = await ex.run("echo", CE)
        end = (await ex.stats())["rss"]
    assert result.crash == "oom", result.error_message
    assert "256 MB" in result.error_message and "Buffer" in result.error_message
    assert after.ok
    assert end < idle + 200 * 1024 * 1024, (idle, end)


# -- what a hook keeps ------------------------------------------------------------------------


class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        body = f"got {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_a_hook_keeps_outbound_network_timers_and_a_temp_dir(folder, local_server):
    folder.add("net", fixture="uses-the-network-and-tmp")
    async with Executor(folder.workspace(), timeout=10) as ex:
        result = await ex.run("net", with_client("c", url=local_server))
    assert result.ok, result.error_message
    assert result.data["https://example.com/net"] == {"fetched": "got /fetch", "http": "got /http", "scratch": "scratch"}


async def test_a_hook_keeps_its_npm_packages_even_those_that_read_their_own_files(folder):
    folder.add("uses-pkg", source=(
        "var lib = require('self-reader');\n"
        "module.exports = function (client, scope, audience, context, cb) {\n"
        "  cb(null, { scope: scope, 'https://example.com/lib': lib.describe() });\n};"),
        dependencies={"self-reader": "1.0.0"})
    package = folder.root / ".hooktui" / "node_modules" / "self-reader"
    (package / "lib").mkdir(parents=True)
    (package / "data").mkdir()
    (package / "package.json").write_text('{"name": "self-reader", "version": "1.0.0", "main": "lib/index.js"}')
    (package / "data" / "words.txt").write_text("from its own data file")
    (package / "lib" / "later.js").write_text("module.exports = 'required lazily';")
    (package / "lib" / "index.js").write_text(
        "var fs = require('fs'); var path = require('path');\n"
        "var pkg = require('../package.json');\n"
        "exports.describe = function () {\n"
        "  return { version: pkg.version, words: fs.readFileSync(path.join(__dirname, '..', 'data', 'words.txt'), 'utf8'),\n"
        "           later: require('./later') };\n};")
    async with Executor(folder.workspace(), timeout=10) as ex:
        result = await ex.run("uses-pkg", CE)
    assert result.ok, result.error_message
    assert result.data["https://example.com/lib"] == {
        "version": "1.0.0", "words": "from its own data file", "later": "required lazily"}
