"""The user's console settings: `<user config folder>/config.toml` (theme, keys, log, watching).

A broken settings file never stops the console: what cannot be used is reported as a warning and
replaced by its default. Saving keeps every key hooktui does not know.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from hooktui.core.config import user_config_dir
from hooktui.core.files import atomic_write

SETTINGS_FILE = "config.toml"
POLL_ENV = "HOOKTUI_POLL"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

_TOML_AT = re.compile(r"^(?P<message>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$", re.S)


def toml_error_location(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None, str]:
    """(line, column, message without the location) of a TOML error; Python 3.11's
    TOMLDecodeError only has the location inside its message."""
    text = str(exc)
    match = _TOML_AT.match(text)
    if match is None:
        return None, None, text
    return int(match["line"]), int(match["column"]), match["message"]


class SettingsError(Exception):
    """The settings cannot be saved; the message says which file and what to do."""


def settings_path(env: Mapping[str, str] | None = None) -> Path:
    return user_config_dir(env) / SETTINGS_FILE


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


# (table or None for the top level, key, attribute, check, what the check wants)
_FIELDS: tuple[tuple[str | None, str, str, Any, str], ...] = (
    (None, "theme", "theme", _is_name, "a theme name"),
    (None, "run_on_save", "run_on_save", _is_bool, "true or false"),
    ("log", "timestamps", "log_timestamps", _is_bool, "true or false"),
    ("log", "wrap", "log_wrap", _is_bool, "true or false"),
    ("log", "max_lines", "log_max_lines", _is_count, "an integer >= 1"),
    ("watch", "polling", "watch_polling", _is_bool, "true or false"),
)


@dataclass
class UserSettings:
    """What the user chose for the console; every field has a working default."""

    theme: str = "hooktui-dark"
    # binding id -> comma-separated keys, e.g. {"tester.run": "ctrl+enter,f5"}; [keys] in the file
    keymap: dict[str, str] = field(default_factory=dict)
    run_on_save: bool = True
    log_timestamps: bool = True  # [log] timestamps
    log_wrap: bool = False  # [log] wrap
    log_max_lines: int = 10000  # [log] max_lines
    watch_polling: bool = False  # [watch] polling; HOOKTUI_POLL=1 forces it on
    # The values as load() left them: a save only touches what changed since, so an
    # environment override never lands in the file and a value the load could not use stays
    # as the user typed it until they change that setting.
    _loaded: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> tuple[UserSettings, list[str]]:
        """The settings and the warnings about what in the file could not be used."""
        env = os.environ if env is None else env
        path = settings_path(env)
        settings = cls()
        warnings: list[str] = []
        data = _read(path, warnings)
        if data is not None:
            settings._apply(data, path, warnings)
        settings._apply_env(env, warnings)
        settings._loaded = {
            f.name: copy.deepcopy(getattr(settings, f.name)) for f in fields(settings) if f.init
        }
        return settings, warnings

    def _apply(self, data: dict[str, Any], path: Path, warnings: list[str]) -> None:
        for table, key, attr, check, expected in _FIELDS:
            section = data if table is None else data.get(table, {})
            if not isinstance(section, dict):
                continue  # reported once below
            if key not in section:
                continue
            value = section[key]
            if check(value):
                setattr(self, attr, value)
            else:
                dotted = key if table is None else f"{table}.{key}"
                warnings.append(
                    f"{path}: {dotted}: expected {expected}, got {_describe(value)}; "
                    f"using {_toml_literal(getattr(self, attr))}"
                )
        for table in ("log", "watch", "keys"):
            if table in data and not isinstance(data[table], dict):
                warnings.append(
                    f"{path}: {table}: expected a [{table}] table, got {_describe(data[table])}; "
                    f"using the defaults"
                )
        keys = data.get("keys", {})
        if isinstance(keys, dict):
            self.keymap = _read_keymap(keys, path, warnings)

    def _apply_env(self, env: Mapping[str, str], warnings: list[str]) -> None:
        raw = env.get(POLL_ENV, "").strip().lower()
        if not raw:
            return
        if raw in _TRUE or raw in _FALSE:
            self.watch_polling = raw in _TRUE
        else:
            warnings.append(
                f"{POLL_ENV}={env[POLL_ENV]!r}: expected 1 or 0 (true/false, yes/no, on/off); ignored"
            )

    def to_toml(self, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The TOML document on top of `base` (the file as it is), so unknown keys survive.

        A setting is written when it changed since load() and differs from its default or the
        file already had it: a file the user never touched stays short and follows future
        defaults.
        """
        doc: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (base or {}).items()}
        defaults = UserSettings()
        for table, key, attr, *_ in _FIELDS:
            value = getattr(self, attr)
            if self._unchanged(attr):
                continue
            if table is None:
                section = doc
            else:
                if not isinstance(doc.get(table), dict):
                    doc[table] = {}  # a wrong type was reported at load and is replaced now
                section = doc[table]
            if key in section or value != getattr(defaults, attr):
                section[key] = value
            if table is not None and not section:
                del doc[table]
        if not self._unchanged("keymap"):
            if self.keymap:
                doc["keys"] = dict(self.keymap)
            else:
                doc.pop("keys", None)
        return doc

    def _unchanged(self, attr: str) -> bool:
        return attr in self._loaded and self._loaded[attr] == getattr(self, attr)

    def save(self, env: Mapping[str, str] | None = None) -> Path:
        """Write the settings atomically, keeping keys hooktui does not know.

        Refuses (SettingsError) to replace a file that is not valid TOML: it holds what the user
        typed, and the load already said where it is broken.
        """
        env = os.environ if env is None else env
        path = settings_path(env)
        problems: list[str] = []
        existing = _read(path, problems)
        if problems:
            raise SettingsError(f"not saved: {problems[0]}; fix or remove the file, then try again")
        folder = path.parent
        try:
            if not folder.exists():
                # Shared with credentials.toml, which is kept private.
                folder.mkdir(parents=True, mode=0o700)
            atomic_write(path, tomli_w.dumps(self.to_toml(existing)))
        except OSError as exc:
            raise SettingsError(f"{path}: cannot write: {exc.strerror or exc}") from exc
        return path


def _read(path: Path, warnings: list[str]) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        warnings.append(f"{path}: cannot read: {exc.strerror or exc}; using the defaults")
        return None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        warnings.append(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); using the defaults")
    except tomllib.TOMLDecodeError as exc:
        line, column, message = toml_error_location(exc)
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        warnings.append(f"{where}: invalid TOML: {message}; using the defaults")
    return None


def _read_keymap(keys: dict[str, Any], path: Path, warnings: list[str], prefix: str = "") -> dict[str, str]:
    """[keys] as binding id -> "key1,key2". An unquoted `tester.run = "f5"` is a nested table
    in TOML; it is read as the id people meant. A list of keys is joined."""
    keymap: dict[str, str] = {}
    for name, value in keys.items():
        binding = f"{prefix}{name}"
        if isinstance(value, dict):
            keymap.update(_read_keymap(value, path, warnings, f"{binding}."))
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            if parts and all(parts):
                keymap[binding] = ",".join(parts)
                continue
        warnings.append(
            f"{path}: keys.{binding}: expected keys like \"ctrl+enter,f5\", got {_describe(value)}; "
            f"keeping the default keys"
        )
    return keymap


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({_toml_literal(value)})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)
