"""Bringing back a hook whose files were deleted on disk while the editor held unsaved changes:
ctrl+s writes both buffers (the script and the settings) as a hook again, through the
workspace's atomic create, which never overwrites a file. No Textual here: the App calls it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooktui.core.files import atomic_write, dump_json
from hooktui.core.hook_meta import Hook, deployed_name, ordered_meta
from hooktui.core.problems import WorkspaceError
from hooktui.core.workspace import Workspace


def recreate_hook(ws: Workspace, script: str, meta: str, *, known_secrets: Mapping[str, Any],
                  mask: str) -> tuple[Hook, list[Hook], list[Path]]:
    """Write `script` and the settings `meta` (JSON, already validated, secret values possibly
    masked) as hooks/<name>.js and .json. A masked secret takes the value it had on disk when
    the hook was last read (`known_secrets`). Returns the hook, the hooks disabled to let it be
    enabled (one per trigger), and the files written. Raises WorkspaceError, having written
    nothing, when a secret has no value or a file of that name exists."""
    data = json.loads(meta)
    if not isinstance(data, dict):
        raise WorkspaceError("the hook's settings must be a JSON object")
    secrets = data.get("secrets")
    if isinstance(secrets, dict):
        for key, value in list(secrets.items()):
            if value == mask:
                if key not in known_secrets:
                    raise WorkspaceError(f"secret {key} has no value any more: type its value in place of the mask")
                secrets[key] = known_secrets[key]
    name = str(data.get("name") or "")
    deployed = deployed_name(name)
    enabled = data.get("enabled") is True
    # create_hook writes the script, then a minimal JSON, and refuses to overwrite either.
    hook = ws.create_hook(name, str(data.get("triggerId") or ""), script)
    data["script"] = f"./{deployed}.js"
    data["enabled"] = False  # set_enabled below keeps one enabled hook per trigger
    atomic_write(hook.meta_path, dump_json(ordered_meta(data)))
    ws.reload()
    hook = ws.hook(deployed)
    disabled = ws.set_enabled(hook, True) if enabled else []
    hook = ws.hook(deployed)
    written = [p for p in (hook.script_path, hook.meta_path, *(h.meta_path for h in disabled)) if p is not None]
    return hook, disabled, written
