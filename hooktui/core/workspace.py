"""The hooks workspace on disk: auth0-deploy-cli's directory format, loaded, validated and edited.

A workspace is a folder holding `hooks/<name>.json` (the hook's metadata) next to the script it
names, plus `hooktui.toml`. Loading never stops at the first bad hook: every problem is collected.
A hook's JSON checks live in hook_meta.py, its edits in hook_edits.py; actions and bindings load
through actions.py and bindings.py.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hooktui.core.actions import Action, find_action, load_actions
from hooktui.core.bindings import Bindings, load_bindings
from hooktui.core.config import ConfigError, WorkspaceConfig
from hooktui.core.files import atomic_write
from hooktui.core.hook_edits import HookEdits

# NAME_PATTERN, ordered_meta and validate_meta_text are here only for importers outside core (tui,
# cli, sync), until they import hook_meta: see the report of the split.
from hooktui.core.hook_meta import (
    NAME_PATTERN,  # noqa: F401
    Hook,
    check_meta,
    deployed_name,
    ordered_meta,  # noqa: F401
    validate_meta_text,  # noqa: F401
    with_hook,
)
from hooktui.core.keywords import (
    KEYWORDS_ENV,
    UNRESOLVED,
    keyword_mappings,
    keyword_replace,
)
from hooktui.core.problems import (
    HookNotFound,
    Problem,
    WorkspaceError,
    key_offsets,
    line_column,
)
from hooktui.core.state_dir import STATE_DIRECTORY, ensure_state_dir
from hooktui.core.triggers import Trigger

HOOKS_DIRECTORY = "hooks"
# How many hooks a problem about a group of them names before "and N more".
LISTED_HOOKS = 5


# ---------------------------------------------------------------------------- the workspace


class Workspace(HookEdits):
    """A folder of hooks and actions in deploy-cli's directory format, with hooktui's config beside
    it. Actions and their bindings load through `actions.py` and `bindings.py`."""

    def __init__(self, root: Path, *, env: Mapping[str, str] | None = None) -> None:
        root = Path(root).expanduser()
        if not root.exists():
            raise WorkspaceError(f"{root}: no such folder; create it or pass an existing workspace")
        if not root.is_dir():
            raise WorkspaceError(f"{root} is a file; a workspace is a folder holding hooks/")
        self.root = root.resolve()
        self.hooks_dir = self.root / HOOKS_DIRECTORY
        # os.environ is live, so a reload sees variables changed since opening.
        self._env: Mapping[str, str] = os.environ if env is None else env
        self.config = WorkspaceConfig()
        self.keywords: dict[str, Any] = {}
        self.hooks: list[Hook] = []
        self._by_meta_path: dict[Path, Hook] = {}
        self.problems: list[Problem] = []
        self.actions: list[Action] = []
        self.bindings: Bindings
        self.action_problems: list[Problem] = []  # of actions/ and triggers/, in ws.problems too
        self.reload()
        if self.state_dir.is_dir():
            # A folder left by an older hooktui, whose .gitignore only named node_modules.
            try:
                ensure_state_dir(self.state_dir)
            except OSError:
                pass  # a read-only checkout: nothing is written there either

    @classmethod
    def open(cls, root: Path, *, env: Mapping[str, str] | None = None) -> Workspace:
        """Load the workspace at `root`; `env` (default os.environ) supplies keyword mappings."""
        return cls(root, env=env)

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIRECTORY

    @property
    def actions_dir(self) -> Path:
        return self.root / "actions"

    def action(self, ref: str) -> Action:
        """The action named `ref` (or its JSON file's stem); ActionNotFound lists close names."""
        return find_action(self.actions, ref, self.root)

    @property
    def node_modules(self) -> Path:
        return self.state_dir / "node_modules"

    def _rel(self, path: Path) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return Path(path).as_posix()

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Re-read the config and every hook from disk."""
        if self.hooks_dir.exists() and not self.hooks_dir.is_dir():
            raise WorkspaceError(
                f"{self.hooks_dir} is a file, but deploy-cli's format needs a hooks/ folder "
                f"holding <name>.json and <name>.js; move the file away"
            )
        try:
            self.config = WorkspaceConfig.load(self.root)
        except ConfigError as exc:
            raise WorkspaceError(str(exc)) from exc
        self.keywords = keyword_mappings(self.config.keywords, self._env)

        hooks = [self._load_hook(path) for path in self._meta_files()]
        named = [h for h, from_json in hooks if from_json]
        self.hooks = sorted((h for h, _ in hooks), key=lambda h: (h.deployed_name, h.meta_path.name))
        # Every edit and script read finds its hook by the .json path: a scan of the list made a
        # validate of 2,000 hooks quadratic.
        self._by_meta_path = {h.meta_path: h for h in self.hooks}
        self._check_duplicate_names(named)
        self._check_one_enabled_per_trigger(self.hooks)
        self.problems = [p for h in self.hooks for p in h.problems]
        self.actions, folder_problems = load_actions(self.root, self.keywords)
        self.bindings = load_bindings(self.root, self.actions, self.keywords)
        self.action_problems = [*folder_problems, *(p for a in self.actions for p in a.problems),
                                *self.bindings.problems]
        self.problems += self.action_problems

    def _meta_files(self) -> list[Path]:
        if not self.hooks_dir.is_dir():
            return []
        found = []
        for entry in sorted(os.scandir(self.hooks_dir), key=lambda e: e.name):
            # deploy-cli takes every regular *.json; dotfiles are skipped as well so that
            # macOS "._x.json" resource forks and editor droppings never count as hooks.
            if entry.name.startswith(".") or not entry.name.endswith(".json"):
                continue
            if entry.is_file():  # follows symlinks, like fs.statSync
                found.append(Path(entry.path))
        return found

    def _load_hook(self, meta_path: Path) -> tuple[Hook, bool]:
        """The hook `meta_path` defines, and whether its JSON gave it a name."""
        rel = self._rel(meta_path)
        stem = meta_path.stem
        problems: list[Problem] = []

        def stub() -> tuple[Hook, bool]:
            hook = Hook(stem, deployed_name(stem), "", False, meta_path, None, "", problems=problems)
            return hook, False

        try:
            raw = meta_path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(rel, f"not UTF-8 text (byte {exc.start}); save it as UTF-8"))
            return stub()
        except OSError as exc:
            problems.append(Problem(rel, f"cannot read: {exc.strerror or exc}"))
            return stub()

        fields, found = check_meta(
            raw, rel=rel, stem=stem, keywords=self.keywords, resolve_script=self._resolve_script
        )
        problems.extend(found)
        if fields is None:
            return stub()
        deployed = deployed_name(fields.name)
        problems[:] = [with_hook(p, deployed) for p in problems]
        hook = Hook(
            name=fields.name,
            deployed_name=deployed,
            trigger=fields.trigger,
            enabled=fields.enabled,
            meta_path=meta_path,
            script_path=fields.script_path,
            script=fields.script,
            dependencies=fields.dependencies,
            secrets=fields.secrets,
            problems=problems,
        )
        return hook, fields.from_json

    def _resolve_script(self, script: str) -> tuple[Path | None, str | None]:
        """The script's absolute path, or why it cannot be used."""
        # deploy-cli: path.resolve(<root>/hooks, script with backslashes as slashes).
        lexical = Path(os.path.normpath(os.path.join(self.hooks_dir, script.replace("\\", "/"))))
        real = Path(os.path.realpath(lexical))
        for candidate, how in ((lexical, ""), (real, " through a symlink")):
            if candidate == self.root or not candidate.is_relative_to(self.root):
                return None, (
                    f"{script!r} resolves{how} to {candidate}, outside the workspace "
                    f"{self.root}; refusing to load it. Move the script inside the workspace"
                )
        if not real.exists():
            return lexical, f"script file {self._rel(lexical)} not found; create it or fix the path"
        if not real.is_file():
            return lexical, f"{self._rel(lexical)} is not a file; point \"script\" at the hook's .js"
        return lexical, None

    def _check_duplicate_names(self, hooks: list[Hook]) -> None:
        by_name: dict[str, list[Hook]] = {}
        for hook in hooks:
            by_name.setdefault(hook.deployed_name, []).append(hook)
        for name, group in by_name.items():
            if len(group) < 2:
                continue
            message = (
                f"{len(group)} hooks deploy as {name!r}: {_listing(group, self._rel)}. Hook names "
                f"are unique on Auth0 (deployed names are lower-cased, whitespace becomes '-'); "
                f"rename all but one"
            )
            for hook in group:
                hook.problems.append(self._field_problem(hook, "name", message, group=f"name:{name}"))

    def _check_one_enabled_per_trigger(self, hooks: list[Hook]) -> None:
        by_trigger: dict[Trigger, list[Hook]] = {}
        for hook in hooks:
            if hook.enabled and hook.trigger_enum is not None:
                by_trigger.setdefault(hook.trigger_enum, []).append(hook)
        for trigger, group in by_trigger.items():
            if len(group) < 2:
                continue
            message = (
                f"{len(group)} enabled hooks use {trigger.value!r}: {_listing(group, self._rel)}. "
                f"Auth0 allows only one enabled hook per trigger; set \"enabled\": false in all "
                f"but one"
            )
            for hook in group:
                hook.problems.append(self._field_problem(hook, "enabled", message,
                                                         group=f"enabled:{trigger.value}"))

    def _field_problem(self, hook: Hook, fld: str, message: str, *, group: str | None = None) -> Problem:
        line, column = self.key_location(hook, fld)
        return Problem(self._rel(hook.meta_path), message, fld, line, column, hook.deployed_name,
                       group=group)

    def key_location(self, hook: Hook, *path: str) -> tuple[int | None, int | None]:
        """(line, column) of a key in the hook's JSON, e.g. ("dependencies", "lodash"), when found."""
        try:
            text = keyword_replace(hook.meta_path.read_text(encoding="utf-8"), self.keywords)
            offsets = key_offsets(text)
        except (OSError, ValueError):
            return None, None
        return line_column(text, offsets[path]) if path in offsets else (None, None)

    # ------------------------------------------------------------------ lookup

    def hook(self, ref: str) -> Hook:
        """The hook named `ref`: deployed name, name as written, or the JSON file's stem."""
        for matches in (
            lambda h: h.deployed_name == ref,
            lambda h: h.name == ref,
            lambda h: h.meta_path.stem == ref,
            lambda h: h.deployed_name == deployed_name(ref),
        ):
            for hook in self.hooks:
                if matches(hook):
                    return hook
        candidates: dict[str, str] = {}
        for hook in self.hooks:
            for alias in (hook.deployed_name, hook.name, hook.meta_path.stem):
                candidates.setdefault(alias, hook.deployed_name)
        close = difflib.get_close_matches(ref, list(candidates), n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(candidates[c] for c in close))
        message = f"no hook named {ref!r} in {self.root}"
        if suggestions:
            message += f"; did you mean {', '.join(repr(s) for s in suggestions)}?"
        message += " Run `hooktui list` to see every hook."
        raise HookNotFound(ref, message)

    def hooks_for(self, trigger: Trigger | str) -> list[Hook]:
        value = trigger.value if isinstance(trigger, Trigger) else str(trigger)
        return [h for h in self.hooks if h.trigger == value]

    def _current(self, hook: Hook | str) -> Hook:
        # Callers may hold Hook objects from before a reload; the .json path is the identity.
        if isinstance(hook, str):
            return self.hook(hook)
        return self._by_meta(hook.meta_path)

    def _by_meta(self, meta_path: Path) -> Hook:
        found = self._by_meta_path.get(meta_path)
        if found is not None:
            return found
        raise HookNotFound(
            meta_path.stem,
            f"{self._rel(meta_path)} no longer defines a hook; run `hooktui list` to see every hook.",
        )

    # ------------------------------------------------------------------ scripts

    def raw_script(self, hook: Hook | str) -> str:
        """The script exactly as on disk."""
        path = self._script_target(self._current(hook))
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"cannot read {self._rel(path)}: {exc}") from exc

    def script_problems(self, hook: Hook | str) -> list[Problem]:
        """What is wrong with the script's text itself, read from disk: not UTF-8 (an error), or
        a `##KEY##` / `@@KEY@@` with no keyword mapping (a warning, at its first line:column;
        an unmapped `@@KEY@@` in code is also why Node reports a SyntaxError there)."""
        current = self._current(hook)
        try:
            path = self._script_target(current)
            raw = path.read_bytes()
        except (WorkspaceError, OSError):
            return []  # the hook's JSON problems already say why there is no script
        rel = self._rel(current.script_path or path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            return [Problem(rel, f"not UTF-8 text (byte {exc.start}); save it as UTF-8", None, line,
                            hook=current.deployed_name)]
        found = []
        seen: set[str] = set()
        for match in UNRESOLVED.finditer(text):
            marker = match.group(0)
            if match.group(2) in self.keywords or marker in seen:
                continue
            seen.add(marker)
            line, column = line_column(text, match.start())
            found.append(Problem(
                rel, f"{marker} has no keyword mapping, so it reaches Node.js (and Auth0) as written; "
                f"add it to [keywords] in hooktui.toml or to {KEYWORDS_ENV}",
                None, line, column, current.deployed_name, "warning"))
        return found

    def read_script(self, hook: Hook | str) -> str:
        """The script as Auth0 would receive it: after keyword replacement."""
        return keyword_replace(self.raw_script(hook), self.keywords)

    def write_script(self, hook: Hook | str, text: str) -> None:
        """Save the script atomically; a symlinked script is written through its link."""
        current = self._current(hook)
        target = self._script_target(current)
        existed = target.exists()
        atomic_write(target, text)
        if not existed:
            self.reload()  # the "script file not found" problem is gone

    def _script_target(self, hook: Hook) -> Path:
        if hook.script_path is None:
            why = "; ".join(str(p) for p in hook.problems if p.field == "script") or "no script"
            raise WorkspaceError(f"hook {hook.deployed_name!r} has no usable script: {why}")
        real = Path(os.path.realpath(hook.script_path))
        if real == self.root or not real.is_relative_to(self.root):
            raise WorkspaceError(f"{hook.script_path} now resolves outside the workspace; refusing")
        return real


def _listing(hooks: Iterable[Hook], rel) -> str:
    """The first few hooks of a group and how many more: a message stays short however many
    hooks share a trigger or a name."""
    hooks = list(hooks)
    shown = ", ".join(f"{h.deployed_name} ({rel(h.meta_path)})" for h in hooks[:LISTED_HOOKS])
    rest = len(hooks) - LISTED_HOOKS
    return f"{shown} and {rest} more" if rest > 0 else shown
