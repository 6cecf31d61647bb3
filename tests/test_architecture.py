"""Rules about the shape of the code that a test can hold: Textual stays in tui/, each folder imports
only the folders above it (../shared/STYLE.md "Where things live"), and no two modules import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import hooktui

PACKAGE = Path(hooktui.__file__).parent
NON_TUI = ("core", "runtime", "sync", "remote", "tenant", "migrate", "cli")

# STYLE.md's table: the folders each folder never imports. migrate/ builds on core and runtime
# only; cli and tui use it.
NEVER_IMPORTS = {
    "core": {"runtime", "remote", "tenant", "sync", "migrate", "cli", "tui"},
    "runtime": {"tui", "cli", "remote", "tenant", "sync", "migrate"},
    "remote": {"tui", "cli", "sync", "tenant", "migrate"},
    "tenant": {"tui", "cli", "remote", "sync", "migrate"},
    "sync": {"tui", "cli", "tenant", "migrate"},
    "migrate": {"tui", "cli", "remote", "tenant", "sync"},
    "cli": {"tui"},
    "tui": {"cli"},
}

# The one crossing the table allows by name: `hooktui console` and `hooktui demo` start the console,
# from inside the command (never at module level, so Textual does not load for the other commands).
LAZY_CONSOLE_LAUNCH = ("hooktui.cli.console", "tui")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _imports(module: str) -> list[tuple[str, int, bool]]:
    path = MODULES[module]
    return _imports_in(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py")


def _imports_in(source: str, module: str, *, is_package: bool = False) -> list[tuple[str, int, bool]]:
    """Every hooktui module `module` imports: (name, line, at import time), including imports inside
    functions. `from hooktui.x import y` counts as hooktui.x.y when y is a module, else hooktui.x."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source_module = ".".join([*base, node.module] if node.module else base)
            else:
                source_module = node.module or ""
            names = [f"{source_module}.{alias.name}" if f"{source_module}.{alias.name}" in MODULES
                     else source_module for alias in node.names]
        else:
            continue
        # An import under `if TYPE_CHECKING:` or in a try at module level still names the dependency;
        # only a function body defers it.
        eager = not _inside_function(tree, node)
        found += [(name, node.lineno, eager) for name in names if name == "hooktui" or name.startswith("hooktui.")]
    return found


def _inside_function(tree: ast.Module, target: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if any(child is target for child in ast.walk(node)):
                return True
    return False


def _folder(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else None


def test_no_non_tui_module_loads_textual():
    code = (
        "import sys, pkgutil, importlib, hooktui\n"
        "names = []\n"
        f"for folder in {NON_TUI!r}:\n"
        "    package = importlib.import_module('hooktui.' + folder)\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "        names.append(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(names), ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"importing the non-tui modules failed:\n{out.stderr}"
    count, _, textual = out.stdout.strip().partition(" ")
    expected = sum(1 for m in MODULES if _folder(m) in NON_TUI and m.count(".") > 1)
    assert int(count) == expected, f"imported {count} modules, the tree holds {expected}"
    assert textual == "", f"Textual loaded by a module outside hooktui/tui/: {textual}"


def test_the_scan_sees_lazy_relative_and_from_imports():
    # The rules below are only as good as this scan: it must see an import inside a function,
    # resolve a relative one, and tell a module (from hooktui.cli import sync) from a name in one.
    source = ("from hooktui.cli import sync\n"
              "from .terminal import CliError\n"
              "def launch():\n"
              "    from ..tui.app import run_console\n")
    assert _imports_in(source, "hooktui.cli.console") == [
        ("hooktui.cli.sync", 1, True), ("hooktui.cli.terminal", 2, True), ("hooktui.tui.app", 4, False)]
    assert ("hooktui.tui.app", False) in [(n, e) for n, _, e in _imports("hooktui.cli.console")], (
        "the console launch is not seen in hooktui/cli/console.py")


def test_no_folder_imports_a_folder_below_it():
    violations = []
    for module in MODULES:
        folder = _folder(module)
        if folder not in NEVER_IMPORTS:
            continue
        for name, line, eager in _imports(module):
            target = _folder(name)
            if target not in NEVER_IMPORTS[folder]:
                continue
            if (module, target) == LAZY_CONSOLE_LAUNCH and not eager:
                continue
            where = "at module level" if eager else "inside a function"
            violations.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line}: {folder}/ imports "
                              f"{name} ({target}/) {where}")
    assert not violations, "imports against STYLE.md's table:\n" + "\n".join(violations)


def _type_only_lines(module: str) -> set[int]:
    """Lines of the imports under `if TYPE_CHECKING:` in `module`: a controller naming its owner's type
    for its hints (the App, the emulator) loads nothing at run time, so it closes no circle."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            lines |= {child.lineno for child in ast.walk(node) if isinstance(child, (ast.Import, ast.ImportFrom))}
    return lines


def test_the_circle_rule_skips_type_only_imports_and_nothing_else():
    assert _type_only_lines("hooktui.tui.runs"), "tui/runs.py names the App for its type hints only"
    assert not _type_only_lines("hooktui.tenant.cli"), "tenant/cli.py imports the emulator for real"


def test_no_two_modules_import_each_other():
    edges = {module: {name for name, line, _ in _imports(module)
                      if name in MODULES and name != module and line not in _type_only_lines(module)}
             for module in MODULES}
    circles = sorted({tuple(sorted((a, b))) for a, targets in edges.items() for b in targets if a in edges.get(b, ())})
    assert not circles, "modules that import each other (one holds the other's part):\n" + "\n".join(
        f"{a} <-> {b}" for a, b in circles)
