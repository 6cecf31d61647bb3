"""Every example hook and every hook template converts, and the action runs in the real runtime
(real node) with the outcome the hook gave on the same input: claims and scopes, the denial,
the metadata written; the triggers whose result Auth0 ignores both succeed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hooktui.core.templates import template_for
from hooktui.core.triggers import Trigger
from hooktui.core.workspace import Workspace
from hooktui.migrate.convert import migrate_hook

from migration_runs import ROOT, assert_same_outcome, run_both

EXAMPLES = ROOT / "examples" / "workspace"
SAMPLES = ROOT / "sample_payloads"
HOOKS = sorted(p.stem for p in (EXAMPLES / "hooks").glob("*.json"))
CASES = [(hook, sample.name) for hook in HOOKS
         for sample in sorted((SAMPLES / json.loads((EXAMPLES / "hooks" / f"{hook}.json").read_text())["triggerId"]).glob("0*.json"))]


@pytest.fixture
def examples(tmp_path: Path) -> Workspace:
    shutil.copytree(EXAMPLES, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws")


@pytest.mark.parametrize(("hook", "sample"), CASES)
async def test_each_example_hook_migrates_and_the_action_does_what_the_hook_did(examples, hook, sample):
    h = examples.hook(hook)
    result = migrate_hook(examples, h)
    assert f"exports.{'onExecute'}" in result.code and "module.exports" not in result.code
    assert "context.webtask" not in result.code
    assert result.manual == [], result.manual
    payload = json.loads((SAMPLES / h.trigger / sample).read_text())
    hook_run, action_run, event = await run_both(examples, hook, result, payload)
    assert_same_outcome(h.trigger, hook_run, action_run, event)


@pytest.mark.parametrize("trigger", [t.value for t in Trigger])
async def test_each_template_migrates_and_runs_like_the_hook(tmp_path, trigger):
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "tpl.js").write_text(template_for(trigger))
    (tmp_path / "hooks" / "tpl.json").write_text(json.dumps({"name": "tpl", "triggerId": trigger, "enabled": True,
                                                             "script": "./tpl.js", "dependencies": {}, "secrets": {}}))
    ws = Workspace.open(tmp_path)
    result = migrate_hook(ws, ws.hook("tpl"))
    assert result.bind and result.trigger_version == "v2"
    payload = json.loads((SAMPLES / trigger / "01-default.json").read_text())
    hook_run, action_run, event = await run_both(ws, "tpl", result, payload)
    assert_same_outcome(trigger, hook_run, action_run, event)
