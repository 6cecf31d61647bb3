"""Actions in the workspace, in auth0-deploy-cli's directory format: `actions/<name>.json` (the
action's settings) and the code file its "code" names, usually `actions/<name>/code.js`.

Loading reads every file, replaces keywords as deploy-cli does, and collects every problem with
its file:line:column. Secret values are kept for local runs only; a secret exported without a
value (the tenant keeps it) has `value` None and is shown as "value not in the workspace".
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooktui.core.action_exports import FOUND, MISSING, check_handler
from hooktui.core.action_triggers import (
    ACTION_TRIGGERS,
    DEFAULT_RUNTIME,
    MODULE_EXPORTS,
    ActionTrigger,
    runtime_problem,
    unknown_trigger_message,
    version_problem,
)
from hooktui.core.config import mask
from hooktui.core.jsondoc import UNRESOLVED, JsonDoc, parse_json_doc, read_json_doc, top_position
from hooktui.core.keywords import KEYWORD_HINT, KEYWORDS_ENV, keyword_replace
from hooktui.core.npm import package_name_problems
from hooktui.core.npm import version_problem as npm_version_problem
from hooktui.core.problems import HookNotFound, Problem, WorkspaceError, json_type

ACTIONS_DIRECTORY = "actions"
# Auth0's limits (docs: customize/actions/limitations).
MAX_CODE_BYTES = 100 * 1024
MAX_DEPENDENCIES = 10
MAX_SECRETS = 30
MAX_SECRET_NAME = 128
MAX_SECRET_VALUE = 4096
# What deploy-cli's export writes for a value it may not show; it is not stripped for actions.
OBFUSCATED_VALUE = "_VALUE_NOT_SHOWN_"
NOT_IN_WORKSPACE = "value not in the workspace"
_DEPENDENCY_KEYS = ("name", "version", "registry_url")  # deploy-cli's schema allows no other
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHOLE_MARKER = re.compile(r"(##|@@)([A-Za-z0-9_.-]+)\1")


class ActionNotFound(HookNotFound):
    """No action answers to a name; the message lists close matches."""


@dataclass(frozen=True)
class ActionSecret:
    name: str
    # None: not in the workspace (an export without values; the tenant keeps it). Out of the repr,
    # so that no log line or traceback ever prints it.
    value: str | None = field(default=None, repr=False)

    @property
    def shown(self) -> str:
        """What any face shows for it: never the value."""
        return mask(self.value) if self.value is not None else NOT_IN_WORKSPACE


@dataclass
class Action:
    name: str  # as written (the file stem when the JSON has no usable name)
    meta_path: Path  # absolute path of actions/<name>.json
    code: str  # the "code" field as written
    code_path: Path | None  # resolved; None when it cannot be
    runtime: str | None  # as written; None means Auth0's default
    supported_triggers: list[tuple[str, str | None]] = field(default_factory=list)  # (id, version)
    dependencies: dict[str, str] = field(default_factory=dict)
    secrets: list[ActionSecret] = field(default_factory=list)
    deployed: bool = False
    status: str | None = None
    modules: list[str] = field(default_factory=list)  # "name@version" of the action modules it uses
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def trigger_id(self) -> str:
        """The trigger it runs on ("" when the file names none; Auth0 allows exactly one)."""
        return self.supported_triggers[0][0] if self.supported_triggers else ""

    @property
    def trigger_version(self) -> str | None:
        return self.supported_triggers[0][1] if self.supported_triggers else None

    @property
    def trigger(self) -> ActionTrigger | None:
        return ACTION_TRIGGERS.get(self.trigger_id)

    @property
    def effective_runtime(self) -> str:
        return self.runtime or DEFAULT_RUNTIME

    @property
    def handler(self) -> str | None:
        """The export Auth0 calls for this action's trigger version, when known (MODULE_EXPORTS for
        a v1, which may also export the current handler)."""
        trigger = self.trigger
        if trigger is None:
            return None
        version = trigger.version(self.trigger_version or "") or trigger.current
        return version.handler if version else None

    def secret_values(self) -> dict[str, str]:
        """`event.secrets` for a local run: the secrets whose value is in the workspace."""
        return {s.name: s.value for s in self.secrets if s.value is not None}

    def missing_secrets(self) -> list[str]:
        return [s.name for s in self.secrets if s.value is None]


# ---------------------------------------------------------------------------- loading


def action_files(actions_dir: Path) -> list[Path]:
    """Every regular *.json directly in actions/, as deploy-cli takes them (dotfiles skipped)."""
    if not actions_dir.is_dir():
        return []
    return sorted(Path(e.path) for e in os.scandir(actions_dir)
                  if not e.name.startswith(".") and e.name.endswith(".json") and e.is_file())


def load_actions(root: Path, keywords: Mapping[str, Any]) -> tuple[list[Action], list[Problem]]:
    """Every action of the workspace at `root`, and the problems that belong to no one action."""
    actions_dir = root / ACTIONS_DIRECTORY
    if actions_dir.exists() and not actions_dir.is_dir():
        return [], [Problem(ACTIONS_DIRECTORY, "is a file, but deploy-cli's format needs an actions/ folder "
                            "holding <name>.json and <name>/code.js (deploy-cli stops here); move the file away")]
    actions = [_load_action(root, path, keywords) for path in action_files(actions_dir)]
    _check_repeated_names(root, actions)
    return actions, []


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _load_action(root: Path, meta_path: Path, keywords: Mapping[str, Any]) -> Action:
    return _action_of(root, meta_path, read_json_doc(meta_path, _rel(root, meta_path), keywords), keywords)


def action_from_text(root: Path, meta_path: Path, text: str, keywords: Mapping[str, Any]) -> Action:
    """The action `text` would make if it were `meta_path`'s content (an editor's buffer before a
    save), with every problem, as loading the file would give them."""
    return _action_of(root, meta_path, parse_json_doc(text, _rel(root, meta_path), keywords), keywords)


def _action_of(root: Path, meta_path: Path, doc: JsonDoc, keywords: Mapping[str, Any]) -> Action:
    rel = _rel(root, meta_path)
    stem = meta_path.stem
    action = Action(stem, meta_path, "", None, None, problems=doc.problems)
    if doc.data is None:
        return _named(action)
    if not isinstance(doc.data, dict):
        line, column = top_position(doc)
        doc.problems.append(Problem(rel, f'expected a JSON object like {{"name": ..., "code": ..., '
                                    f'"supported_triggers": [...]}}, got {json_type(doc.data)}', line=line, column=column))
        return _named(action)
    data = doc.data
    _check_name(doc, data, action, stem)
    _check_triggers(doc, data, action)
    _check_runtime(doc, data, action)
    _check_dependencies(doc, data, action)
    _check_secrets(doc, data, action)
    _check_small_fields(doc, data, action)
    _check_code_field(root, doc, data, action, stem)
    doc.unresolved_warnings()
    _check_code(root, action, keywords)
    return _named(action)


def _named(action: Action) -> Action:
    # In reading order: the JSON's problems by line, then the code's.
    ordered = sorted(action.problems, key=lambda p: (p.file != _rel_of(action, action.meta_path), p.file,
                                                      p.line or 0, p.column or 0))
    action.problems[:] = [_with_action(p, action.name) for p in ordered]
    return action


def _rel_of(action: Action, path: Path) -> str:
    # Problems name files relative to the root, and the JSON sits at actions/<stem>.json.
    return f"{ACTIONS_DIRECTORY}/{path.name}"


def _with_action(problem: Problem, name: str) -> Problem:
    from dataclasses import replace

    return replace(problem, action=name)


def _check_name(doc: JsonDoc, data: dict[str, Any], action: Action, stem: str) -> None:
    name = data.get("name")
    if "name" not in data:
        doc.problem(f'missing "name"; add "name": "{stem}" (Auth0 and deploy-cli require it)', "name")
    elif not isinstance(name, str):
        doc.problem(f"must be a string, got {json_type(name)}", "name", "name")
    elif not name.strip():
        doc.problem('is empty; Auth0 refuses an action without a name: give it one, e.g. '
                    f'"name": "{stem}"', "name", "name")
    else:
        action.name = name
        if _CONTROL.search(name):
            doc.problem("holds a control character (a tab or a line break), which Auth0 refuses in a name; "
                        "remove it", "name", "name")
        elif name != name.strip():
            doc.problem(f"{name!r} starts or ends with spaces; Auth0 keeps them, so bindings and the "
                        "dashboard must spell them too: remove them", "name", "name", severity="warning")


def _check_triggers(doc: JsonDoc, data: dict[str, Any], action: Action) -> None:
    example = '"supported_triggers": [{"id": "post-login", "version": "v3"}]'
    if "supported_triggers" not in data:
        doc.problem(f"missing \"supported_triggers\"; deploy-cli and Auth0 require it: add {example}",
                    "supported_triggers")
        return
    raw = data["supported_triggers"]
    if not isinstance(raw, list):
        doc.problem(f"must be an array like [{{\"id\": \"post-login\", \"version\": \"v3\"}}], got {json_type(raw)}",
                    "supported_triggers", "supported_triggers")
        return
    if not raw:
        doc.problem(f"is empty; an action runs on one trigger: {example}", "supported_triggers", "supported_triggers")
        return
    if len(raw) > 1:
        doc.problem(f"lists {len(raw)} triggers, but an Auth0 action supports exactly one; keep one and make "
                    "another action for the others", "supported_triggers", "supported_triggers")
    for index, item in enumerate(raw):
        fld = f"supported_triggers[{index}]"
        if not isinstance(item, dict):
            doc.problem(f'must be an object like {{"id": "post-login", "version": "v3"}}, got {json_type(item)}',
                        fld, "supported_triggers", index)
            continue
        trigger_id, version = item.get("id"), item.get("version")
        if not isinstance(trigger_id, str) or not trigger_id:
            doc.problem('needs an "id" string such as "post-login"', f"{fld}.id", "supported_triggers", index)
            continue
        trigger = ACTION_TRIGGERS.get(trigger_id)
        if trigger is None:
            doc.problem(unknown_trigger_message(trigger_id), f"{fld}.id", "supported_triggers", index, "id")
        if version is None:
            current = trigger.current if trigger else None
            if current is not None:
                doc.problem(f'has no "version"; Auth0 needs one: add "version": "{current.version}" (current)',
                            f"{fld}.version", "supported_triggers", index, "id", severity="warning")
        elif not isinstance(version, str):
            doc.problem(f"must be a string like \"v3\", got {json_type(version)}", f"{fld}.version",
                        "supported_triggers", index, "version")
            version = None
        elif trigger is not None:
            found = version_problem(trigger, version)
            if found is not None:
                doc.problem(found[1], f"{fld}.version", "supported_triggers", index, "version", severity=found[0])
        action.supported_triggers.append((trigger_id, version))


def _check_runtime(doc: JsonDoc, data: dict[str, Any], action: Action) -> None:
    if "runtime" not in data or data["runtime"] is None:
        return  # Auth0 uses the trigger's default, node22
    runtime = data["runtime"]
    if not isinstance(runtime, str):
        doc.problem(f'must be a string like "{DEFAULT_RUNTIME}", got {json_type(runtime)}', "runtime", "runtime")
        return
    action.runtime = runtime
    found = runtime_problem(runtime, action.trigger, action.trigger_version)
    if found is not None:
        doc.problem(found[1], "runtime", "runtime", severity=found[0])


def _check_dependencies(doc: JsonDoc, data: dict[str, Any], action: Action) -> None:
    raw = data.get("dependencies", [])
    if raw is None:
        return
    if not isinstance(raw, list):
        doc.problem(f'must be an array like [{{"name": "axios", "version": "1.7.9"}}], got {json_type(raw)}',
                    "dependencies", "dependencies")
        return
    if len(raw) > MAX_DEPENDENCIES:
        doc.problem(f"{len(raw)} dependencies, but Auth0 allows at most {MAX_DEPENDENCIES} per action; "
                    "drop some (Node's built-in modules need no entry)", "dependencies", "dependencies")
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        fld = f"dependencies[{index}]"
        if not isinstance(item, dict):
            doc.problem(f'must be an object like {{"name": "axios", "version": "1.7.9"}}, got {json_type(item)}',
                        fld, "dependencies", index)
            continue
        for key in item:
            if key not in _DEPENDENCY_KEYS:
                doc.problem(f"{key!r} is not a dependency field: deploy-cli's schema allows only "
                            f"{', '.join(_DEPENDENCY_KEYS)} and refuses the file; remove it",
                            f"{fld}.{key}", "dependencies", index, key)
        name, version = item.get("name"), item.get("version")
        if not isinstance(name, str):
            doc.problem('needs a "name" string, the npm package', f"{fld}.name", "dependencies", index)
            continue
        for severity, message in package_name_problems(name):
            doc.problem(message, f"{fld}.name", "dependencies", index, "name", severity=severity)
        if name in seen:
            doc.problem(f"{name!r} is listed twice (also dependencies[{seen[name]}]); Auth0 installs one "
                        "version per package: keep one", f"{fld}.name", "dependencies", index, "name")
            continue
        seen[name] = index
        why = npm_version_problem(version) if "version" in item else (
            'needs a "version", e.g. "1.7.9"; Auth0 installs "latest" otherwise, which moves between builds')
        if why:
            doc.problem(why, f"{fld}.version", "dependencies", index, "version" if "version" in item else "name",
                        severity="error" if "version" in item else "warning")
        if isinstance(version, str):
            action.dependencies[name] = version


def _check_secrets(doc: JsonDoc, data: dict[str, Any], action: Action) -> None:
    raw = data.get("secrets", [])
    if raw is None:
        return
    if isinstance(raw, str):
        whole = _WHOLE_MARKER.fullmatch(raw)
        if whole:
            doc.explained.add(raw)
            doc.problem(f"is {raw}, which has no keyword mapping: deploy-cli leaves the tenant's secrets as they "
                        f"are, and locally the action has none. To set them, add {whole.group(2)} to [keywords] in "
                        f"hooktui.toml or to {KEYWORDS_ENV}",
                        "secrets", "secrets", severity="warning")
        else:
            doc.problem('must be an array like [{"name": "API_KEY", "value": "..."}], got a string',
                        "secrets", "secrets")
        return
    if not isinstance(raw, list):
        doc.problem(f'must be an array like [{{"name": "API_KEY", "value": "..."}}], got {json_type(raw)}',
                    "secrets", "secrets")
        return
    if len(raw) > MAX_SECRETS:
        doc.problem(f"{len(raw)} secrets, but Auth0 allows at most {MAX_SECRETS} per action; remove or merge "
                    "some", "secrets", "secrets")
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        fld = f"secrets[{index}]"
        if not isinstance(item, dict):
            doc.problem(f'must be an object like {{"name": "API_KEY", "value": "..."}}, got {json_type(item)}',
                        fld, "secrets", index)
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            doc.problem('needs a "name" string, e.g. "API_KEY"', f"{fld}.name", "secrets", index)
            continue
        where = ("secrets", index, "name")
        if len(name) > MAX_SECRET_NAME:
            doc.problem(f"the secret name is {len(name)} characters; Auth0 allows at most {MAX_SECRET_NAME}",
                        f"{fld}.name", *where)
        if name in seen:
            doc.problem(f"secret {name!r} is listed twice (also secrets[{seen[name]}]); event.secrets has one "
                        "value per name: keep one", f"{fld}.name", *where)
            continue
        seen[name] = index
        action.secrets.append(ActionSecret(name, _secret_value(doc, item, name, fld, index)))


def _secret_value(doc: JsonDoc, item: dict[str, Any], name: str, fld: str, index: int) -> str | None:
    """The secret's value for local runs, or None; problems never quote a value."""
    if "value" not in item or item["value"] is None:
        return None  # an export: Auth0 never returns secret values, the tenant keeps its own
    value = item["value"]
    where = ("secrets", index, "value")
    if not isinstance(value, str):
        doc.problem(f"the value of {name!r} must be a string, got {json_type(value)}; quote it",
                    f"{fld}.value", *where)
        return None
    whole = _WHOLE_MARKER.fullmatch(value)
    if whole:
        doc.explained.add(value)
        doc.problem(f"the value of {name!r} is {value}, which has no keyword mapping: deploy-cli would set the "
                    f"secret to that text (it strips unmapped placeholders only outside arrays), and locally "
                    f"{name} has no value. Add {whole.group(2)} to [keywords] in hooktui.toml or to {KEYWORDS_ENV}",
                    f"{fld}.value", *where, severity="warning")
        return None
    if value == OBFUSCATED_VALUE:
        doc.problem(f"the value of {name!r} is {OBFUSCATED_VALUE}, the placeholder of an export: deploy-cli would "
                    f"send it as the value. Set the real value through a keyword (\"##{name}##\" and {KEYWORDS_ENV}) "
                    "or drop \"value\" so the tenant keeps its own", f"{fld}.value", *where, severity="warning")
        return None
    if len(value) > MAX_SECRET_VALUE:
        doc.problem(f"the value of {name!r} is {len(value)} characters; Auth0 allows at most {MAX_SECRET_VALUE}",
                    f"{fld}.value", *where)
    return value


