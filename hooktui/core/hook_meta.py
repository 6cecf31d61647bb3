"""One hook's `hooks/<name>.json`: the Hook it defines, deploy-cli's naming rules, and the checks of
its fields (each problem at its file:line:column), with no disk access but the script's resolution."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooktui.core.keywords import KEYWORD_HINT, UNRESOLVED, keyword_replace
from hooktui.core.npm import package_name_problems, version_problem
from hooktui.core.problems import (
    JSON_SPACE,
    KeyRepeats,
    Problem,
    json_type,
    key_offsets,
    line_column,
    reject_constant,
    repeated_keys,
)
from hooktui.core.triggers import Trigger, parse_trigger

MAX_SECRETS = 20
# Auth0's Management API pattern for hook names.
NAME_PATTERN = re.compile(r"[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?")
# auth0-deploy-cli's hook schema (`^[^-\s][a-zA-Z0-9-\s]+[^-\s]$`) also wants 3+ characters.
DEPLOY_CLI_MIN_NAME = 3
NAME_RULE = (
    f"a hook name needs at least {DEPLOY_CLI_MIN_NAME} characters: letters, digits, spaces and '-', "
    f"starting and ending with a letter or digit"
)
# The order hooktui writes a hook's JSON keys in; other keys follow in their existing order.
META_KEY_ORDER = ("name", "triggerId", "enabled", "script", "dependencies", "secrets")
VALID_TRIGGERS = ", ".join(t.value for t in Trigger)


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


@dataclass
class MetaFields:
    """What one hook's JSON says, once its fields are checked."""

    name: str  # the stem when the JSON has no usable name
    from_json: bool  # whether the JSON gave the name
    trigger: str
    enabled: bool
    script: str
    script_path: Path | None
    dependencies: dict[str, str]
    secrets: dict[str, str]


def check_meta(
    raw: str,
    *,
    rel: str,
    stem: str,
    keywords: Mapping[str, Any],
    resolve_script: Callable[[str], tuple[Path | None, str | None]] | None,
) -> tuple[MetaFields | None, list[Problem]]:
    """The checks of one hook's JSON text `raw` (before keyword replacement), with no disk access
    but the script's resolution.

    Fields are None when the text is not a JSON object. The problems name no hook yet; the
    script path is only resolved when `resolve_script` is given.
    """
    problems: list[Problem] = []
    text = keyword_replace(raw, keywords)
    repeats = KeyRepeats()
    try:
        data = json.loads(text, parse_constant=reject_constant, object_pairs_hook=repeats)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg}"
        if text != raw:
            message += " (position counted after keyword replacement)"
        unresolved = sorted({m.group(0) for m in UNRESOLVED.finditer(text) if m.group(1) == "@@"})
        if unresolved:
            message += (
                f"; {', '.join(unresolved)} has no keyword mapping: {KEYWORD_HINT}"
            )
        else:
            message += "; fix the syntax there (a trailing comma or a missing quote is typical)"
        problems.append(Problem(rel, message, line=exc.lineno, column=exc.colno))
        return None, problems
    except ValueError as exc:
        problems.append(Problem(rel, f"invalid JSON: {exc}"))
        return None, problems
    if not isinstance(data, dict):
        line, column = line_column(text, JSON_SPACE.match(text).end())
        problems.append(
            Problem(rel, f'expected a JSON object like {{"name": ..., "triggerId": ...}}, '
                    f"got {json_type(data)}", line=line, column=column)
        )
        return None, problems

    offsets = key_offsets(text)
    if repeats.found:
        repeated = repeated_keys(text)
        for path, line, column, message in repeated:
            fld = path[0] if len(path) == 1 else ".".join(path[:2])
            problems.append(Problem(rel, message, fld, line, column))
        if not repeated:
            problems.append(Problem(rel, "a key appears twice; JSON keeps only the last one: keep one"))

    def problem(message: str, fld: str | None, *path: str, severity: str = "error") -> None:
        line = column = None
        key_path = path or ((fld,) if fld else ())
        if key_path in offsets:
            line, column = line_column(text, offsets[key_path])
        problems.append(Problem(rel, message, fld, line, column, None, severity))

    # name
    name = data.get("name")
    from_json = isinstance(name, str)
    if "name" not in data:
        problem(f'missing "name"; add "name": "{stem}"', "name")
    elif not from_json:
        problem(f"must be a string, got {json_type(name)}", "name")
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
        problem(f"must be a string, got {json_type(trigger)} (expected one of {VALID_TRIGGERS})",
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
        problem(f"must be true or false, got {json_type(enabled)}", "enabled")
        enabled = False

    # script
    script = data.get("script")
    script_path = None
    if "script" not in data or script == "":
        problem(f'missing "script"; add "script": "./{stem}.js"', "script")
        script = ""
    elif not isinstance(script, str):
        problem(f'must be a path string like "./{stem}.js", got {json_type(script)}', "script")
        script = ""
    elif resolve_script is not None:
        script_path, why = resolve_script(script)
        if why:
            problem(why, "script")

    # secrets
    secrets: dict[str, str] = {}
    raw_secrets = data.get("secrets", {})
    if not isinstance(raw_secrets, dict):
        problem(f'must be an object of "NAME": "value" strings, got {json_type(raw_secrets)}',
                "secrets")
    else:
        if len(raw_secrets) > MAX_SECRETS:
            problem(f"{len(raw_secrets)} secrets, but Auth0 allows at most {MAX_SECRETS} per "
                    f"hook; remove or merge some", "secrets")
        for key, value in raw_secrets.items():
            if isinstance(value, str):
                secrets[key] = value
            else:
                problem(f"secret values must be strings, got {json_type(value)}; quote it",
                        f"secrets.{key}", "secrets", key)

    # dependencies
    dependencies: dict[str, str] = {}
    raw_deps = data.get("dependencies", {})
    if not isinstance(raw_deps, dict):
        problem(f'must be an object of "package": "version", got {json_type(raw_deps)}',
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
    for marker in sorted({m.group(0) for m in UNRESOLVED.finditer(text)}):
        problems.append(Problem(
            rel, f"{marker} has no keyword mapping and stays as written; {KEYWORD_HINT}", severity="warning"))

    return MetaFields(
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
    fields, problems = check_meta(
        text, rel=file, stem=Path(file).stem, keywords=keywords or {}, resolve_script=None
    )
    hook = hook_name if hook_name is not None else (
        deployed_name(fields.name) if fields is not None else None
    )
    return [with_hook(p, hook) for p in problems]


def ordered_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    """A hook's JSON keys in hooktui's stable order: the known keys first, then the rest as
    they were."""
    ordered = {k: data[k] for k in META_KEY_ORDER if k in data}
    ordered.update((k, v) for k, v in data.items() if k not in ordered)
    return ordered


def with_hook(problem: Problem, hook: str | None) -> Problem:
    return dataclasses.replace(problem, hook=hook)
