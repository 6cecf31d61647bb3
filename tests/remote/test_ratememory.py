"""What the rate limit taught outlives the command: one command after another on the free tier
meets no 429, and the file that carries it is private, secret-free and never a reason to fail."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from test_sync import CE, script, write_hook

from hooktui.core.config import Credentials
from hooktui.core.workspace import Workspace
from hooktui.remote import ratememory
from hooktui.remote.client import ManagementClient
from hooktui.sync.apply import Syncer
from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.emulator import Emulator

EMU_ID, EMU_SECRET = "memory-client", "memory-secret-5c6d7e"


def connect(em: Emulator) -> ManagementClient:
    return ManagementClient(Credentials(domain=em.base_url, client_id=EMU_ID, client_secret=EMU_SECRET))


async def test_commands_back_to_back_on_the_free_tier_meet_no_429(tmp_path):
    """Three `status` in a row, each with a new client (as three processes have), with no pause
    between them: the second starts where the first left the bucket, not blind."""
    names = [f"hook-{i}" for i in range(8)]
    for name in names:
        write_hook(tmp_path / "ws", name, CE)
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, rate=RatePlan.parse("free")) as em:
        em.seed_hooks([{"name": n, "triggerId": CE, "script": script(n)} for n in names])
        for _ in range(3):
            async with connect(em) as api:
                entries = await Syncer(Workspace(tmp_path / "ws"), api).entries()
            assert {str(e.status) for e in entries} == {"in sync"}
        limited = [r for r in em.requests if r.status == 429]
    assert limited == [], f"{len(limited)} requests met a 429"


async def test_the_memory_file_is_private_and_holds_no_secret(tmp_path):
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, rate=RatePlan.parse("free")) as em:
        async with connect(em) as api:
            await api.list_hooks()
            token = api._tokens._token
    path = ratememory.memory_path()
    assert path.parent == Path(os.environ["HOOKTUI_CONFIG_DIR"])  # the user's folder, no workspace
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert EMU_SECRET not in text and EMU_ID not in text and token and token not in text
    data = json.loads(text)
    [(tenant, entry)] = data["tenants"].items()
    assert tenant == em.base_url and entry["buckets"]["api"]["limit"] == 10
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # written atomically


def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "ratelimit.json"
    bucket = {"limit": 10, "tokens": 1.0, "at": time.time(), "reset": None, "rate_lo": 2.0, "rate_hi": None}
    for junk in ("{not json", "[]", json.dumps({"format": "someone-else/9", "tenants": {}}), "\udcff"):
        path.write_text(junk, errors="surrogateescape")
        assert ratememory.recall("https://t.example", path=path) == {}
        ratememory.remember("https://t.example", {"api": bucket}, path=path)
        assert ratememory.recall("https://t.example", path=path) == {"api": bucket}


def test_old_knowledge_is_forgotten_and_few_tenants_are_kept(tmp_path, monkeypatch):
    path = tmp_path / "ratelimit.json"
    bucket = {"limit": 10, "tokens": 1.0, "at": 1.0, "reset": None, "rate_lo": 2.0, "rate_hi": None}
    ratememory.remember("https://old.example", {"api": bucket}, path=path)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + ratememory.MAX_AGE + 1)
    assert ratememory.recall("https://old.example", path=path) == {}
    for i in range(ratememory.MAX_TENANTS + 5):
        ratememory.remember(f"https://t{i}.example", {"api": bucket}, path=path)
    tenants = json.loads(path.read_text())["tenants"]
    assert len(tenants) == ratememory.MAX_TENANTS and "https://old.example" not in tenants
    assert f"https://t{ratememory.MAX_TENANTS + 4}.example" in tenants


def test_a_folder_that_cannot_be_written_costs_nothing(tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    ratememory.remember("https://t.example", {"api": {"limit": 1}}, path=blocked / "ratelimit.json")  # no raise
