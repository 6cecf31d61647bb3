"""Compile every action's code with Node.js, without running it, as Auth0's loader does
(`vm.compileFunction` over the CommonJS wrapper's parameters): one `node` for all of them.

`validate` reports what does not compile at its line:column; nothing here executes user code.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hooktui.core.actions import Action, read_code
from hooktui.core.problems import Problem, WorkspaceError
from hooktui.runtime.executor import ExecutorError, find_node, node_environment

_COMPILER = r"""
const vm = require('vm');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(({ file, code }) => {
    try {
      vm.compileFunction(code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
      return null;
    } catch (err) {
      const lines = String(err.stack || '').split('\n');
      const at = /:(\d+)$/.exec(lines[0] || '');
      const caret = (lines[2] || '').indexOf('^');
      return { message: `${err.name}: ${err.message}`, line: at ? Number(at[1]) : null,
               column: at && caret >= 0 ? caret + 1 : null };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
"""
TIMEOUT = 60.0


def compile_problems(root: Path, actions: Iterable[Action], keywords: Mapping[str, Any],
                     env: Mapping[str, str] | None = None) -> list[Problem]:
    """A problem per action whose code (after keyword replacement) does not compile.
    ExecutorError when Node.js cannot be found or run."""
    todo: list[tuple[Action, str, str]] = []
    for action in actions:
        # Code that cannot be read is already a problem of the action.
        if action.code_path is None or any(p.message.startswith("not UTF-8") for p in action.problems):
            continue
        try:
            code = read_code(action, keywords)
        except WorkspaceError:
            continue
        try:
            rel = action.code_path.relative_to(root).as_posix()
        except ValueError:
            rel = action.code_path.as_posix()
        todo.append((action, rel, code))
    if not todo:
        return []
    node = find_node(env)
    try:
        proc = subprocess.run([node, "-e", _COMPILER], input=json.dumps([{"file": f, "code": c} for _, f, c in todo]),
                              capture_output=True, text=True, timeout=TIMEOUT, env=node_environment(env))
        results = json.loads(proc.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise ExecutorError(f"could not compile the actions with {node}: {exc}") from None
    return [Problem(rel, found["message"], None, found.get("line"), found.get("column"), action=action.name)
            for (action, rel, _), found in zip(todo, results, strict=True) if found]
