"""The emulator's state file: failed auth writes nothing, writes are batched and flushed on stop, a bad
request never stops persistence, stale temp copies (which hold secrets) are removed on start."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from hooktui.tenant.emulator import Emulator

CE = "credentials-exchange"
SCRIPT = "module.exports = function (client, scope, audience, context, cb) { cb(null, {}); };"


def connect(em: Emulator) -> httpx.Client:
    client = httpx.Client(base_url=em.base_url, timeout=20)
    response = client.post("/oauth/token", json={
        "grant_type": "client_credentials", "client_id": em.client_id, "client_secret": em.client_secret,
        "audience": f"{em.base_url}/api/v2/"})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def hook(name: str, **extra: object) -> dict[str, object]:
    return {"name": name, "script": SCRIPT, "triggerId": CE, **extra}


def saved(state: Path) -> dict:
    return json.loads(state.read_text(encoding="utf-8"))


def test_failed_auth_costs_nothing_durable(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2) as em, closing(connect(em)) as api:
        assert api.post("/api/v2/hooks", json=hook("kept")).status_code == 201
        em.flush()
        before, logs, writes = state.stat(), list(em.logs), em.state_writes
        forged = api.headers["Authorization"][:-4] + "AAAA"

        def bad(i: int) -> int:
            headers = {} if i % 2 else {"Authorization": forged}
            with httpx.Client(base_url=em.base_url, timeout=20, headers=headers) as anonymous:
                method = ("POST", "PATCH", "DELETE", "GET")[i % 4]
                path = "/api/v2/hooks" if method in ("POST", "GET") else "/api/v2/hooks/some-id"
                return anonymous.request(method, path, json=hook(f"x{i}")).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(bad, range(200)))
        assert set(statuses) == {401}
        assert api.get("/api/v2/hooks").status_code == 200  # the legitimate client is served
        after = state.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert em.logs == logs  # no entry per anonymous request: they cannot flood the tenant's log
        em.flush()  # nothing was marked for writing either
        assert em.state_writes == writes and state.stat().st_ino == before.st_ino


def test_writes_are_batched_and_a_clean_stop_flushes_them(tmp_path):
    state = tmp_path / "state.json"
    em = Emulator(state_file=state, seed=2, persist_interval=3600)  # nothing is written before stop
    em.start()
    with closing(connect(em)) as api:
        ids = [api.post("/api/v2/hooks", json=hook(f"h{i}")).json()["id"] for i in range(10)]
        api.post(f"/api/v2/hooks/{ids[0]}/secrets", json={"KEY": "value"})
        assert em.state_writes == 0 and not state.exists()
    em.stop()
    assert em.state_writes == 1
    data = saved(state)
    assert [h["id"] for h in data["hooks"]] == ids and data["secrets"][ids[0]] == {"KEY": "value"}


def test_the_writer_thread_persists_without_a_stop(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2, persist_interval=0.05) as em, closing(connect(em)) as api:
        hook_id = api.post("/api/v2/hooks", json=hook("soon")).json()["id"]
        assert em.wait_persisted(timeout=20), "the writer thread never wrote the change"
        assert [h["id"] for h in saved(state)["hooks"]] == [hook_id]


def test_a_bad_request_does_not_stop_persistence(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2) as em, closing(connect(em)) as api:
        bad = api.post("/api/v2/hooks", content=b'{"name": "lone", "script": "\\ud800", "triggerId": "%s"}' % CE.encode(),
                       headers={"Content-Type": "application/json"})
        assert bad.status_code == 400
        deep = api.post("/api/v2/hooks", content=b"[" * 100_000, headers={"Content-Type": "application/json"})
        assert deep.status_code == 400
        hook_id = api.post("/api/v2/hooks", json=hook("after")).json()["id"]
        api.post(f"/api/v2/hooks/{hook_id}/secrets", json={"K": "v"})
    with Emulator(state_file=state) as again:
        assert [h["name"] for h in again.hooks.values()] == ["after"]
        assert again.secrets[hook_id] == {"K": "v"}


def test_a_surrogate_seeded_from_python_is_refused_too(tmp_path):
    with Emulator(state_file=tmp_path / "s.json") as em:
        with pytest.raises(ValueError, match="surrogate"):
            em.seed_hooks([hook("seeded", script="x\ud800")])
        with pytest.raises(ValueError, match="surrogate"):
            em.seed_hooks([hook("seeded", secrets={"K": "\udfff"})])
        assert em.hooks == {}


def test_stale_temp_copies_are_removed_on_start_and_the_state_is_intact(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2) as em, closing(connect(em)) as api:
        hook_id = api.post("/api/v2/hooks", json=hook("kept")).json()["id"]
        api.post(f"/api/v2/hooks/{hook_id}/secrets", json={"API_KEY": "s3cr3t"})
    stale = [tmp_path / ".state.json.k2j4h5g1.tmp", tmp_path / ".state.json.a_b_c_d1.tmp"]
    for path in stale:
        path.write_text('{"secrets": {"x": {"API_KEY": "s3cr3t"}}}')  # what a kill -9 mid-write leaves
    others = [tmp_path / ".other.json.k2j4h5g1.tmp", tmp_path / "state.json.bak", tmp_path / "notes.tmp"]
    for path in others:
        path.write_text("not ours")
    with Emulator(state_file=state) as again:
        assert again.secrets[hook_id] == {"API_KEY": "s3cr3t"}
    assert [p for p in stale if p.exists()] == []
    assert all(p.read_text() == "not ours" for p in others)


def test_the_state_file_and_its_temp_copy_are_0600(tmp_path, monkeypatch):
    state = tmp_path / "state.json"
    modes: list[tuple[str, int]] = []
    real_replace = os.replace

    def replace(src, dst, **kwargs):  # look at the temp copy just before it becomes the state file
        if Path(dst) == state:
            modes.append((Path(src).name, os.stat(src).st_mode & 0o777))
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with Emulator(state_file=state, seed=2) as em, closing(connect(em)) as api:
        api.post("/api/v2/hooks", json=hook("kept"))
        em.flush()
    assert modes and all(mode == 0o600 for _, mode in modes), modes
    assert all(name.startswith(".state.json.") and name.endswith(".tmp") for name, _ in modes)
    assert state.stat().st_mode & 0o777 == 0o600


def test_two_emulators_cannot_share_a_state_file(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state):
        with pytest.raises(ValueError, match="in use by another emulator"):
            Emulator(state_file=state)
    with Emulator(state_file=state):  # released on stop
        pass


def test_a_failed_write_is_reported_and_retried(tmp_path, capfd):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2, persist_interval=3600) as em, closing(connect(em)) as api:
        api.post("/api/v2/hooks", json=hook("first"))
        em.flush()
        state.unlink()
        state.mkdir()  # the rename onto it fails, even for root
        hook_id = api.post("/api/v2/hooks", json=hook("second")).json()["id"]
        with pytest.raises(OSError, match="state.json"):
            em.flush()
        state.rmdir()
        em.flush()  # the change was kept for the next try
    assert hook_id in [h["id"] for h in saved(state)["hooks"]]
    assert "Traceback" not in capfd.readouterr().err


def test_an_existing_state_file_readable_by_others_is_made_0600_on_open(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2) as em, closing(connect(em)) as api:
        hook_id = api.post("/api/v2/hooks", json=hook("kept")).json()["id"]
        api.post(f"/api/v2/hooks/{hook_id}/secrets", json={"API_KEY": "s3cr3t"})
    state.chmod(0o644)  # as an older version, a copy or an editor may leave it
    with Emulator(state_file=state):
        assert state.stat().st_mode & 0o777 == 0o600  # at once, not at the next write


def test_the_writer_thread_reports_a_failed_write_once_and_recovers(tmp_path, capfd):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, seed=2, persist_interval=0.05) as em, closing(connect(em)) as api:
        api.post("/api/v2/hooks", json=hook("first"))
        assert em.wait_persisted(timeout=20)
        state.unlink()
        state.mkdir()
        hook_id = api.post("/api/v2/hooks", json=hook("second")).json()["id"]
        deadline = time.monotonic() + 20
        while em.persist_error is None:
            assert time.monotonic() < deadline, "the failed write was never reported"
            time.sleep(0.02)
        assert "state.json" in em.persist_error
        assert em.state_writes == 1
        state.rmdir()
        assert em.wait_persisted(timeout=20), "the writer did not retry after the folder was fixed"
        assert hook_id in [h["id"] for h in saved(state)["hooks"]]
    err = capfd.readouterr().err
    assert err.count("cannot write the emulator's state") == 1 and "Traceback" not in err
