"""What a request to the emulator carries and how it is refused: Auth0's error bodies, the JSON body
decoder (strict UTF-8, depth, lone surrogates) and the query-string rules of the Management API."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hooktui.tenant.server import error_body

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50


class ApiError(Exception):
    """An answer other than success, with the body Auth0 would send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or body.get("error_description") or str(status))
        self.status = status
        self.body = body

    @classmethod
    def api(cls, status: int, message: str, error_code: str | None = None) -> ApiError:
        return cls(status, error_body(status, message, error_code))

    @classmethod
    def payload(cls, detail: str) -> ApiError:
        return cls.api(400, f"Payload validation error: {detail}", "invalid_body")

    @classmethod
    def query(cls, detail: str, prop: str) -> ApiError:
        return cls.api(400, f"Query validation error: '{detail}' on property {prop}.", "invalid_query_string")


class AuthError(ApiError):
    """The Authentication API's error shape: {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(status, {"error": error, "error_description": description})


class Unauthenticated(ApiError):
    """A Management API call without a valid token for this tenant: answered, never logged."""


def clip(value: Any, limit: int = 60) -> str:
    """A client's value inside a message: an absurd one is not echoed back whole."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(value: Any) -> str | None:
    """Where a lone surrogate sits in decoded JSON ("script", "dependencies.x", "[0]"), else None.
    json.loads accepts "\\ud800"; UTF-8 cannot encode it, so it would fail later, on every answer and
    every write of the state. Iterative: the value may be nested up to the parser's limit."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return path or "(the body)"
        elif isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key):
                    return f"a property name under {path}" if path else "a property name"
                stack.append((child, f"{path}.{key}" if path else key))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return None


def parse_json(body: bytes) -> Any:
    """A request body as JSON, or a 400 saying what is wrong with it (None for an empty body)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError.api(400, f"Invalid request payload: not UTF-8 (byte {exc.start})", "invalid_body") from None
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except RecursionError:
        raise ApiError.api(400, "Invalid request payload: JSON nested too deeply", "invalid_body") from None
    except ValueError:
        raise ApiError.api(400, "Invalid request payload JSON format", "invalid_body") from None
    if _SURROGATE_ESCAPE.search(text):
        where = lone_surrogate(value)
        if where is not None:
            raise ApiError.payload(
                f"String contains a lone surrogate (an unpaired \\uD800-\\uDFFF escape) on property {where}")
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@dataclass
class Call:
    """What a route handler needs to know about the request it serves."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    client_id: str
    ip: str
    user_agent: str

    @property
    def headers(self) -> dict[str, str]:
        return {"User-Agent": self.user_agent}

    def json(self) -> Any:
        return parse_json(self.body)


# ---------------------------------------------------------------------------- query helpers


def query_bool(q: dict[str, str], name: str, default: bool | None = None) -> bool:
    value = q.get(name)
    if value is None:
        assert default is not None
        return default
    if value not in ("true", "false"):
        raise ApiError.query(f"Expected type boolean but found type string ({clip(repr(value))})", name)
    return value == "true"


def query_int(q: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    if name not in q:
        return default
    try:
        value = int(q[name])
    except ValueError:
        raise ApiError.query(f"Expected type integer but found type string ({clip(repr(q[name]))})", name) from None
    if value < low:
        raise ApiError.query(f"Value {clip(value)} is less than minimum {low}", name)
    if high is not None and value > high:
        raise ApiError.query(f"Value {clip(value)} is greater than maximum {high}", name)
    return value


def paginate(items: list[Any], q: dict[str, str], *, page_all: bool) -> tuple[list[Any], int, int]:
    """(page, start, limit). Hooks come all at once when neither page nor per_page is given."""
    if page_all and "page" not in q and "per_page" not in q:
        return list(items), 0, len(items)
    per_page = query_int(q, "per_page", DEFAULT_PER_PAGE, 0, MAX_PER_PAGE)
    page = query_int(q, "page", 0, 0, None)
    start = page * per_page
    return list(items[start:start + per_page]), start, per_page


def select_fields(items: list[dict[str, Any]], q: dict[str, str]) -> list[dict[str, Any]]:
    if not q.get("fields"):
        return items
    fields = {f.strip() for f in q["fields"].split(",") if f.strip()}
    include = query_bool(q, "include_fields", True)
    return [{k: v for k, v in item.items() if (k in fields) == include} for item in items]


_FIELD_TERM = re.compile(r"^([A-Za-z_][\w.]*):(.*)$", re.S)
_TEXT_FIELDS = ("description", "type", "client_id", "client_name", "ip", "user_agent", "hostname")


def log_query(text: str) -> Callable[[dict[str, Any]], bool]:
    """Lucene-ish `q`: terms joined by AND (or spaces); `field:value` (dotted paths, a trailing `*`
    for a prefix) or plain text that one of the entry's text fields contains."""
    try:
        terms = [t for t in shlex.split(text) if t.upper() != "AND"]
    except ValueError as exc:
        raise ApiError.query(str(exc), "q") from None
    if any(t.upper() in ("OR", "NOT") for t in terms):
        raise ApiError.query("the emulator supports AND only", "q")
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for term in terms:
        m = _FIELD_TERM.match(term)
        if m:
            path, value = m.group(1).split("."), m.group(2)

            def field_test(entry: dict[str, Any], path: list[str] = path, value: str = value) -> bool:
                found: Any = entry
                for part in path:
                    if not isinstance(found, dict) or part not in found:
                        return False
                    found = found[part]
                shown = found if isinstance(found, str) else json.dumps(found)
                return shown.startswith(value[:-1]) if value.endswith("*") else shown == value

            tests.append(field_test)
        else:
            needle = term.casefold()
            tests.append(lambda entry, needle=needle: any(
                needle in str(entry.get(f, "")).casefold() for f in _TEXT_FIELDS))
    return lambda entry: all(t(entry) for t in tests)
