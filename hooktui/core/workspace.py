"""The hooks workspace on disk: auth0-deploy-cli's directory format, loaded, validated and edited.

A workspace is a folder holding `hooks/<name>.json` (the hook's metadata) next to the script it
names, plus `hooktui.toml`. Loading never stops at the first bad hook: every problem is collected.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooktui.core.config import ConfigError, WorkspaceConfig
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.triggers import Trigger, parse_trigger

if TYPE_CHECKING:
    from hooktui.core.actions import Action
    from hooktui.core.bindings import Bindings

HOOKS_DIRECTORY = "hooks"
STATE_DIRECTORY = ".hooktui"
KEYWORDS_ENV = "AUTH0_KEYWORD_REPLACE_MAPPINGS"
MAX_SECRETS = 20
# Auth0's Management API pattern for hook names.
NAME_PATTERN = re.compile(r"[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?")
# auth0-deploy-cli's hook schema (`^[^-\s][a-zA-Z0-9-\s]+[^-\s]$`) also wants 3+ characters.
DEPLOY_CLI_MIN_NAME = 3
NAME_RULE = (
    f"a hook name needs at least {DEPLOY_CLI_MIN_NAME} characters: letters, digits, spaces and '-', "
    f"starting and ending with a letter or digit"
)
# Inside .hooktui/ itself, so it holds whatever the workspace's own .gitignore says: sync state,
# node_modules and the rest of hooktui's files never show in `git status`.
STATE_GITIGNORE = "*"
# How many hooks a problem about a group of them names before "and N more".
LISTED_HOOKS = 5
# The order hooktui writes a hook's JSON keys in; other keys follow in their existing order.
META_KEY_ORDER = ("name", "triggerId", "enabled", "script", "dependencies", "secrets")
VALID_TRIGGERS = ", ".join(t.value for t in Trigger)


class WorkspaceError(Exception):
    """The workspace, or the file an edit needs, cannot be used; the message says what to do."""


class HookNotFound(KeyError):
    """No hook answers to a reference; the message lists close matches."""

    def __init__(self, ref: str, message: str) -> None:
        super().__init__(ref)
        self.ref = ref
        self.message = message

    def __str__(self) -> str:  # KeyError would show the repr of the key only
        return self.message


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the workspace root, posix style
    message: str
    field: str | None = None
    line: int | None = None
    column: int | None = None
    hook: str | None = None  # deployed name when known
    severity: str = "error"  # "error" | "warning"
    # Problems of one group (the hooks sharing a trigger or a deployed name) say the same thing
    # on each hook: a workspace-wide report shows the group once.
    group: str | None = dataclasses.field(default=None, compare=False)
    action: str | None = None  # the action's name, for a problem of an action or a binding

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [where]
        if self.severity != "error":
            parts.append(self.severity)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


@dataclass
class Hook:
    name: str  # as written in the JSON (the file stem when the JSON has no usable name)
    deployed_name: str  # lower-cased, whitespace -> '-'
    trigger: str  # the triggerId as written; may be invalid, see `valid`
    enabled: bool
    meta_path: Path  # absolute path of the .json
    script_path: Path | None  # absolute path of the script; None when it cannot be resolved safely
    script: str  # the "script" field as written
    dependencies: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # after keyword replacement
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def trigger_enum(self) -> Trigger | None:
        try:
            return Trigger(self.trigger)
        except ValueError:
            return None


# ---------------------------------------------------------------------------- deploy-cli rules

# JavaScript's \s, which is not Python's: JS includes U+FEFF, Python includes U+001C..U+001F.
_JS_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")


def deployed_name(name: str) -> str:
    """The name deploy-cli sends to Auth0: `name.toLowerCase().replace(/\\s/g, '-')`."""
    return _JS_WHITESPACE.sub("-", name.lower())


def name_problem(name: str) -> tuple[str, str] | None:
    """(severity, why) when Auth0 or deploy-cli refuses the hook name `name`, else None.

    The Management API refuses what breaks its pattern (an error); a name it accepts but that
    is shorter than deploy-cli's schema allows is a warning: `hooktui push` deploys it, a0deploy
    would not. hooktui itself never creates or renames to either.
    """
    deployed = deployed_name(name)
    lead = f"{name!r} deploys as {deployed!r}"
    if not NAME_PATTERN.fullmatch(deployed):
        return "error", f"{lead}, which Auth0 refuses: {NAME_RULE}"
    if len(deployed) < DEPLOY_CLI_MIN_NAME:
        return "warning", (
            f"{lead}, which auth0-deploy-cli refuses: {NAME_RULE}. The Management API "
            f"takes it, so `hooktui push` works, but a0deploy refuses the workspace"
        )
    return None


def ensure_state_dir(state_dir: Path) -> Path:
    """Create the workspace's `.hooktui/` if needed, with a .gitignore that keeps all of it out
    of git. Every writer into the folder calls this first; lines a user added are kept."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    gitignore = state_dir / ".gitignore"
    try:
        existing = gitignore.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = ""
    if STATE_GITIGNORE not in (line.strip() for line in existing.splitlines()):
        separator = "\n" if existing and not existing.endswith("\n") else ""
        atomic_write(gitignore, f"{existing}{separator}{STATE_GITIGNORE}\n")
    return state_dir