def _check_small_fields(doc: JsonDoc, data: dict[str, Any], action: Action) -> None:
    deployed = data.get("deployed", False)
    if isinstance(deployed, bool):
        action.deployed = deployed
    else:
        doc.problem(f"must be true or false, got {json_type(deployed)}", "deployed", "deployed")
    status = data.get("status")
    if isinstance(status, str):
        action.status = status
    modules = data.get("modules")
    if isinstance(modules, list) and modules:
        for item in modules:
            if isinstance(item, dict):
                action.modules.append(f"{item.get('module_name')}@{item.get('module_version_number')}")
        doc.problem(f"uses action modules ({', '.join(action.modules)}); hooktui does not load them, so "
                    "require('actions:...') fails in local runs", "modules", "modules", severity="warning")


def _check_code_field(root: Path, doc: JsonDoc, data: dict[str, Any], action: Action, stem: str) -> None:
    suggested = f"./{ACTIONS_DIRECTORY}/{stem}/code.js"
    code = data.get("code")
    if "code" not in data:
        doc.problem(f'missing "code"; add "code": "{suggested}" (deploy-cli requires it)', "code")
        return
    if not isinstance(code, str) or not code:
        got = "an empty string" if code == "" else json_type(code)
        doc.problem(f'must be a path like "{suggested}", got {got}', "code", "code")
        return
    action.code = code
    # deploy-cli: path.resolve(<workspace>, code with backslashes as slashes), from the root.
    lexical = Path(os.path.normpath(os.path.join(root, code.replace("\\", "/"))))
    real = Path(os.path.realpath(lexical))
    for candidate, how in ((lexical, ""), (real, " through a symlink")):
        if candidate == root or not candidate.is_relative_to(root):
            doc.problem(f"{code!r} resolves{how} to {candidate}, outside the workspace: deploy-cli warns today and "
                        "will refuse it in its next major release, and hooktui never writes there. Move the code "
                        "inside the workspace", "code", "code", severity="warning")
            break
    if not real.is_file():
        what = "not found" if not real.exists() else "not a file"
        hint = ""
        from_actions = Path(os.path.normpath(os.path.join(root, ACTIONS_DIRECTORY, code.replace("\\", "/"))))
        if from_actions.is_file():
            hint = (f"; deploy-cli resolves \"code\" from the workspace root, not from actions/: write "
                    f"\"./{_rel(root, from_actions)}\"")
        elif (root / ACTIONS_DIRECTORY / stem / "code.js").is_file():
            hint = f"; did you mean \"{suggested}\"?"
        doc.problem(f"code file {_rel(root, lexical)} {what}{hint}", "code", "code")
        return
    action.code_path = lexical


