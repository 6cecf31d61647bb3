"""Whether an action's code exports the handler its trigger calls (`exports.onExecutePostLogin`),
by a static look at the text.

A static look cannot see everything (`module.exports = build()`), so it answers in three ways:
found, missing (nothing in the code could define it: an error), or unsure (a warning that says
"could not find"; the runtime checks for real when the action runs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hooktui.core.action_triggers import ACTION_TRIGGERS, MODULE_EXPORTS

FOUND = "found"
MISSING = "missing"
UNSURE = "unsure"

# Auth0's loader (as @auth0/actions' own loader words it) accepts only an async function.
ASYNC_RULE = 'Auth0 accepts only an async function: "exports.{name} = async (event, api) => {{ }}"'


@dataclass(frozen=True)
class HandlerCheck:
    status: str  # FOUND | MISSING | UNSURE
    message: str | None = None  # why, for MISSING and UNSURE, or a note on a FOUND one
    offset: int | None = None  # where in the code the message points, when somewhere
    severity: str | None = None  # of `message`


# A comment, or a string (kept): one pass of the regex engine rather than a Python loop, which
# cost 35 ms per 50 kB action on every reload.
_COMMENT_OR_STRING = re.compile(
    r"//[^\n]*|/\*[\s\S]*?(?:\*/|$)"
    r"|'(?:\\.|[^'\\\n])*'?|\"(?:\\.|[^\"\\\n])*\"?|`(?:\\[\s\S]|[^`\\])*`?"
)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank_comments(code: str) -> str:
    """`code` with every comment turned into spaces (newlines kept), so that a commented-out
    export is not taken for one; strings are kept, as `exports["x"]` needs them."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text[0] != "/":
            return text
        if text[1] == "/":
            return " " * len(text)
        return _NOT_NEWLINE.sub(" ", text)

    return _COMMENT_OR_STRING.sub(blank, code)


# Patterns start with a literal, so that the regex engine can skip ahead fast (a leading \b made
# each search scan every position); `_at_word` then checks what \b would have.
_MODULE_EXPORTS_ASSIGN = re.compile(r"module\s*\.\s*exports\s*=(?![=>])")
_OBJECT_ASSIGN = re.compile(r"Object\s*\.\s*(assign|defineProperty|defineProperties)\s*\(\s*(module\s*\.\s*)?exports\b")
_DYNAMIC_INDEX = re.compile(r"exports\s*\[\s*(?!['\"`][A-Za-z_$][\w$]*['\"`]\s*\])")
_ESM_EXPORT = re.compile(r"(export)\s+(default\b|async\b|function\b|const\b|let\b|var\b|\{)")
_ANY_HANDLER_EXPORT = re.compile(
    r"exports\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*['\"`]([A-Za-z_$][\w$]*)['\"`]\s*\])\s*=(?![=>])")


def _direct(name: str) -> re.Pattern[str]:
    # exports.NAME = / module.exports.NAME = / exports["NAME"] =
    quoted = re.escape(name)
    return re.compile(rf"exports\s*(?:\.\s*{quoted}\b|\[\s*(['\"`]){quoted}\1\s*\])\s*=(?![=>])")


def _at_word(pattern: re.Pattern[str], text: str, *, line_start: bool = False) -> Iterator[re.Match[str]]:
    """Matches of `pattern` that start a word (or, with `line_start`, a line's first word)."""
    for match in pattern.finditer(text):
        before = text[match.start() - 1] if match.start() else "\n"
        if before.isalnum() or before in "_$":
            continue
        if line_start and text[text.rfind("\n", 0, match.start()) + 1:match.start()].strip():
            continue
        yield match


def _first(pattern: re.Pattern[str], text: str, **kw: bool) -> re.Match[str] | None:
    return next(_at_word(pattern, text, **kw), None)


