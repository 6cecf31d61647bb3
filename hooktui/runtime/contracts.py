"""What Auth0 would silently drop or refuse from a hook's result: checked after a local run and
reported as warnings, because the hook "works" locally and fails quietly in production."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# Namespaces Auth0 reserves: a claim under one of these hosts never reaches the token.
_RESERVED_HOSTS = ("auth0.com", "webtask.io", "webtask.run")
_METADATA_KEYS = ("user_metadata", "app_metadata")


def check(trigger: str, envelope: dict[str, Any], payload: Any = None) -> list[str]:
    """Warnings for a run's envelope; `payload` is the body the hook was run with."""
    if envelope.get("status") != "success":
        return []
    data = envelope.get("data")
    if trigger == "credentials-exchange":
        requested = payload.get("scope") if isinstance(payload, dict) else None
        return _credentials_exchange(data, scopes_requested=bool(requested))
    if trigger == "pre-user-registration":
        return _pre_user_registration(data)
    return []


def claim_namespace_problem(key: str) -> str | None:
    """Why Auth0 drops a custom claim named `key`, or None if it keeps it."""
    parts = urlsplit(key)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not namespaced (Auth0 keeps only claims named by an http(s) URL, e.g. https://example.com/claim)"
    host = parts.hostname.lower()
    for reserved in _RESERVED_HOSTS:
        if host == reserved or host.endswith("." + reserved):
            return f"uses the reserved namespace {reserved} (Auth0 drops auth0.com, webtask.io and webtask.run claims)"
    return None


def _credentials_exchange(data: Any, *, scopes_requested: bool) -> list[str]:
    if not isinstance(data, dict):
        return [
            "credentials-exchange result is not an object: Auth0 expects {scope, '<namespace-url>/claim': value}; "
            "the token gets its default scopes and no custom claims"
        ]
    warnings = []
    # Leaving out `scope` resets the token's scopes: a loss only when some were asked for.
    if "scope" not in data:
        if scopes_requested:
            warnings.append(
                "credentials-exchange result has no `scope`: Auth0 then issues the token with NO scopes; "
                "pass the scope argument through (access_token.scope = scope)"
            )
    elif not isinstance(data["scope"], list) or not all(isinstance(s, str) for s in data["scope"]):
        warnings.append("credentials-exchange `scope` should be an array of strings")
    for key in data:
        if key == "scope":
            continue
        problem = claim_namespace_problem(key)
        if problem:
            warnings.append(f"claim {key!r} will be dropped by Auth0: it {problem}")
    return warnings


def _pre_user_registration(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["pre-user-registration result is not an object: Auth0 expects {user: {user_metadata, app_metadata}}"]
    warnings = []
    for key in data:
        if key != "user":
            warnings.append(f"pre-user-registration result key {key!r} is ignored by Auth0: only `user` is used")
    user = data.get("user")
    if user is None:
        return warnings
    if not isinstance(user, dict):
        return warnings + ["pre-user-registration `user` must be an object with user_metadata and/or app_metadata"]
    for key in user:
        if key not in _METADATA_KEYS:
            warnings.append(
                f"pre-user-registration user.{key} is ignored by Auth0: only user_metadata and app_metadata apply"
            )
    for meta in _METADATA_KEYS:
        value = user.get(meta)
        if value is None:
            continue
        if not isinstance(value, dict):
            warnings.append(f"pre-user-registration user.{meta} must be an object")
            continue
        warnings.extend(_metadata_key_problems(value, f"user.{meta}"))
    return warnings


def _metadata_key_problems(value: dict[str, Any], where: str) -> list[str]:
    problems = []
    for key, inner in value.items():
        if key.startswith("$") or "." in key:
            problems.append(
                f"pre-user-registration {where} key {key!r} is refused by Auth0: metadata keys must not start "
                "with '$' nor contain '.'"
            )
        if isinstance(inner, dict):
            problems.extend(_metadata_key_problems(inner, f"{where}.{key}"))
    return problems
