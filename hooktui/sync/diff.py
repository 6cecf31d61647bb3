"""`diff_entry`: a hook's unified diff from the tenant's copy to the workspace's, script then settings,
with secrets shown by state only ("(set)", "(changed here)"), never by value."""

from __future__ import annotations

import json
from collections.abc import Mapping

from hooktui.sync.state import VALUE_NOT_SHOWN, SyncState
from hooktui.sync.status import Entry



def _settings_lines(name: str, trigger: str, enabled: bool, dependencies: Mapping[str, str],
                    secrets: Mapping[str, str]) -> list[str]:
    shown = {
        "name": name, "triggerId": trigger, "enabled": enabled,
        "dependencies": dict(sorted(dependencies.items())), "secrets": dict(sorted(secrets.items())),
    }
    return json.dumps(shown, indent=2, ensure_ascii=False).splitlines(keepends=True)


def diff_entry(entry: Entry, state: SyncState, *, script_path: str | None = None) -> str:
    """A unified diff from the tenant's copy (---) to the workspace's (+++): the script, then the
    settings. Secret values never appear: a secret shows as "(set)", "(changed here)" when the
    workspace's value differs from the one last pushed, or "(value kept)" for _VALUE_NOT_SHOWN_."""
    import difflib

    name = entry.name
    local, remote = entry.local, entry.remote
    remote_label = f"tenant/{remote.name}.js" if remote else "/dev/null"
    local_label = (script_path or (local.script_file or f"hooks/{local.name}.js")) if local else "/dev/null"
    remote_script = remote.script if remote else ""
    local_script = local.script if local else ""
    out: list[str] = []

    def lines(text: str) -> list[str]:
        parts = text.splitlines(keepends=True)
        if parts and not parts[-1].endswith("\n"):
            parts[-1] += "\n\\ No newline at end of file\n"
        return parts

    out.extend(difflib.unified_diff(lines(remote_script), lines(local_script), remote_label, local_label))
    base = entry.base.secret_map if entry.base else {}
    remote_secrets = {k: "(set)" for k in sorted(remote.secret_keys)} if remote else {}
    local_secrets: dict[str, str] = {}
    if local:
        for key, value in local.secrets.items():
            if value == VALUE_NOT_SHOWN:
                local_secrets[key] = "(value kept)"
            elif key in remote_secrets and base.get(key) not in (None, state.fingerprint(value)):
                local_secrets[key] = "(changed here)"
            elif key in remote_secrets and base.get(key) is None:
                local_secrets[key] = "(set, not pushed from here yet)"
            else:
                local_secrets[key] = "(set)"
    remote_settings = _settings_lines(remote.name, remote.trigger, remote.enabled, remote.dependencies,
                                      remote_secrets) if remote else []
    local_settings = _settings_lines(local.name, local.trigger, local.enabled, local.dependencies,
                                     local_secrets) if local else []
    out.extend(difflib.unified_diff(
        remote_settings, local_settings,
        f"tenant/{remote.name} (settings)" if remote else "/dev/null",
        f"{local.meta_file or f'hooks/{local.name}.json'} (settings)" if local else "/dev/null",
    ))
    return "".join(out)
