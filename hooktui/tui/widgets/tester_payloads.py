"""What the payload tester picks from: each payload's key and label in the picker, the one an
item opens with, its text as written, and the rule a saved payload's name follows."""

from __future__ import annotations

import re

from hooktui.core.payloads import SamplePayload

# Same rule as hooktui.core.payloads.save_workspace_payload: the name becomes one file name.
_SAVE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_payload_name(name: str) -> str | None:
    """Why `name` cannot name a saved payload file, or None when it can."""
    stem = name.strip().removesuffix(".json")
    if not stem:
        return "give the payload a name"
    if stem in {".", ".."} or not _SAVE_NAME.match(stem):
        return "use letters, digits, '-', '_' or '.', starting with a letter or digit (no folders)"
    return None


def payload_key(payload: SamplePayload) -> str:
    return f"{payload.origin}:{payload.path}"


def payload_label(payload: SamplePayload) -> str:
    return f"{payload.name} ({payload.origin})"


def default_key(payloads: list[SamplePayload]) -> str | None:
    """The payload a hook opens with: the first shipped sample, the one `hooktui run` and Auth0's
    dashboard runner use, so the console and the CLI agree; else the first listed."""
    first = next((p for p in payloads if p.origin == "sample"), payloads[0] if payloads else None)
    return payload_key(first) if first is not None else None


def read_payload_text(payload: SamplePayload) -> tuple[str, str | None]:
    """The file's text as written (the user edits what is on disk), or "" and why it cannot be read."""
    try:
        return payload.path.read_text(encoding="utf-8").removeprefix("\ufeff"), None
    except (OSError, UnicodeDecodeError) as exc:
        return "", f"cannot read {payload.path}: {getattr(exc, 'strerror', None) or exc}"
