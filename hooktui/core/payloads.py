"""Test payloads: the JSON bodies Auth0 sends to a hook, shipped as samples or kept in a workspace.

Shipped samples live in `sample_payloads/<trigger>/NN-slug.json`; a workspace adds its own in
`payloads/<hook name>/` and `payloads/<trigger>/`. The `NN-` prefix only orders files; a payload is
named by its slug ("blocked-domain"), or by its full stem ("02-blocked-domain").
"""

from __future__ import annotations

import errno
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hooktui.core import resources
from hooktui.core.files import atomic_write, dump_json
from hooktui.core.problems import repeated_keys
from hooktui.core.triggers import Trigger, parse_trigger

_ORDER_PREFIX = re.compile(r"^\d+-")
# A saved payload's name becomes a file name: keep it to one safe path segment.
_SAVE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

Origin = Literal["sample", "workspace", "file"]


class PayloadError(Exception):
    """A payload that cannot be used, located as precisely as we know: file, line, column."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.source = source
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


_FIX_JSON = "fix the JSON and run again"


def parse_payload(text: str, source: str) -> Any:
    """The JSON value in `text`; PayloadError with line:column when it is not valid JSON.

    `source` names where the text came from ("payload.json", "<stdin>") for the error message.
    Like Node's JSON.parse, NaN and Infinity are refused: Auth0 would never send them.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise PayloadError(
            source, "the payload is empty", line=1, column=1, hint="write a JSON object such as {} and run again"
        )

    def refuse_constant(name: str) -> Any:
        raise _NonJsonConstant(name)

    try:
        value = json.loads(text, parse_constant=refuse_constant)
    except json.JSONDecodeError as exc:
        raise PayloadError(source, exc.msg, line=exc.lineno, column=exc.colno, hint=_FIX_JSON) from None
    except _NonJsonConstant as exc:
        line, column = _locate_constant(text, exc.name)
        raise PayloadError(
            source, f"{exc.name} is not valid JSON", line=line, column=column, hint="use null or a number"
        ) from None
    for _path, line, column, message in repeated_keys(text)[:1]:
        raise PayloadError(source, message, line=line, column=column)
    return value