# The code checks of unchanged files, by (path, inode, size, mtime, ctime, handler, keywords): a
# save reloads the workspace, and re-reading every other action's code made that 1 s for 100
# actions of 50 kB. atomic_write gives each save a new inode, so a hit is the same bytes.
_CODE_CHECKS: dict[tuple[Any, ...], list[Problem]] = {}
_CODE_CHECKS_MAX = 4096


def _check_code(root: Path, action: Action, keywords: Mapping[str, Any]) -> None:
    if action.code_path is None:
        return
    try:
        st = action.code_path.stat()
        key: tuple[Any, ...] | None = (
            str(action.code_path), str(root), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
            action.handler, action.trigger_id, repr(sorted(keywords.items())))
    except (OSError, TypeError):
        key = None
    cached = _CODE_CHECKS.get(key) if key is not None else None
    if cached is None:
        cached = _code_problems(root, action, keywords)
        if key is not None:
            if len(_CODE_CHECKS) >= _CODE_CHECKS_MAX:
                _CODE_CHECKS.clear()
            _CODE_CHECKS[key] = cached
    action.problems.extend(cached)


def _code_problems(root: Path, action: Action, keywords: Mapping[str, Any]) -> list[Problem]:
    """The code file's own problems: encoding, size, unmapped keywords and the handler."""
    assert action.code_path is not None
    found: list[Problem] = []
    rel = _rel(root, action.code_path)
    try:
        raw = action.code_path.read_bytes()
    except OSError as exc:
        return [Problem(rel, f"cannot read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        found.append(Problem(rel, f"not UTF-8 text (byte {exc.start}); Auth0 takes UTF-8 only: save it "
                                       "as UTF-8", line=line))
        return found
    code = keyword_replace(text, keywords)
    size = len(code.encode("utf-8"))
    if size > MAX_CODE_BYTES:
        found.append(Problem(rel, f"the code is {size:,} bytes, over Auth0's limit of {MAX_CODE_BYTES:,} "
                                       "(100 kB, npm packages excluded); move code into dependencies or split "
                                       "the action"))
    seen: set[str] = set()
    for match in UNRESOLVED.finditer(code):
        marker = match.group(0)
        if marker in seen:
            continue
        seen.add(marker)
        line, column = _line_col(code, match.start())
        found.append(Problem(rel, f"{marker} has no keyword mapping, so it reaches Node.js (and Auth0) as "
                                       f"written; {KEYWORD_HINT}", None, line, column, severity="warning"))
    handler = action.handler
    if handler is None:
        return found
    current = action.trigger.handler if action.trigger else None
    if handler == MODULE_EXPORTS and current and check_handler(code, current).status == FOUND:
        handler = current  # a v1 action written in the current shape: checked as such
    check = check_handler(code, handler)
    if check.message is None:
        return found
    line, column = _line_col(code, check.offset) if check.offset is not None else (None, None)
    severity = check.severity or ("error" if check.status == MISSING else "warning")
    if check.status == FOUND and severity == "error":
        severity = "warning"
    found.append(Problem(rel, check.message, None, line, column, severity=severity))
    return found


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _check_repeated_names(root: Path, actions: list[Action]) -> None:
    by_name: dict[str, list[Action]] = {}
    for action in actions:
        by_name.setdefault(action.name, []).append(action)
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        files = ", ".join(_rel(root, a.meta_path) for a in group)
        message = (f"{len(group)} actions are named {name!r} ({files}); Auth0 names are unique and bindings and "
                   "deploy-cli find actions by name: rename all but one")
        for action in group:
            doc_line = _name_location(action)
            action.problems.append(Problem(_rel(root, action.meta_path), message, "name", *doc_line,
                                           group=f"action-name:{name}", action=name))