def _js_number(value: int | float, *, json_mode: bool) -> str:
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        if json_mode:
            return "null"
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value == 0:
        return "0"
    # JS prints plain decimals from 1e-6 up to 1e21 and exponents outside; Python's repr
    # switches at other thresholds.
    magnitude = abs(value)
    if 1e-6 <= magnitude < 1e21:
        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    mantissa, exponent = repr(value).split("e")
    mantissa = mantissa.removesuffix(".0")
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"


_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def _js_key_order(obj: Mapping[str, Any]) -> list[str]:
    # JS objects list integer-like keys first, ascending, then the rest in insertion order.
    index_keys = sorted(
        (k for k in obj if _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1), key=int
    )
    return index_keys + [k for k in obj if k not in index_keys]


def js_stringify(value: Any) -> str:
    """`JSON.stringify(value)` for JSON-like Python values (what `@@KEY@@` is replaced with)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _js_number(value, json_mode=True)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = {str(k): v for k, v in value.items()}
        return "{" + ",".join(
            f"{json.dumps(k, ensure_ascii=False)}:{js_stringify(items[k])}"
            for k in _js_key_order(items)
        ) + "}"
    raise TypeError(f"cannot express {type(value).__name__} in JSON")


def js_string(value: Any) -> str:
    """`String(value)` in JavaScript (what `##KEY##` is replaced with): arrays join with ','."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _js_number(value, json_mode=False)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


def keyword_replace(text: str, mappings: Mapping[str, Any]) -> str:
    """deploy-cli's keywordReplace: every `@@KEY@@` pass first, then every `##KEY##` pass.

    `@@KEY@@` swallows quotes around it ("@@KEY@@" and '@@KEY@@'), so a quoted marker in
    JSON turns into a bare array, object or number. Keys are matched literally (deploy-cli
    builds an unescaped regex from them; keys are plain words in practice).
    """
    if not mappings:
        return text
    for key, value in mappings.items():
        marker = re.escape(f"@@{key}@@")
        replacement = js_stringify(value)
        text = re.sub(f"'{marker}'|\"{marker}\"|{marker}", lambda _m: replacement, text)
    for key, value in mappings.items():
        replacement = js_string(value)
        text = re.sub(re.escape(f"##{key}##"), lambda _m: replacement, text)
    return text


