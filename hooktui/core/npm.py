"""npm's rules for what a dependency may say: package names (validate-npm-package-name) and the
versions Auth0 can install (node-semver ranges, not git, URLs, paths, aliases or dist-tags)."""

from __future__ import annotations

import re
from typing import Any

from hooktui.core.problems import json_type

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
        return f"version must be a string, got {json_type(value)}; {_PIN_HINT}"
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