class _NonJsonConstant(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _locate_constant(text: str, name: str) -> tuple[int | None, int | None]:
    """Line and column of the first bare `name` (outside strings), for the error message."""
    in_string = escaped = False
    line, line_start = 1, 0
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "\n":
            line, line_start = line + 1, i + 1
        elif text.startswith(name, i):
            return line, i - line_start + 1
    return None, None


def load_payload(path: Path) -> Any:
    """The JSON value in the file at `path` (UTF-8); PayloadError naming the file otherwise."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PayloadError(source, "no such payload file", hint="check the path or pick a sample by name") from None
    except IsADirectoryError:
        raise PayloadError(source, "is a folder, not a payload file") from None
    except OSError as exc:
        raise PayloadError(source, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(
            source, f"not UTF-8 text (byte {exc.start})", hint="save the file as UTF-8 and run again"
        ) from None
    return parse_payload(text, source)


@dataclass(frozen=True)
class SamplePayload:
    """A payload file for one trigger: a shipped sample, a workspace payload, or a file given by path."""

    trigger: str
    name: str  # the file stem without its NN- ordering prefix: "default", "blocked-domain"
    path: Path
    origin: Origin

    @property
    def stem(self) -> str:
        return self.path.stem

    def load(self) -> Any:
        return load_payload(self.path)


def payload_name(path: Path) -> str:
    """The name of a payload file: its stem without the NN- prefix that orders it."""
    return _ORDER_PREFIX.sub("", Path(path).stem, count=1)


def _scan(folder: Path, trigger: str, origin: Origin) -> list[SamplePayload]:
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.glob("*.json") if p.is_file() and not p.name.startswith("."))
    return [SamplePayload(trigger, payload_name(p), p, origin) for p in files]


def sample_payloads(trigger: Trigger | str, *, root: Path | None = None) -> list[SamplePayload]:
    """The shipped samples for `trigger`, sorted by file name (so "01-default" comes first)."""
    trig = parse_trigger(str(trigger))
    base = Path(root) if root is not None else resources.data_path("sample_payloads")
    return _scan(base / trig.value, trig.value, "sample")


def default_payload(trigger: Trigger | str, *, root: Path | None = None) -> SamplePayload:
    """The first shipped sample of `trigger`: the dashboard runner's default payload."""
    samples = sample_payloads(trigger, root=root)
    if not samples:
        base = Path(root) if root is not None else resources.data_path("sample_payloads")
        raise PayloadError(str(base / str(trigger)), "no sample payloads for this trigger")
    return samples[0]


def workspace_payloads(
    workspace_root: Path, hook_name: str | None, trigger: Trigger | str, *, payloads_dir: str = "payloads"
) -> list[SamplePayload]:
    """A workspace's own payloads: `payloads/<hook_name>/*.json`, then `payloads/<trigger>/*.json`.

    `payloads_dir` is the folder's path relative to the workspace ([paths] payloads in hooktui.toml).
    """
    trig = parse_trigger(str(trigger))
    base = Path(workspace_root) / payloads_dir
    found: list[SamplePayload] = []
    folders = [hook_name, trig.value] if hook_name else [trig.value]
    for folder in dict.fromkeys(folders):  # a hook named like its trigger: scan the folder once
        found.extend(_scan(base / folder, trig.value, "workspace"))
    return found


def available_payloads(
    trigger: Trigger | str,
    workspace_root: Path | None = None,
    hook_name: str | None = None,
    *,
    payloads_dir: str = "payloads",
) -> list[SamplePayload]:
    """Every payload a run of `trigger` can pick by name: the workspace's first, then the samples."""
    found = (
        workspace_payloads(workspace_root, hook_name, trigger, payloads_dir=payloads_dir)
        if workspace_root is not None
        else []
    )
    return found + sample_payloads(trigger)


def find_payload(
    ref: str,
    trigger: Trigger | str,
    workspace_root: Path | None = None,
    hook_name: str | None = None,
    *,
    payloads_dir: str = "payloads",
) -> SamplePayload:
    """The payload `ref` points at: a path to a JSON file, or a payload name for `trigger`.

    Names match a payload's slug ("blocked-domain") or its file stem ("02-blocked-domain");
    workspace payloads win over shipped samples. An unknown name raises PayloadError listing
    the names that exist.
    """
    trig = parse_trigger(str(trigger))
    candidates = available_payloads(trig, workspace_root, hook_name, payloads_dir=payloads_dir)
    return _find(ref, trig.value, candidates, workspace_root)


def _find(ref: str, trigger: str, candidates: list[SamplePayload], workspace_root: Path | None) -> SamplePayload:
    ref = ref.strip()
    # A bare word is a name first: a stray file called "default" in the current folder must not
    # shadow the sample. Anything with a folder separator or a .json suffix is a path first.
    path_like = _looks_like_path(ref) or ref.endswith(".json")
    if path_like:
        as_path = _as_existing_file(ref, workspace_root)
        if as_path is not None:
            return SamplePayload(trigger, payload_name(as_path), as_path, "file")
        if _looks_like_path(ref):
            raise PayloadError(ref, "no such payload file", hint="check the path or pick a payload by name")

    wanted = ref.removesuffix(".json")
    for match in (lambda p: p.name == wanted, lambda p: p.stem == wanted):
        for payload in candidates:
            if match(payload):
                return payload
    if not path_like:
        as_path = _as_existing_file(ref, workspace_root)
        if as_path is not None:
            return SamplePayload(trigger, payload_name(as_path), as_path, "file")

    names = list(dict.fromkeys(p.name for p in candidates))
    choices = ", ".join(names) if names else "(none)"
    what = "no such file, nor a" if path_like else "no"
    raise PayloadError(
        ref,
        f"{what} {trigger} payload with that name; available: {choices}",
        hint="or give the path of a .json file",
    )


# ---------------------------------------------------------------------------- action events
# An action's trigger ids are mostly a hook trigger's too, with other bodies: its events live one
# folder down, in sample_payloads/actions/<trigger>/ and a workspace's payloads/actions/<trigger>/,
# beside payloads/<action name>/ for one action's own.


def sample_events(trigger: str, *, root: Path | None = None) -> list[SamplePayload]:
    """The shipped events of an action trigger, "01-default" (the dashboard's Test tab) first."""
    base = Path(root) if root is not None else resources.data_path("sample_payloads")
    return _scan(base / "actions" / trigger, trigger, "sample")


def action_events(trigger: str, workspace_root: Path | None = None, action_name: str | None = None, *,
                  payloads_dir: str = "payloads") -> list[SamplePayload]:
    """Every event a run of `trigger` can pick by name: the action's own, the workspace's for the
    trigger, then the samples."""
    found: list[SamplePayload] = []
    if workspace_root is not None:
        base = Path(workspace_root) / payloads_dir
        if action_name:
            found += _scan(base / action_name, trigger, "workspace")
        found += _scan(base / "actions" / trigger, trigger, "workspace")
    return found + sample_events(trigger)


def find_event(ref: str, trigger: str, workspace_root: Path | None = None, action_name: str | None = None, *,
               payloads_dir: str = "payloads") -> SamplePayload:
    """The event `ref` points at: a JSON file's path, or an event name for the action trigger."""
    return _find(ref, trigger, action_events(trigger, workspace_root, action_name, payloads_dir=payloads_dir),
                 workspace_root)


def _as_existing_file(ref: str, workspace_root: Path | None) -> Path | None:
    if not ref:
        return None
    candidates = [Path(ref).expanduser()]
    if workspace_root is not None and not Path(ref).is_absolute():
        candidates.append(Path(workspace_root) / ref)
    for path in candidates:
        if path.is_file():
            return path
    return None


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.startswith("~")


def save_workspace_payload(
    workspace_root: Path,
    hook_name: str,
    name: str,
    payload: Any,
    *,
    overwrite: bool = False,
    payloads_dir: str = "payloads",
) -> Path:
    """Write `payload` to `<workspace_root>/payloads/<hook_name>/<name>.json` and return the path.

    The write is atomic. An existing file is replaced only with `overwrite=True`; otherwise
    FileExistsError, so a payload the user edited is never lost to a save under the same name.
    """
    stem = name.removesuffix(".json")
    for label, value in (("payload name", stem), ("hook name", hook_name)):
        if not _SAVE_NAME.match(value) or value in {".", ".."}:
            raise ValueError(
                f"invalid {label} {value!r}: use letters, digits, '-', '_' or '.', starting with a letter or digit"
            )
    text = dump_json(payload)  # before touching the disk: a value that is not JSON raises TypeError here
    folder = Path(workspace_root) / payloads_dir / hook_name
    path = folder / f"{stem}.json"
    if path.exists() and not overwrite:
        raise FileExistsError(
            errno.EEXIST, "a payload with that name exists; save it under another name or overwrite it", str(path)
        )
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text)
    return path