def _name_location(action: Action) -> tuple[int | None, int | None]:
    try:
        text = action.meta_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, None
    match = re.search(r'"name"\s*:', text)
    return _line_col(text, match.start()) if match else (None, None)


# ---------------------------------------------------------------------------- lookup and code


def find_action(actions: list[Action], ref: str, root: Path) -> Action:
    """The action named `ref` (its name, or its JSON file's stem)."""
    for action in actions:
        if action.name == ref:
            return action
    for action in actions:
        if action.meta_path.stem == ref:
            return action
    names = [a.name for a in actions]
    close = difflib.get_close_matches(ref, names, n=3, cutoff=0.6)
    message = f"no action named {ref!r} in {root}"
    if close:
        message += f"; did you mean {', '.join(repr(c) for c in close)}?"
    message += " Run `hooktui list` to see every action."
    raise ActionNotFound(ref, message)


def read_code(action: Action, keywords: Mapping[str, Any]) -> str:
    """The code as Auth0 would receive it: after keyword replacement."""
    return keyword_replace(raw_code(action), keywords)


def raw_code(action: Action) -> str:
    if action.code_path is None:
        why = "; ".join(p.message for p in action.problems if p.field == "code") or "no code file"
        raise WorkspaceError(f"action {action.name!r} has no usable code: {why}")
    try:
        return action.code_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"cannot read {action.code_path}: {exc}") from exc
