"""The corpus (tests/migrate/corpus/): real-world-shaped hooks per trigger (callbacks in branches,
async/await, promise chains, a callback passed down, secrets, early returns, errors of each class,
hooks that log). Each converts with exactly the manual items expected.json names; each that has
none runs as an action with the outcome the hook gave on the same samples (real node)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hooktui.core.workspace import Workspace
from hooktui.migrate.convert import migrate_hook
from migration_runs import ROOT, assert_same_outcome, run_both

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())


def test_every_corpus_hook_has_an_expectation():
    assert sorted(p.stem for p in CORPUS.glob("*.js")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_corpus_hook_migrates_as_expected(tmp_path, name):
    spec = EXPECTED[name]
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / f"{name}.js").write_text((CORPUS / f"{name}.js").read_text())
    (tmp_path / "hooks" / f"{name}.json").write_text(json.dumps(
        {"name": name, "triggerId": spec["trigger"], "enabled": True, "script": f"./{name}.js",
         "secrets": spec.get("secrets", {})}))
    ws = Workspace.open(tmp_path)
    result = migrate_hook(ws, ws.hook(name))
    assert sorted(m.construct for m in result.manual) == sorted(spec["manual"]), result.code
    lines = result.code.splitlines()
    for item in result.manual:
        assert any("// MIGRATE:" in line for line in lines[max(0, item.line - 1 - len(result.manual)):item.line]), item
    for sample in spec["samples"]:
        payload = json.loads((ROOT / "sample_payloads" / spec["trigger"] / sample).read_text())
        hook_run, action_run, event = await run_both(ws, name, result, payload)
        assert_same_outcome(spec["trigger"], hook_run, action_run, event)