def _object_literal_at(code: str, start: int) -> str | None:
    """The text of the `{...}` starting at `start` (the brace), skipping strings; None if unbalanced."""
    depth = 0
    i, n = start, len(code)
    while i < n:
        ch = code[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and code[j] != ch:
                j += 2 if code[j] == "\\" else 1
            i = j + 1
            continue
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return code[start:i + 1]
        i += 1
    return None


def _top_level_keys(literal: str) -> dict[str, tuple[int, str]]:
    """The keys of an object literal's own level, with their offset in it and what follows the
    key (":" value, "(" method, "," or "}" shorthand), and "async" marked for async methods."""
    keys: dict[str, tuple[int, str]] = {}
    depth = 0
    i, n = 0, len(literal)
    expect_key = False
    accessor = False  # the key follows `get` / `set`: its value comes from a function call
    while i < n:
        ch = literal[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and literal[j] != ch:
                j += 2 if literal[j] == "\\" else 1
            if depth == 1 and expect_key:
                key = literal[i + 1:j]
                rest = literal[j + 1:].lstrip()
                keys.setdefault(key, (i, rest[:1]))
                expect_key = False
            i = j + 1
            continue
        if ch in "{[(":
            depth += 1
            if depth == 1:
                expect_key = True
        elif ch in "}])":
            depth -= 1
        elif ch == "," and depth == 1:
            expect_key = True
        elif depth == 1 and expect_key and (ch.isalpha() or ch in "_$"):
            match = re.match(r"(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)", literal[i:])
            assert match is not None
            word = match.group(3)
            rest = literal[i + match.end():].lstrip()
            if match.group(1) is None and word in ("get", "set") and rest[:1] not in ":(,}":
                accessor = True
                i += match.end()
                continue
            follow = "get" if accessor else ("async" if match.group(1) else "") + rest[:1]
            keys.setdefault(word, (i + (match.start(3)), follow))
            expect_key = accessor = False
            i += match.end()
            continue
        elif ch == "." and literal.startswith("...", i) and depth == 1:
            keys.setdefault("...", (i, "..."))
        i += 1
    return keys


def _is_async_value(code: str, at: int) -> bool | None:
    """Whether the value starting at `at` is an async function (None: a name, a call, unknown)."""
    rest = code[at:].lstrip()
    if rest.startswith("async"):
        return True
    if re.match(r"(function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)", rest):
        return False
    return None


def check_handler(code: str, name: str) -> HandlerCheck:
    """Does `code` export `name`? `name` is an export such as "onExecutePostLogin", or
    MODULE_EXPORTS for the beta model, where the module itself is the function."""
    clean = _blank_comments(code)
    if name == MODULE_EXPORTS:
        match = _first(_MODULE_EXPORTS_ASSIGN, clean)
        if match:
            return HandlerCheck(FOUND, offset=match.start())
        return HandlerCheck(UNSURE, "could not find module.exports = async (event, context) => { ... }, the "
                            "function v1 trigger versions call, nor the current handler; the runtime checks it "
                            "when the action runs", severity="warning")

    esm = _first(_ESM_EXPORT, clean, line_start=True)
    if esm:
        return HandlerCheck(MISSING, f"uses ES module `export`, but Auth0 loads actions as CommonJS: write "
                            f"exports.{name} = async (event, api) => {{ ... }}", offset=esm.start(1))

    direct = _first(_direct(name), clean)
    if direct:
        is_async = _is_async_value(clean, direct.end())
        if is_async is False:
            return HandlerCheck(FOUND, f"exports.{name} is not an async function; " + ASYNC_RULE.format(name=name),
                                direct.start(), "warning")
        return HandlerCheck(FOUND, offset=direct.start())

    for match in _at_word(_MODULE_EXPORTS_ASSIGN, clean):
        value_at = match.end() + len(clean[match.end():]) - len(clean[match.end():].lstrip())
        if clean.startswith("{", value_at):
            literal = _object_literal_at(clean, value_at)
            keys = _top_level_keys(literal) if literal else {}
            if name in keys:
                offset, follow = keys[name]
                if follow == "(":
                    return HandlerCheck(FOUND, f"{name} is not an async method; " + ASYNC_RULE.format(name=name),
                                        value_at + offset, "warning")
                return HandlerCheck(FOUND, offset=value_at + offset)
            if "..." in keys:
                return _unsure(name, "module.exports is built with a spread", value_at)
            continue
        if re.match(r"(async\b|function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)", clean[value_at:]):
            return HandlerCheck(MISSING, (
                f"module.exports is a single function (the Hooks shape, or the Actions beta); Auth0 calls "
                f"exports.{name}: write exports.{name} = async (event, api) => {{ ... }}"), match.start())
        return _unsure(name, "module.exports is assigned a value hooktui cannot follow", match.start())

    for dynamic in (_OBJECT_ASSIGN, _DYNAMIC_INDEX):
        match = _first(dynamic, clean)
        if match:
            return _unsure(name, "the exports are built at run time", match.start())

    others = [m.group(1) or m.group(2) for m in _at_word(_ANY_HANDLER_EXPORT, clean)]
    hint = ""
    close = [o for o in others if o.lower() == name.lower()]
    if close:
        hint = f"; it exports {close[0]!r}: the name is case-sensitive"
    else:
        owners = {t.handler: t.id for t in ACTION_TRIGGERS.values() if t.handler}
        other = next((o for o in others if o in owners), None)
        if other is not None:
            hint = f"; it exports {other}, the handler of {owners[other]} (check \"supported_triggers\")"
    if name in clean:
        return _unsure(name, f"{name} appears but is not assigned to exports where hooktui can see it", None)
    return HandlerCheck(MISSING, f"does not export {name}, which Auth0 calls for this trigger{hint}. Add "
                        f"exports.{name} = async (event, api) => {{ ... }}", None)


def _unsure(name: str, why: str, offset: int | None) -> HandlerCheck:
    return HandlerCheck(UNSURE, f"could not find exports.{name} ({why}); the runtime checks it when the "
                        f"action runs", offset, "warning")
