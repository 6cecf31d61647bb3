"""Edits of hook files: meta writes, create, rename, delete, enable. Each write is atomic, checks
every file it will touch before the first one, and never overwrites a file it did not mean to.

Mixed into the Workspace, whose loading and lookup (`_current`, `_by_meta`, `_rel`, `reload`) these
build on, as the actions' edits in action_edits.py build on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hooktui.core.files import atomic_write, dump_json
from hooktui.core.hook_meta import Hook, deployed_name, name_problem, ordered_meta
from hooktui.core.problems import (
    WorkspaceError,
    json_type,
    reject_constant,
    repeated_keys,
)
from hooktui.core.triggers import Trigger, parse_trigger


class HookEdits:
    """The Workspace's edits of hooks/; it supplies the attributes and lookups below."""

    hooks: list[Hook]
    hooks_dir: Path

    def raw_meta(self, hook: Hook | str) -> dict[str, Any]:
        """The hook's JSON as on disk, before keyword replacement (what update_meta edits)."""
        path = self._current(hook).meta_path
        rel = self._rel(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"cannot read {rel}: {exc}") from exc
        try:
            data = json.loads(raw, parse_constant=reject_constant)
        except ValueError as exc:
            where = (
                f" (line {exc.lineno}, column {exc.colno}: {exc.msg})"
                if isinstance(exc, json.JSONDecodeError) else f" ({exc})"
            )
            hint = (
                " It holds @@KEY@@ placeholders outside strings, which only parse after keyword "
                "replacement, so hooktui cannot rewrite it without losing them."
                if "@@" in raw else ""
            )
            raise WorkspaceError(
                f"cannot edit {rel}: the file on disk is not valid JSON{where}.{hint} "
                f"Edit it by hand instead."
            ) from None
        if not isinstance(data, dict):
            raise WorkspaceError(f"cannot edit {rel}: it holds {json_type(data)}, not a JSON object")
        repeated = repeated_keys(raw)
        if repeated:
            # Rewriting it would keep one of each pair without asking.
            listing = "; ".join(message for *_, message in repeated)
            raise WorkspaceError(f"cannot edit {rel}: {listing}. Then try again")
        return data

    def update_meta(self, hook: Hook | str, **changes: Any) -> Hook:
        """Change keys of the hook's JSON on disk (raw, placeholders kept); None removes a key.

        `trigger=` is accepted for `triggerId=`. Keys are written in hooktui's stable order.
        """
        current = self._current(hook)
        data = self.raw_meta(current)
        if "trigger" in changes:
            changes["triggerId"] = changes.pop("trigger")
        for key, value in changes.items():
            if isinstance(value, Trigger):
                value = value.value
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        atomic_write(current.meta_path, dump_json(ordered_meta(data)))
        self.reload()
        return self._current(current)

    def _free_name(self, name: str, *, renaming: Hook | None = None) -> str:
        """The deployed name for `name`, refusing one Auth0 rejects or another hook has."""
        deployed = deployed_name(name)
        refused = name_problem(name)
        if refused is not None:
            # Even what only deploy-cli refuses: hooktui never makes a name someone's CI rejects.
            raise WorkspaceError(refused[1])
        for other in self.hooks:
            if other.deployed_name == deployed and (renaming is None or other.meta_path != renaming.meta_path):
                raise WorkspaceError(f"a hook named {deployed!r} already exists ({self._rel(other.meta_path)})")
        return deployed

    def rename_hook(self, hook: Hook | str, new_name: str) -> Hook:
        """Give a hook a new name, moving hooks/<old>.js and .json to the new deployed name.

        A script that does not follow the <name>.js convention (shared, or in a subfolder) stays
        where it is. New files are written before the old ones go, so a crash in between leaves
        both copies, never neither.
        """
        current = self._current(hook)
        deployed = self._free_name(new_name, renaming=current)
        data = self.raw_meta(current)
        meta_file = self.hooks_dir / f"{deployed}.json"
        old_script = current.script_path
        move_script = (
            old_script is not None
            and old_script.parent == self.hooks_dir
            and old_script.stem == current.meta_path.stem
            and old_script.exists()
        )
        script_file = self.hooks_dir / f"{deployed}.js" if move_script else old_script
        for path, old in ((meta_file, current.meta_path), (script_file, old_script)):
            if path is not None and path != old and (path.exists() or path.is_symlink()):
                raise WorkspaceError(f"{self._rel(path)} already exists; not overwriting it")
        data["name"] = new_name
        if move_script:
            assert old_script is not None and script_file is not None
            data["script"] = f"./{script_file.name}"
            atomic_write(script_file, old_script.read_bytes())
        atomic_write(meta_file, dump_json(ordered_meta(data)))
        if meta_file != current.meta_path:
            current.meta_path.unlink()
        if move_script and script_file != old_script:
            assert old_script is not None
            old_script.unlink()
        self.reload()
        return self._by_meta(meta_file)

    def delete_hook(self, hook: Hook | str) -> list[Path]:
        """Remove a hook's .json and its script (unless another hook uses the same script).
        Returns the files removed."""
        current = self._current(hook)
        removed = [current.meta_path]
        # The .json goes first: once it is gone the hook is gone, whatever happens next.
        current.meta_path.unlink()
        script = current.script_path
        shared = any(h.script_path == script for h in self.hooks if h.meta_path != current.meta_path)
        if script is not None and not shared and script.exists():
            script.unlink()
            removed.append(script)
        self.reload()
        return removed

    def set_enabled(self, hook: Hook | str, enabled: bool) -> list[Hook]:
        """Enable or disable a hook; enabling disables the other enabled hooks of its trigger.

        Returns the hooks that were disabled to make room. Every file is checked for being
        editable before the first write, so a refusal changes nothing.
        """
        current = self._current(hook)
        others = []
        if enabled and current.trigger_enum is not None:
            others = [
                h for h in self.hooks_for(current.trigger_enum)
                if h.enabled and h.meta_path != current.meta_path
            ]
        for h in (*others, current):
            self.raw_meta(h)
        # Others first, so the disk never holds two enabled hooks for one trigger.
        for other in others:
            self.update_meta(other, enabled=False)
        self.update_meta(current, enabled=enabled)
        return [self._current(o) for o in others]

    def create_hook(
        self, name: str, trigger: Trigger | str, script_text: str, *, enabled: bool = False
    ) -> Hook:
        """Write hooks/<deployed_name>.js and .json; never overwrites an existing file."""
        try:
            trigger = parse_trigger(trigger.value if isinstance(trigger, Trigger) else trigger)
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from None
        deployed = self._free_name(name)
        script_file = self.hooks_dir / f"{deployed}.js"
        meta_file = self.hooks_dir / f"{deployed}.json"
        for path in (script_file, meta_file):
            if path.exists() or path.is_symlink():
                raise WorkspaceError(f"{self._rel(path)} already exists; not overwriting it")
        self.hooks_dir.mkdir(parents=True, exist_ok=True)
        # Script first: a crash in between leaves a stray .js, which defines no hook.
        atomic_write(script_file, script_text)
        atomic_write(meta_file, dump_json({
            "name": name,
            "triggerId": trigger.value,
            "enabled": False,
            "script": f"./{deployed}.js",
            "dependencies": {},
            "secrets": {},
        }))
        self.reload()
        created = self._by_meta(meta_file)
        if enabled:
            self.set_enabled(created, True)
            created = self._current(created)
        return created
