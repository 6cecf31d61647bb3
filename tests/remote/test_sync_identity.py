"""Sync never loses or duplicates a hook: a rename is a PATCH of the hook last synced, a create whose
answer was lost is adopted, a resolved conflict stays resolved, a plan never half-runs a hook's
destructive steps, and the state file's fingerprints cannot be brute-forced from the workspace."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from test_sync import CE, PRE, by_name, client, emu, pull, push, script, statuses, write_hook  # noqa: F401

from hooktui.core.workspace import Workspace
from hooktui.remote.ratelimit import RateLimitConfig
from hooktui.sync.apply import Syncer
from hooktui.sync.plan import StepKind
from hooktui.sync.state import VALUE_NOT_SHOWN, SyncState


def rename_in_json(root: Path, stem: str, new_name: str) -> None:
    meta = root / "hooks" / f"{stem}.json"
    data = json.loads(meta.read_text())
    data["name"] = new_name
    meta.write_text(json.dumps(data, indent=2))


async def pulled_hook_with_a_hidden_secret(root: Path, emu) -> tuple[Workspace, str]:
    [seeded] = emu.seed_hooks([{"name": "claims", "triggerId": CE, "script": script("claims"),
                                "secrets": {"API_KEY": "only-the-tenant-knows-1f2e"}}])
    ws = Workspace(root)
    assert (await pull(ws, emu)).ok
    assert json.loads((root / "hooks" / "claims.json").read_text())["secrets"] == {"API_KEY": VALUE_NOT_SHOWN}
    return ws, seeded["id"]


# ---------------------------------------------------------------------------- renames


async def test_a_rename_in_the_json_is_a_patch_of_the_hook_last_synced(tmp_path, emu):
    write_hook(tmp_path, "claims", CE, secrets={"API_KEY": "k-5a6b7c8d"})
    ws = Workspace(tmp_path)
    await push(ws, emu)
    [hook_id] = emu.hooks
    rename_in_json(tmp_path, "claims", "claims-v2")
    ws.reload()
    assert await statuses(ws, emu) == {"claims-v2": "changed locally"}
    plan, report = await push(ws, emu)
    assert [(s.kind, s.changes) for s in plan.steps] == [(StepKind.UPDATE, {"name": "claims-v2"})]
    assert report.ok
    assert list(emu.hooks) == [hook_id] and emu.hooks[hook_id]["name"] == "claims-v2"
    assert emu.secrets[hook_id] == {"API_KEY": "k-5a6b7c8d"}
    assert await statuses(ws, emu) == {"claims-v2": "in sync"}


async def test_rename_and_allow_delete_keep_the_hook_and_its_unknown_secret(tmp_path, emu):
    ws, hook_id = await pulled_hook_with_a_hidden_secret(tmp_path, emu)
    rename_in_json(tmp_path, "claims", "claims-renamed")
    ws.reload()
    plan, report = await push(ws, emu, allow_delete=True)
    assert [s.kind for s in plan.steps] == [StepKind.UPDATE] and plan.skipped == []
    assert report.ok
    assert list(emu.hooks) == [hook_id] and emu.hooks[hook_id]["name"] == "claims-renamed"
    assert emu.secrets[hook_id] == {"API_KEY": "only-the-tenant-knows-1f2e"}


async def test_a_rename_that_moves_the_files_is_a_patch_too(tmp_path, emu):
    ws, hook_id = await pulled_hook_with_a_hidden_secret(tmp_path, emu)
    ws.rename_hook("claims", "claims-moved")  # what the console's rename does
    assert not (tmp_path / "hooks" / "claims.json").exists()
    plan, report = await push(ws, emu, allow_delete=True)
    assert [(s.kind, s.changes) for s in plan.steps] == [(StepKind.UPDATE, {"name": "claims-moved"})]
    assert report.ok and list(emu.hooks) == [hook_id]
    assert emu.secrets[hook_id] == {"API_KEY": "only-the-tenant-knows-1f2e"}


async def test_a_delete_is_refused_when_a_refused_hook_needs_its_secret_values(tmp_path, emu):
    """Moved and edited at once, the rename cannot be recognised: the new hook is refused (its secret
    value is only on the tenant), and so the old one, which holds that value, is not deleted."""
    ws, hook_id = await pulled_hook_with_a_hidden_secret(tmp_path, emu)
    ws.rename_hook("claims", "claims-moved")
    (tmp_path / "hooks" / "claims-moved.js").write_text(script("edited as well"))
    ws.reload()
    plan, report = await push(ws, emu, allow_delete=True)
    assert plan.steps == []
    reasons = {s.hook: s.reason for s in plan.skipped}
    assert set(reasons) == {"claims", "claims-moved"}
    assert "API_KEY" in reasons["claims-moved"] and VALUE_NOT_SHOWN in reasons["claims-moved"]
    assert "not deleted" in reasons["claims"] and "claims-moved" in reasons["claims"]
    assert list(emu.hooks) == [hook_id] and emu.secrets[hook_id] == {"API_KEY": "only-the-tenant-knows-1f2e"}


# ---------------------------------------------------------------------------- lost answers


async def test_a_create_whose_answer_was_lost_is_adopted_without_force(tmp_path, emu):
    write_hook(tmp_path, "claims", CE, enabled=True, secrets={"K": "value-3c4d5e6f"})
    write_hook(tmp_path, "plain", PRE)
    ws = Workspace(tmp_path)
    # The client gives up on each create (every answer lost, one attempt): both hooks exist on the
    # tenant, neither is in the state file.
    emu.drop_after_processing("POST", "/api/v2/hooks", count=2)
    once = RateLimitConfig(max_attempts=1)
    async with client(emu, rate_limit=once) as api:
        syncer = Syncer(ws, api)
        plan = await syncer.plan_push()
        report = await syncer.push(plan)
    assert not report.ok and sorted(by_name(emu)) == ["claims", "plain"]
    assert all(o.failed is not None and o.failed.kind is StepKind.CREATE for o in report.outcomes.values())
    assert SyncState.load(tmp_path / ".hooktui").tenant(emu.base_url).hooks == {}

    # The same content on both sides: in sync (the id is adopted); the secrets and the enable that
    # were not done are a local change, pushed without --force.
    assert await statuses(ws, emu) == {"claims": "changed locally", "plain": "in sync"}
    plan, report = await push(ws, emu)
    assert [(s.hook, s.kind) for s in plan.steps] == [("claims", StepKind.ADD_SECRETS), ("claims", StepKind.ENABLE)]
    assert report.ok
    assert sorted(h["name"] for h in emu.hooks.values()) == ["claims", "plain"]  # nothing twice
    claims = by_name(emu)["claims"]
    assert claims["enabled"] and emu.secrets[claims["id"]] == {"K": "value-3c4d5e6f"}
    recorded = SyncState.load(tmp_path / ".hooktui").tenant(emu.base_url).hooks
    assert set(recorded) == set(emu.hooks)
    assert await statuses(ws, emu) == {"claims": "in sync", "plain": "in sync"}


# ---------------------------------------------------------------------------- conflicts


async def test_a_conflict_resolved_by_taking_the_tenants_copy_stays_resolved(tmp_path, emu):
    write_hook(tmp_path, "claims", CE)
    ws = Workspace(tmp_path)
    await push(ws, emu)
    hook_id = by_name(emu)["claims"]["id"]
    emu.hooks[hook_id]["script"] = script("theirs")
    local = tmp_path / "hooks" / "claims.js"
    local.write_text(script("mine"))
    assert not (await pull(ws, emu)).ok
    beside = tmp_path / "hooks" / "claims.remote.js"
    local.write_text(beside.read_text())  # the user takes the tenant's copy
    beside.unlink()
    assert await statuses(ws, emu) == {"claims": "in sync"}
    local.write_text(script("next edit"))
    assert await statuses(ws, emu) == {"claims": "changed locally"}
    plan, report = await push(ws, emu)
    assert [s.kind for s in plan.steps] == [StepKind.UPDATE] and report.ok
    assert emu.hooks[hook_id]["script"] == script("next edit")


async def test_a_local_secret_change_beside_the_same_change_on_both_sides_is_pushed(tmp_path, emu):
    write_hook(tmp_path, "claims", CE, secrets={"K": "first-value-0a1b"})
    ws = Workspace(tmp_path)
    await push(ws, emu)
    hook_id = by_name(emu)["claims"]["id"]
    emu.hooks[hook_id]["script"] = script("same edit")
    write_hook(tmp_path, "claims", CE, body=script("same edit"), secrets={"K": "second-value-2c3d"})
    ws.reload()
    assert await statuses(ws, emu) == {"claims": "changed locally"}
    plan, report = await push(ws, emu)
    assert [(s.kind, s.keys) for s in plan.steps] == [(StepKind.UPDATE_SECRETS, ["K"])] and report.ok
    assert emu.secrets[hook_id] == {"K": "second-value-2c3d"}
    assert await statuses(ws, emu) == {"claims": "in sync"}


# ---------------------------------------------------------------------------- the state file's key


async def test_the_state_file_alone_does_not_reveal_a_short_secret(tmp_path, emu, monkeypatch):
    import hashlib
    import hmac
    import itertools
    import string

    data_dir = tmp_path / "data"
    monkeypatch.setenv("HOOKTUI_DATA_DIR", str(data_dir))
    write_hook(tmp_path / "ws", "claims", CE, secrets={"PIN": "7z"})
    ws = Workspace(tmp_path / "ws")
    await push(ws, emu)
    state = json.loads((tmp_path / "ws" / ".hooktui" / "state.json").read_text())
    [record] = state["tenants"][emu.base_url]["hooks"].values()
    fingerprint = record["secrets"]["PIN"]
    # Everything in the workspace tried as the key: nothing matches the fingerprint.
    candidates = [json.dumps(state).encode(), str(state.get("salt", "")).encode(), b""]
    for salt, (a, b) in itertools.product(candidates, itertools.product(string.printable, repeat=2)):
        guess = hmac.new(salt, (a + b).encode(), hashlib.sha256).hexdigest()
        assert not fingerprint.startswith(guess[:16])
    key_file = next(data_dir.iterdir())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not any(p.name == key_file.name for p in (tmp_path / "ws").rglob("*"))
    assert await statuses(ws, emu) == {"claims": "in sync"}
    write_hook(tmp_path / "ws", "claims", CE, secrets={"PIN": "8y"})
    ws.reload()
    assert await statuses(ws, emu) == {"claims": "changed locally"}


async def test_an_old_state_file_migrates_its_fingerprints(tmp_path, emu):
    import hashlib
    import hmac

    write_hook(tmp_path, "same", CE, secrets={"K": "kept-value-11"})
    write_hook(tmp_path, "edited", PRE, secrets={"K": "new-value-22"})
    write_hook(tmp_path, "unknown", "post-user-registration", secrets={"K": VALUE_NOT_SHOWN})
    seeded = emu.seed_hooks([
        {"name": "same", "triggerId": CE, "script": script("same"), "secrets": {"K": "kept-value-11"}},
        {"name": "edited", "triggerId": PRE, "script": script("edited", PRE), "secrets": {"K": "old-value-22"}},
        {"name": "unknown", "triggerId": "post-user-registration",
         "script": script("unknown", "post-user-registration"), "secrets": {"K": "theirs"}},
    ])
    salt = "0123456789abcdef0123456789abcdef"

    def old(value: str) -> str:
        return hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]

    pushed = {"same": "kept-value-11", "edited": "old-value-22", "unknown": "theirs"}
    hooks = {}
    for hook in seeded:
        hooks[hook["id"]] = {"local": hook["name"], "name": hook["name"], "triggerId": hook["triggerId"],
                             "enabled": False, "script_sha256": hashlib.sha256(hook["script"].encode()).hexdigest(),
                             "dependencies": {}, "secrets": {"K": old(pushed[hook["name"]])}}
    state_dir = tmp_path / ".hooktui"
    state_dir.mkdir()
    (state_dir / "state.json").write_text(json.dumps(
        {"version": 1, "salt": salt, "tenants": {emu.base_url: {"hooks": hooks}}}))
    ws = Workspace(tmp_path)
    assert await statuses(ws, emu) == {"edited": "changed locally", "same": "in sync", "unknown": "in sync"}
    text = (state_dir / "state.json").read_text()
    assert salt not in text and old("kept-value-11") not in text  # the brute-forceable form is gone
    plan, report = await push(ws, emu)
    assert [(s.hook, s.kind) for s in plan.steps] == [("edited", StepKind.UPDATE_SECRETS)] and report.ok
    assert emu.secrets[seeded[1]["id"]] == {"K": "new-value-22"}
    assert emu.secrets[seeded[2]["id"]] == {"K": "theirs"}


async def test_status_still_answers_when_the_state_folder_cannot_be_written(tmp_path, emu):
    emu.seed_hooks([{"name": "claims", "triggerId": CE, "script": script("claims")}])
    write_hook(tmp_path, "claims", CE)
    (tmp_path / ".hooktui" / ".gitignore").mkdir(parents=True)  # every write of the state fails
    assert await statuses(Workspace(tmp_path), emu) == {"claims": "in sync"}