def keyword_mappings(config_keywords: Mapping[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The `[keywords]` table overlaid with the JSON object in $AUTH0_KEYWORD_REPLACE_MAPPINGS."""
    mappings = dict(config_keywords)
    raw = env.get(KEYWORDS_ENV)
    if raw is None or not raw.strip():
        return mappings
    try:
        from_env = parse_json_object_strict(raw, KEYWORDS_ENV)
    except json.JSONDecodeError as exc:
        raise WorkspaceError(
            f"{KEYWORDS_ENV} is not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}); set it to a JSON object such as '{{\"API_URL\": \"https://...\"}}'"
        ) from None
    except ValueError as exc:
        raise WorkspaceError(str(exc)) from None
    if not isinstance(from_env, dict):
        raise WorkspaceError(
            f"{KEYWORDS_ENV} must be a JSON object such as '{{\"API_URL\": \"https://...\"}}', "
            f"got {type(from_env).__name__}"
        )
    mappings.update(from_env)
    return mappings


_UNRESOLVED = re.compile(r"(##|@@)([A-Za-z0-9_.-]+)\1")

# ---------------------------------------------------------------------------- npm rules

# validate-npm-package-name: what survives encodeURIComponent unchanged.
_URL_SAFE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_SCOPED = re.compile(r"@([^/]+)/([^/]+)")
_NODE_CORE_MODULES = frozenset(
    "assert async_hooks buffer child_process cluster console constants crypto dgram "
    "diagnostics_channel dns domain events fs http http2 https inspector module net os path "
    "perf_hooks process punycode querystring readline repl stream string_decoder sys timers "
    "tls trace_events tty url util v8 vm wasi worker_threads zlib".split()
)


def package_name_problems(name: str) -> list[tuple[str, str]]:
    """(severity, message) for an npm package name, after validate-npm-package-name."""
    if not name:
        return [("error", "package name is empty")]
    if name.startswith((".", "_")):
        return [("error", f"package name {name!r} cannot start with '.' or '_'")]
    if name.strip() != name:
        return [("error", f"package name {name!r} cannot start or end with spaces")]
    if name.lower() in ("node_modules", "favicon.ico"):
        return [("error", f"{name!r} is not a valid package name")]
    if len(name) > 214:
        return [("error", "package name is longer than npm's 214 characters")]
    scoped = _SCOPED.fullmatch(name)
    parts = scoped.groups() if scoped else (name,)
    if not all(_URL_SAFE.fullmatch(p) for p in parts):
        return [("error", f"package name {name!r} contains characters npm does not allow")]
    found = []
    if name in _NODE_CORE_MODULES:
        found.append(
            ("warning", f"{name!r} is a Node.js core module: require() returns the built-in "
             "one, so drop it from dependencies")
        )
    if name != name.lower():
        found.append(("warning", f"package name {name!r} has capital letters, which only "
                      "old npm packages have; check the spelling"))
    return found


# node-semver's range grammar (https://github.com/npm/node-semver#range-grammar).
_NR = r"(?:0|[1-9][0-9]*)"
_XR = rf"(?:[xX*]|{_NR})"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_QUALIFIER = rf"(?:-{_PRE_ID}(?:\.{_PRE_ID})*)?(?:\+{_BUILD_ID}(?:\.{_BUILD_ID})*)?"
_PARTIAL = rf"=?v?{_XR}(?:\.{_XR}(?:\.{_XR}{_QUALIFIER})?)?"
_SIMPLE = rf"(?:(?:<=|>=|<|>|=|~>?|\^)\s*)?{_PARTIAL}"
_RANGE = rf"(?:{_PARTIAL}\s+-\s+{_PARTIAL}|{_SIMPLE}(?:\s+{_SIMPLE})*)"
_RANGE_SET = re.compile(rf"\s*{_RANGE}(?:\s*\|\|\s*{_RANGE})*\s*")
_GIT_SHORTHAND = re.compile(r"[\w.-]+/[\w.-]+(?:#.*)?")
_DIST_TAG = re.compile(r"[A-Za-z][\w.-]*")

_PIN_HINT = 'pin a version from the npm registry, e.g. "4.17.21" or "^4.17.0"'


def version_problem(value: Any) -> str | None:
    """Why `value` is not an npm semver version or range, or None when it is one."""
    if not isinstance(value, str):
        return f"version must be a string, got {_json_type(value)}; {_PIN_HINT}"
    text = value.strip()
    if not text:
        return f"version is empty; {_PIN_HINT}"
    if _RANGE_SET.fullmatch(value):
        return None
    lowered = text.lower()
    if lowered.startswith(("git+", "git:", "git@", "github:", "gitlab:", "bitbucket:", "gist:")):
        return f"{value!r} is a git source, which Auth0 cannot install; {_PIN_HINT}"
    if "://" in text:
        return f"{value!r} is a URL, which Auth0 cannot install; {_PIN_HINT}"
    if lowered.startswith(("file:", "link:", "./", "../", "/", "~/")) or "\\" in text:
        return f"{value!r} is a local path, which Auth0 cannot install; {_PIN_HINT}"
    if lowered.startswith(("npm:", "workspace:")):
        return f"{value!r} is an alias, which Auth0 cannot install; {_PIN_HINT}"
    if _GIT_SHORTHAND.fullmatch(text):
        return f"{value!r} is a GitHub shorthand, which Auth0 cannot install; {_PIN_HINT}"
    if _DIST_TAG.fullmatch(text):
        return f"{value!r} is a dist-tag, which moves between installs; {_PIN_HINT}"
    return f"{value!r} is not a semver version or range; {_PIN_HINT}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# ---------------------------------------------------------------------------- JSON positions

_WS = re.compile(r"[ \t\n\r]*")


def _key_offsets(text: str) -> dict[tuple[str, ...], int]:
    """Offset of every object key in valid JSON `text`, by path; the last duplicate wins, as in parsing."""
    return _scan_keys(text)[0]


def _scan_keys(text: str) -> tuple[dict[tuple[str, ...], int], list[tuple[tuple[str, ...], int, int]]]:
    """`_key_offsets`, and every repeated key: (path, offset of its first use, offset of the repeat)."""
    offsets: dict[tuple[str, ...], int] = {}
    repeats: list[tuple[tuple[str, ...], int, int]] = []
    scan = json.JSONDecoder().scan_once
    scanstring = json.decoder.scanstring

    def skip(i: int) -> int:
        return _WS.match(text, i).end()

    def walk(i: int, path: tuple[str, ...]) -> int:
        i = skip(i)
        if text[i] == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            seen: dict[str, int] = {}
            while True:
                i = skip(i)
                start = i
                key, i = scanstring(text, i + 1)
                if key in seen:
                    repeats.append(((*path, key), seen[key], start))
                seen.setdefault(key, start)
                offsets[(*path, key)] = start
                i = skip(i) + 1  # the colon
                i = skip(walk(i, (*path, key)))
                if text[i] == ",":
                    i += 1
                    continue
                return i + 1
        if text[i] == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                i = skip(walk(i, (*path, str(index))))
                index += 1
                if text[i] == ",":
                    i += 1
                    continue
                return i + 1
        _, end = scan(text, i)
        return end

    try:
        walk(0, ())
    except (IndexError, ValueError, StopIteration):
        pass  # positions are a courtesy; the parse itself already succeeded
    return offsets, repeats


class _Repeats:
    """An object_pairs_hook that notes whether any object repeats a key (json keeps the last,
    silently, as JSON.parse does) and otherwise builds the same dicts."""

    def __init__(self) -> None:
        self.found = False

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) != len(pairs):
            self.found = True
        return data


def repeated_keys(text: str) -> list[tuple[tuple[str, ...], int, int, str]]:
    """(key path, line, column, message) for every repeated key in valid JSON `text`: JSON.parse
    and json both keep the last silently, so any JSON hooktui reads is checked with this."""
    return _repeat_messages(text)


def _repeat_messages(text: str) -> list[tuple[tuple[str, ...], int, int, str]]:
    """(key path, line, column, message) for every repeated key in valid JSON `text`."""
    found = []
    for path, first, repeat in _scan_keys(text)[1]:
        first_line, _ = _line_column(text, first)
        line, column = _line_column(text, repeat)
        where = ".".join(path[:-1])
        lines = f"both on line {line}" if first_line == line else f"lines {first_line} and {line}"
        found.append((path, line, column, (
            f'"{path[-1]}" appears twice{" in " + where if where else ""} ({lines}); JSON keeps '
            f"only the last one, so the other is silently ignored: keep one"
        )))
    return found


def parse_json_object_strict(text: str, source: str) -> Any:
    """json.loads for JSON hooktui reads besides hook files: a repeated key is a ValueError
    naming `source`, the key and its lines, rather than a silent last-wins."""
    repeats = _Repeats()
    data = json.loads(text, object_pairs_hook=repeats, parse_constant=_reject_constant)
    if repeats.found:
        messages = _repeat_messages(text)
        if messages:
            raise ValueError(f"{source}: {messages[0][3]}")
        raise ValueError(f"{source}: a key appears twice; keep one")
    return data


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def _reject_constant(name: str) -> Any:
    # JSON.parse refuses NaN and Infinity; so do we.
    raise ValueError(f"{name} is not valid JSON")


@dataclass
class _MetaFields:
    """What one hook's JSON says, once its fields are checked."""

    name: str  # the stem when the JSON has no usable name
    from_json: bool  # whether the JSON gave the name
    trigger: str
    enabled: bool
    script: str
    script_path: Path | None
    dependencies: dict[str, str]
    secrets: dict[str, str]


def _check_meta(
    raw: str,
    *,
    rel: str,
    stem: str,
    keywords: Mapping[str, Any],
    resolve_script: Callable[[str], tuple[Path | None, str | None]] | None,
) -> tuple[_MetaFields | None, list[Problem]]:
    """The checks of one hook's JSON text `raw` (before keyword replacement), with no disk access
    but the script's resolution.

    Fields are None when the text is not a JSON object. The problems name no hook yet; the
    script path is only resolved when `resolve_script` is given.
    """
    problems: list[Problem] = []
    text = keyword_replace(raw, keywords)
    repeats = _Repeats()
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=repeats)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg}"
        if text != raw:
            message += " (position counted after keyword replacement)"
        unresolved = sorted({m.group(0) for m in _UNRESOLVED.finditer(text) if m.group(1) == "@@"})
        if unresolved:
            message += (
                f"; {', '.join(unresolved)} has no keyword mapping: add it to [keywords] in "
                f"hooktui.toml or to {KEYWORDS_ENV}"
            )
        else:
            message += "; fix the syntax there (a trailing comma or a missing quote is typical)"
        problems.append(Problem(rel, message, line=exc.lineno, column=exc.colno))
        return None, problems
    except ValueError as exc:
        problems.append(Problem(rel, f"invalid JSON: {exc}"))
        return None, problems
    if not isinstance(data, dict):
        line, column = _line_column(text, _WS.match(text).end())
        problems.append(
            Problem(rel, f'expected a JSON object like {{"name": ..., "triggerId": ...}}, '
                    f"got {_json_type(data)}", line=line, column=column)
        )
        return None, problems

    offsets = _key_offsets(text)
    if repeats.found:
        repeated = _repeat_messages(text)
        for path, line, column, message in repeated:
            fld = path[0] if len(path) == 1 else ".".join(path[:2])
            problems.append(Problem(rel, message, fld, line, column))
        if not repeated:
            problems.append(Problem(rel, "a key appears twice; JSON keeps only the last one: keep one"))

    def problem(message: str, fld: str | None, *path: str, severity: str = "error") -> None:
        line = column = None
        key_path = path or ((fld,) if fld else ())
        if key_path in offsets:
            line, column = _line_column(text, offsets[key_path])
        problems.append(Problem(rel, message, fld, line, column, None, severity))

    # name
    name = data.get("name")
    from_json = isinstance(name, str)
    if "name" not in data:
        problem(f'missing "name"; add "name": "{stem}"', "name")
    elif not from_json:
        problem(f"must be a string, got {_json_type(name)}", "name")
    if not from_json:
        name = stem
    refused = name_problem(name) if from_json else None
    if refused is not None:
        problem(refused[1], "name", severity=refused[0])

    # triggerId
    trigger = data.get("triggerId")
    if "triggerId" not in data:
        problem(f'missing "triggerId"; expected one of {VALID_TRIGGERS}', "triggerId")
        trigger = ""
    elif not isinstance(trigger, str):
        problem(f"must be a string, got {_json_type(trigger)} (expected one of {VALID_TRIGGERS})",
                "triggerId")
        trigger = ""
    else:
        try:
            parse_trigger(trigger)
        except ValueError:
            close = difflib.get_close_matches(trigger, [t.value for t in Trigger], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(f"unknown trigger {trigger!r} (expected one of {VALID_TRIGGERS}){hint}",
                    "triggerId")

    # enabled
    enabled = data.get("enabled", False)
    if not isinstance(enabled, bool):
        problem(f"must be true or false, got {_json_type(enabled)}", "enabled")
        enabled = False

    # script
    script = data.get("script")
    script_path = None
    if "script" not in data or script == "":
        problem(f'missing "script"; add "script": "./{stem}.js"', "script")
        script = ""
    elif not isinstance(script, str):
        problem(f'must be a path string like "./{stem}.js", got {_json_type(script)}', "script")
        script = ""
    elif resolve_script is not None:
        script_path, why = resolve_script(script)
        if why:
            problem(why, "script")

    # secrets
    secrets: dict[str, str] = {}
    raw_secrets = data.get("secrets", {})
    if not isinstance(raw_secrets, dict):
        problem(f'must be an object of "NAME": "value" strings, got {_json_type(raw_secrets)}',
                "secrets")
    else:
        if len(raw_secrets) > MAX_SECRETS:
            problem(f"{len(raw_secrets)} secrets, but Auth0 allows at most {MAX_SECRETS} per "
                    f"hook; remove or merge some", "secrets")
        for key, value in raw_secrets.items():
            if isinstance(value, str):
                secrets[key] = value
            else:
                problem(f"secret values must be strings, got {_json_type(value)}; quote it",
                        f"secrets.{key}", "secrets", key)

    # dependencies
    dependencies: dict[str, str] = {}
    raw_deps = data.get("dependencies", {})
    if not isinstance(raw_deps, dict):
        problem(f'must be an object of "package": "version", got {_json_type(raw_deps)}',
                "dependencies")
    else:
        for package, version in raw_deps.items():
            fld = f"dependencies.{package}"
            for severity, message in package_name_problems(package):
                problem(message, fld, "dependencies", package, severity=severity)
            why = version_problem(version)
            if why:
                problem(why, fld, "dependencies", package)
            elif isinstance(version, str):
                dependencies[package] = version

    # Placeholders still in the text were never mapped and would deploy literally.
    for marker in sorted({m.group(0) for m in _UNRESOLVED.finditer(text)}):
        problems.append(Problem(
            rel, f"{marker} has no keyword mapping and stays as written; add it to [keywords] "
            f"in hooktui.toml or to {KEYWORDS_ENV}", severity="warning"))

    return _MetaFields(
        name=name,
        from_json=from_json,
        trigger=trigger,
        enabled=enabled,
        script=script,
        script_path=script_path,
        dependencies=dependencies,
        secrets=secrets,
    ), problems


def validate_meta_text(
    text: str,
    *,
    file: str,
    hook_name: str | None = None,
    keywords: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """The problems the workspace would report for one hook's JSON `text`, before it is written.

    The same checks as loading: JSON syntax (line:column), name, triggerId, enabled, script,
    secrets and dependencies. `file` is the path reported (e.g. "hooks/x.json"); `hook_name` the
    hook the problems name (default: the name in the text). Not checked here, because they need
    the workspace: whether the script file exists, duplicate names, one enabled hook per trigger.
    """
    fields, problems = _check_meta(
        text, rel=file, stem=Path(file).stem, keywords=keywords or {}, resolve_script=None
    )
    hook = hook_name if hook_name is not None else (
        deployed_name(fields.name) if fields is not None else None
    )
    return [_with_hook(p, hook) for p in problems]


# ---------------------------------------------------------------------------- the workspace


class Workspace:
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
        from hooktui.core.actions import find_action

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
        # Here, not at the top: those modules build on this one's Problem and JSON helpers.
        from hooktui.core.actions import load_actions
        from hooktui.core.bindings import load_bindings

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

        fields, found = _check_meta(
            raw, rel=rel, stem=stem, keywords=self.keywords, resolve_script=self._resolve_script
        )
        problems.extend(found)
        if fields is None:
            return stub()
        deployed = deployed_name(fields.name)
        problems[:] = [_with_hook(p, deployed) for p in problems]
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
            offsets = _key_offsets(text)
        except (OSError, ValueError):
            return None, None
        return _line_column(text, offsets[path]) if path in offsets else (None, None)

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
        for match in _UNRESOLVED.finditer(text):
            marker = match.group(0)
            if match.group(2) in self.keywords or marker in seen:
                continue
            seen.add(marker)
            line, column = _line_column(text, match.start())
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

    # ------------------------------------------------------------------ metadata edits

    def raw_meta(self, hook: Hook | str) -> dict[str, Any]:
        """The hook's JSON as on disk, before keyword replacement (what update_meta edits)."""
        path = self._current(hook).meta_path
        rel = self._rel(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"cannot read {rel}: {exc}") from exc
        try:
            data = json.loads(raw, parse_constant=_reject_constant)
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
            raise WorkspaceError(f"cannot edit {rel}: it holds {_json_type(data)}, not a JSON object")
        repeated = _repeat_messages(raw)
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


def ordered_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    """A hook's JSON keys in hooktui's stable order: the known keys first, then the rest as
    they were."""
    ordered = {k: data[k] for k in META_KEY_ORDER if k in data}
    ordered.update((k, v) for k, v in data.items() if k not in ordered)
    return ordered


def _with_hook(problem: Problem, hook: str | None) -> Problem:
    return dataclasses.replace(problem, hook=hook)


def _listing(hooks: Iterable[Hook], rel) -> str:
    """The first few hooks of a group and how many more: a message stays short however many
    hooks share a trigger or a name."""
    hooks = list(hooks)
    shown = ", ".join(f"{h.deployed_name} ({rel(h.meta_path)})" for h in hooks[:LISTED_HOOKS])
    rest = len(hooks) - LISTED_HOOKS
    return f"{shown} and {rest} more" if rest > 0 else shown
