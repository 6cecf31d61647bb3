"""deploy-cli's keyword replacement (`@@KEY@@` as JSON, `##KEY##` as text) and where its mappings come
from: hooktui.toml's [keywords] overlaid with $AUTH0_KEYWORD_REPLACE_MAPPINGS."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hooktui.core.problems import WorkspaceError, parse_json_object_strict

KEYWORDS_ENV = "AUTH0_KEYWORD_REPLACE_MAPPINGS"
# What a message says to do about a ##KEY## or @@KEY@@ that has no mapping.
KEYWORD_HINT = f"add it to [keywords] in hooktui.toml or to {KEYWORDS_ENV}"
# A marker no mapping replaced: it deploys as written.
UNRESOLVED = re.compile(r"(##|@@)([A-Za-z0-9_.-]+)\1")


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

