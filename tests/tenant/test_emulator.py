"""The Management API emulator, over real HTTP on 127.0.0.1: what a client of the real API sees."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.cli import main
from hooktui.tenant.emulator import Emulator

SCRIPT = "module.exports = function (client, scope, audience, context, cb) { cb(null, {}); };"
CE = "credentials-exchange"
PRE = "pre-user-registration"


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def token_request(em: Emulator, **changes: str) -> dict[str, str]:
    body = {
        "grant_type": "client_credentials",
        "client_id": em.client_id,
        "client_secret": em.client_secret,
        "audience": f"{em.base_url}/api/v2/",
    }
    body.update(changes)
    return body


def connect(em: Emulator) -> httpx.Client:
    """A client holding a fresh management token, as hooktui's own client would (close it)."""
    client = httpx.Client(base_url=em.base_url, timeout=5)
    response = client.post("/oauth/token", json=token_request(em))
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def hook(name: str, trigger: str = CE, **extra: object) -> dict[str, object]:
    return {"name": name, "script": SCRIPT, "triggerId": trigger, **extra}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=7) as em:
        yield em


@pytest.fixture
def api(emulator: Emulator) -> Iterator[httpx.Client]:
    with closing(connect(emulator)) as client:
        yield client


# ---------------------------------------------------------------------------- rate plans


@pytest.mark.parametrize(
    ("text", "rate", "burst"),
    [("free", 2, 10), ("paid", 16, 50), ("enterprise-nonprod", 0.9, 10), ("20/5", 20, 5), (" Free ", 2, 10),
     ("0.5/1", 0.5, 1)],
)
def test_rate_plan_parse(text, rate, burst):
    assert RatePlan.parse(text) == RatePlan(rate, burst)


@pytest.mark.parametrize("text", ["", "gold", "20", "20/", "/5", "0/5", "-1/5", "2/0", "2/1.5", "x/y", "nan/5"])
def test_rate_plan_parse_rejects_with_the_accepted_forms(text):
    with pytest.raises(ValueError, match="free, paid, enterprise-nonprod, or RPS/BURST"):
        RatePlan.parse(text)


# ---------------------------------------------------------------------------- tokens


def test_token_with_good_credentials_json_or_form(emulator):
    with httpx.Client(base_url=emulator.base_url) as client:
        as_json = client.post("/oauth/token", json=token_request(emulator))
        as_form = client.post("/oauth/token", data=token_request(emulator))
    for response in (as_json, as_form):
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 86400
        assert "read:hooks" in body["scope"]
        assert body["access_token"].count(".") == 2  # a JWT, like Auth0's
    assert [e["type"] for e in emulator.logs] == ["seccft", "seccft"]


@pytest.mark.parametrize("changes", [{"client_secret": "wrong"}, {"client_id": "someone-else"}, {"client_secret": ""}])
def test_token_with_bad_credentials_is_401_in_the_authentication_api_shape(emulator, changes):
    with httpx.Client(base_url=emulator.base_url) as client:
        response = client.post("/oauth/token", json=token_request(emulator, **changes))
    assert response.status_code == 401
    assert response.json() == {"error": "access_denied", "error_description": "Unauthorized"}
    assert [e["type"] for e in emulator.logs] == ["feccft"]
    assert "wrong" not in json.dumps(emulator.logs)


def test_token_refuses_other_grants_and_audiences(emulator):
    with httpx.Client(base_url=emulator.base_url) as client:
        grant = client.post("/oauth/token", json=token_request(emulator, grant_type="password"))
        audience = client.post("/oauth/token", json=token_request(emulator, audience="https://other/api/v2/"))
        tenant_domain = client.post("/oauth/token",
                                    json=token_request(emulator, audience="https://emulator.local/api/v2/"))
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    assert audience.status_code == 403
    assert audience.json() == {"error": "access_denied",
                               "error_description": "Service not enabled within domain: https://other/api/v2/"}
    assert tenant_domain.status_code == 200


def test_tokens_expire_after_token_ttl():
    clock = FakeClock()
    with Emulator(token_ttl=1, clock=clock) as em, closing(connect(em)) as api:
        assert api.get("/api/v2/hooks").status_code == 200
        clock.advance(1.5)
        response = api.get("/api/v2/hooks")
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "error": "Unauthorized",
                               "message": "Expired token received for JSON Web Token validation",
                               "errorCode": "invalid_token"}


def test_unknown_or_missing_token_is_401(emulator):
    with httpx.Client(base_url=emulator.base_url) as client:
        forged = client.get("/api/v2/hooks", headers={"Authorization": "Bearer abc.def.ghi"})
        missing = client.get("/api/v2/hooks")
        other_tenant = Emulator(client_secret="another-secret")
        other_tenant.base_url = emulator.base_url
        foreign = other_tenant._sign({"exp": 2**40, "azp": "x"})
        signed_elsewhere = client.get("/api/v2/hooks", headers={"Authorization": f"Bearer {foreign}"})
    assert forged.json() == {"statusCode": 401, "error": "Unauthorized", "message": "Invalid token",
                             "errorCode": "invalid_token"}
    assert signed_elsewhere.json()["message"] == "Invalid token"
    assert missing.status_code == 401
    assert missing.json()["message"] == "Missing authentication"


# ---------------------------------------------------------------------------- hooks


def test_hook_crud(emulator, api):
    created = api.post("/api/v2/hooks", json=hook("my-hook", dependencies={"lodash": "4.17.21"}))
    assert created.status_code == 201
    body = created.json()
    hook_id = body.pop("id")
    assert body == {"name": "my-hook", "triggerId": CE, "enabled": False, "script": SCRIPT,
                    "dependencies": {"lodash": "4.17.21"}}

    got = api.get(f"/api/v2/hooks/{hook_id}")
    assert got.status_code == 200 and got.json() == {"id": hook_id, **body}

    patched = api.patch(f"/api/v2/hooks/{hook_id}", json={"script": "module.exports = 1;", "enabled": True})
    assert patched.status_code == 201
    assert patched.json()["script"] == "module.exports = 1;" and patched.json()["enabled"] is True
    assert emulator.hooks[hook_id]["enabled"] is True

    api.post(f"/api/v2/hooks/{hook_id}/secrets", json={"API_KEY": "s3cr3t-value"})
    deleted = api.delete(f"/api/v2/hooks/{hook_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert hook_id not in emulator.hooks and hook_id not in emulator.secrets

    for response in (api.get(f"/api/v2/hooks/{hook_id}"), api.delete(f"/api/v2/hooks/{hook_id}"),
                     api.patch(f"/api/v2/hooks/{hook_id}", json={"enabled": False})):
        assert response.status_code == 404
        assert response.json() == {"statusCode": 404, "error": "Not Found", "message": "The hook does not exist.",
                                   "errorCode": "inexistent_hook"}
    assert [e["description"] for e in emulator.logs if e["type"] == "sapi"] == [
        "Create a hook", "Update a hook", "Add hook secrets", "Delete a hook"]
    assert [e["type"] for e in emulator.logs[-2:]] == ["fapi", "fapi"]  # the failed delete and patch
    assert "s3cr3t-value" not in json.dumps(emulator.logs)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (hook("bad_name"), "String does not match pattern"),
        (hook("-dash"), "String does not match pattern"),
        (hook("trailing "), "String does not match pattern"),
        (hook("ok", trigger="post-login"), 'No enum match for: "post-login" on property triggerId'),
        ({"name": "ok", "triggerId": CE}, "Missing required property: script"),
        ({**hook("ok"), "script": 42}, "Expected type string but found type integer on property script"),
        ({**hook("ok"), "enabled": "yes"}, "Expected type boolean but found type string on property enabled"),
        ({**hook("ok"), "id": "x"}, "Additional properties not allowed: id"),
        ({**hook("ok"), "dependencies": {"a": 1}}, "on property dependencies.a"),
        ([hook("ok")], "Expected type object but found type array"),
    ],
)
def test_create_validation_is_400_invalid_body(emulator, api, body, message):
    response = api.post("/api/v2/hooks", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["statusCode"] == 400 and error["error"] == "Bad Request" and error["errorCode"] == "invalid_body"
    assert error["message"].startswith("Payload validation error: ")
    assert message in error["message"]
    assert emulator.hooks == {}


def test_names_with_spaces_and_dashes_are_valid(api):
    assert api.post("/api/v2/hooks", json=hook("My hook-2")).status_code == 201
    assert api.post("/api/v2/hooks", json=hook("x")).status_code == 201


def test_invalid_json_is_400(api):
    response = api.post("/api/v2/hooks", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request payload JSON format"


def test_duplicate_name_is_409_on_create_and_rename(emulator, api):
    first = api.post("/api/v2/hooks", json=hook("taken")).json()
    other = api.post("/api/v2/hooks", json=hook("other", PRE)).json()
    again = api.post("/api/v2/hooks", json=hook("taken", PRE))
    rename = api.patch(f"/api/v2/hooks/{other['id']}", json={"name": "taken"})
    for response in (again, rename):
        assert response.status_code == 409
        error = response.json()
        assert error["error"] == "Conflict" and error["errorCode"] == "hook_conflict"
        assert '"taken"' in error["message"]
    assert len(emulator.hooks) == 2 and emulator.hooks[other["id"]]["name"] == "other"
    assert api.patch(f"/api/v2/hooks/{first['id']}", json={"name": "taken"}).status_code == 201  # its own name


def test_trigger_id_is_immutable(emulator, api):
    created = api.post("/api/v2/hooks", json=hook("h")).json()
    response = api.patch(f"/api/v2/hooks/{created['id']}", json={"triggerId": PRE, "script": "x"})
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "error": "Bad Request",
                               "message": "Payload validation error: Additional properties not allowed: triggerId",
                               "errorCode": "invalid_body"}
    assert emulator.hooks[created["id"]]["triggerId"] == CE
    assert emulator.hooks[created["id"]]["script"] == SCRIPT
    empty = api.patch(f"/api/v2/hooks/{created['id']}", json={})
    assert empty.status_code == 400 and "Too few properties" in empty.json()["message"]


def test_only_one_enabled_hook_per_trigger(emulator, api):
    a = api.post("/api/v2/hooks", json=hook("a", enabled=True)).json()
    second_enabled = api.post("/api/v2/hooks", json=hook("b", enabled=True))
    assert second_enabled.status_code == 409
    error = second_enabled.json()
    assert error["errorCode"] == "enabled_hook_conflict"
    assert error["message"].startswith("Only one hook can be enabled per trigger")
    assert len(emulator.hooks) == 1

    b = api.post("/api/v2/hooks", json=hook("b")).json()
    enable_b = api.patch(f"/api/v2/hooks/{b['id']}", json={"enabled": True})
    assert enable_b.status_code == 409
    assert emulator.hooks[a["id"]]["enabled"] is True  # nothing disabled behind the caller's back
    assert emulator.hooks[b["id"]]["enabled"] is False

    assert api.post("/api/v2/hooks", json=hook("c", PRE, enabled=True)).status_code == 201  # another trigger
    assert api.patch(f"/api/v2/hooks/{a['id']}", json={"enabled": True, "script": "x"}).status_code == 201  # itself
    assert api.patch(f"/api/v2/hooks/{a['id']}", json={"enabled": False}).status_code == 201
    assert api.patch(f"/api/v2/hooks/{b['id']}", json={"enabled": True}).status_code == 201


def test_list_paging_filters_and_fields(emulator, api):
    emulator.seed_hooks([hook(f"h{i}", CE if i % 2 else PRE, enabled=i in (1, 2)) for i in range(7)])
    everything = api.get("/api/v2/hooks").json()
    assert [h["name"] for h in everything] == [f"h{i}" for i in range(7)]
    assert set(everything[0]) == {"id", "name", "triggerId", "enabled", "script", "dependencies"}

    pages = [api.get("/api/v2/hooks", params={"page": p, "per_page": 3, "include_totals": "true"}).json()
             for p in range(3)]
    assert [(p["start"], p["limit"], p["total"]) for p in pages] == [(0, 3, 7), (3, 3, 7), (6, 3, 7)]
    assert [h["name"] for p in pages for h in p["hooks"]] == [f"h{i}" for i in range(7)]
    assert api.get("/api/v2/hooks", params={"page": 1, "per_page": 5}).json()[0]["name"] == "h5"

    enabled = api.get("/api/v2/hooks", params={"enabled": "true"}).json()
    assert sorted(h["name"] for h in enabled) == ["h1", "h2"]
    disabled_ce = api.get("/api/v2/hooks", params={"enabled": "false", "triggerId": CE}).json()
    assert [h["name"] for h in disabled_ce] == ["h3", "h5"]

    only = api.get("/api/v2/hooks", params={"fields": "id,name"}).json()
    assert all(set(h) == {"id", "name"} for h in only)
    without = api.get("/api/v2/hooks", params={"fields": "script", "include_fields": "false"}).json()
    assert all("script" not in h and "name" in h for h in without)
    one = api.get(f"/api/v2/hooks/{everything[0]['id']}", params={"fields": "name"}).json()
    assert one == {"name": "h0"}

    for params in ({"per_page": 101}, {"page": -1, "per_page": 5}, {"per_page": "ten"}, {"enabled": "yes"},
                   {"triggerId": "post-login"}):
        response = api.get("/api/v2/hooks", params=params)
        assert response.status_code == 400, params
        assert response.json()["errorCode"] == "invalid_query_string"
    assert api.get("/api/v2/hooks", params={"per_page": 100}).status_code == 200


def test_unknown_paths_are_404(api):
    for path in ("/api/v2/rules", "/api/v2/hooks/x/secrets/y", "/api/v2/hooks/", "/nothing"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["statusCode"] == 404


def test_concurrent_creates_of_one_name_make_one_hook(emulator):
    clients = [connect(emulator) for _ in range(8)]
    results: list[int] = []

    def create(client: httpx.Client) -> None:
        results.append(client.post("/api/v2/hooks", json=hook("racy")).status_code)

    threads = [threading.Thread(target=create, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    assert sorted(results) == [201] + [409] * 7
    assert len(emulator.hooks) == 1


def test_seed_hooks_keeps_the_tenant_rules(emulator):
    seeded = emulator.seed_hooks([hook("one", enabled=True, secrets={"K": "v"})])
    assert seeded[0]["id"] in emulator.hooks and seeded[0]["secrets"] == {"K": "v"}
    assert emulator.secrets[seeded[0]["id"]] == {"K": "v"}
    for bad in (hook("one", PRE), hook("two", enabled=True), hook("bad_name"), hook("t", trigger="nope")):
        with pytest.raises(ValueError, match="cannot seed hook"):
            emulator.seed_hooks([bad])
    assert emulator.logs == []


# ---------------------------------------------------------------------------- secrets


def test_secrets_masked_post_new_patch_existing_delete_keys(emulator, api):
    hook_id = api.post("/api/v2/hooks", json=hook("h")).json()["id"]
    url = f"/api/v2/hooks/{hook_id}/secrets"
    assert api.get(url).json() == {}

    added = api.post(url, json={"API_KEY": "one", "OTHER": "two"})
    assert added.status_code == 201 and added.content == b""
    assert api.get(url).json() == {"API_KEY": "_VALUE_NOT_SHOWN_", "OTHER": "_VALUE_NOT_SHOWN_"}

    again = api.post(url, json={"API_KEY": "changed", "NEW": "three"})
    assert again.status_code == 409
    assert again.json()["errorCode"] == "hook_secret_conflict" and "API_KEY" in again.json()["message"]
    assert emulator.secrets[hook_id] == {"API_KEY": "one", "OTHER": "two"}  # all or nothing

    patched = api.patch(url, json={"API_KEY": "rotated"})
    assert patched.status_code == 201
    missing = api.patch(url, json={"API_KEY": "x", "NOPE": "y"})
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "inexistent_hook_secret" and "NOPE" in missing.json()["message"]
    assert emulator.secrets[hook_id] == {"API_KEY": "rotated", "OTHER": "two"}

    deleted = api.request("DELETE", url, json=["OTHER", "NEVER_THERE"])
    assert deleted.status_code == 204
    assert emulator.secrets[hook_id] == {"API_KEY": "rotated"}
    assert api.request("DELETE", url, json={"OTHER": 1}).status_code == 400
    assert api.request("DELETE", url, json=[]).status_code == 400
    assert api.post(url, json={"X": 1}).status_code == 400

    assert api.get("/api/v2/hooks/nope/secrets").json()["errorCode"] == "inexistent_hook"
    assert "rotated" not in json.dumps(emulator.logs) and "one" not in json.dumps(
        [e["details"] for e in emulator.logs])


def test_at_most_20_secrets(emulator, api):
    hook_id = api.post("/api/v2/hooks", json=hook("h")).json()["id"]
    url = f"/api/v2/hooks/{hook_id}/secrets"
    assert api.post(url, json={f"S{i}": "v" for i in range(19)}).status_code == 201
    too_many = api.post(url, json={"A": "v", "B": "v"})
    assert too_many.status_code == 400
    assert too_many.json()["errorCode"] == "too_many_secrets"
    assert len(emulator.secrets[hook_id]) == 19
    assert api.post(url, json={"A": "v"}).status_code == 201
    assert api.post(url, json={"B": "v"}).status_code == 400


# ---------------------------------------------------------------------------- logs


def test_logs_search(emulator, api):
    for i in range(5):
        api.post("/api/v2/hooks", json=hook(f"h{i}", PRE if i % 2 else CE))
    api.post("/api/v2/hooks", json=hook("h0"))  # fapi

    newest_first = api.get("/api/v2/logs").json()
    assert [e["type"] for e in newest_first] == ["fapi"] + ["sapi"] * 5 + ["seccft"]
    ids = [e["log_id"] for e in newest_first]
    assert ids == sorted(ids, reverse=True) and all(e["_id"] == e["log_id"] for e in newest_first)
    assert newest_first[0]["date"].endswith("Z")

    oldest_first = api.get("/api/v2/logs", params={"sort": "date:1"}).json()
    assert [e["log_id"] for e in oldest_first] == ids[::-1]

    sapi = api.get("/api/v2/logs", params={"q": "type:sapi"}).json()
    assert len(sapi) == 5 and {e["type"] for e in sapi} == {"sapi"}
    assert len(api.get("/api/v2/logs", params={"q": 'type:"fapi"'}).json()) == 1
    assert len(api.get("/api/v2/logs", params={"q": "already exists"}).json()) == 1
    assert len(api.get("/api/v2/logs", params={"q": "type:sapi AND create"}).json()) == 5
    assert len(api.get("/api/v2/logs", params={"q": "details.request.method:post"}).json()) == 6

    page = api.get("/api/v2/logs", params={"page": 1, "per_page": 3, "include_totals": "true"}).json()
    assert (page["start"], page["limit"], page["length"], page["total"]) == (3, 3, 3, 7)
    assert [e["log_id"] for e in page["logs"]] == ids[3:6]
    assert api.get("/api/v2/logs", params={"per_page": 101}).status_code == 400
    assert api.get("/api/v2/logs", params={"sort": "type:1"}).status_code == 400
    assert api.get(f"/api/v2/logs/{ids[0]}").json()["type"] == "fapi"
    assert api.get("/api/v2/logs/nope").status_code == 404


def test_logs_checkpoint_has_no_gaps_or_repeats(emulator, api):
    def follow(start: str) -> list[dict]:
        seen, checkpoint = [], start
        while True:
            batch = api.get("/api/v2/logs", params={"from": checkpoint, "take": 10}).json()
            if not batch:
                return seen
            assert len(batch) <= 10
            seen += batch
            checkpoint = batch[-1]["log_id"]

    for i in range(24):
        api.post("/api/v2/hooks", json=hook(f"h{i}"))
    first = follow("")
    assert len(first) == 25  # the token and 24 creates
    ids = [e["log_id"] for e in first]
    assert ids == sorted(ids) and len(set(ids)) == 25  # oldest first, each once
    assert ids == [e["log_id"] for e in emulator.logs]

    for i in range(3):
        api.delete(f"/api/v2/hooks/{next(iter(emulator.hooks))}")
    more = follow(ids[-1])
    assert [e["description"] for e in more] == ["Delete a hook"] * 3
    assert api.get("/api/v2/logs", params={"take": 2}).json() == first[:2]  # take alone: from the oldest

    assert api.get("/api/v2/logs", params={"from": ids[0], "take": 101}).status_code == 400
    mixed = api.get("/api/v2/logs", params={"from": ids[0], "q": "type:sapi"})
    assert mixed.status_code == 400 and mixed.json()["errorCode"] == "invalid_query_string"


# ---------------------------------------------------------------------------- rate limit


def test_rate_limit_bucket_headers_and_429():
    clock = FakeClock()
    with Emulator(rate=RatePlan(rate=2, burst=10), clock=clock) as em, httpx.Client(base_url=em.base_url) as client:
        token = client.post("/oauth/token", json=token_request(em))  # the first of the 10
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        responses = [token] + [client.get("/api/v2/hooks") for _ in range(9)]
        assert [r.status_code for r in responses] == [200] * 10
        assert [int(r.headers["X-RateLimit-Remaining"]) for r in responses] == list(range(9, -1, -1))
        assert {r.headers["X-RateLimit-Limit"] for r in responses} == {"10"}

        limited = client.get("/api/v2/hooks")
        assert limited.status_code == 429
        assert limited.json() == {"statusCode": 429, "error": "Too Many Requests",
                                  "message": "Global limit has been reached", "errorCode": "too_many_requests"}
        assert limited.headers["X-RateLimit-Limit"] == "10"
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert "Retry-After" not in limited.headers
        reset = limited.headers["X-RateLimit-Reset"]
        assert reset.isdigit()
        assert time.time() < int(reset) <= math.ceil(time.time() + 10 / 2)  # empty: full again in 5 s
        assert em.logs[-1]["type"] == "api_limit"
        assert em.requests[-1].status == 429
        assert (em.requests[-1].remaining_before, em.requests[-1].remaining_after) == (0, 0)
        assert (em.requests[0].remaining_before, em.requests[0].remaining_after) == (10, 9)

        clock.advance(0.5)  # one token back at 2/s
        again = client.get("/api/v2/hooks")
        assert again.status_code == 200 and again.headers["X-RateLimit-Remaining"] == "0"
        assert client.get("/api/v2/hooks").status_code == 429
        clock.advance(60)
        full = client.get("/api/v2/hooks")
        assert full.headers["X-RateLimit-Remaining"] == "9"  # capped at the burst


def test_rate_limit_refills_in_real_time():
    with Emulator(rate=RatePlan(rate=2, burst=3)) as em, httpx.Client(base_url=em.base_url) as client:
        statuses = [client.get("/api/v2/hooks").status_code for _ in range(8)]
        assert statuses[:3] == [401, 401, 401]  # taken from the bucket even without a token
        assert 429 in statuses
        time.sleep(0.6)
        assert client.get("/api/v2/hooks").status_code == 401


def test_no_rate_plan_means_no_limit_and_no_headers(emulator, api):
    responses = [api.get("/api/v2/hooks") for _ in range(30)]
    assert {r.status_code for r in responses} == {200}
    assert "X-RateLimit-Limit" not in responses[0].headers
    assert emulator.requests[-1].remaining_after is None


# ---------------------------------------------------------------------------- faults


def test_fail_rate_gives_503_and_changes_nothing(emulator, api):
    emulator.fail_rate = 1.0
    logs_before = list(emulator.logs)
    for response in (api.post("/api/v2/hooks", json=hook("h")), api.get("/api/v2/hooks"),
                     api.post("/oauth/token", json=token_request(emulator))):
        assert response.status_code == 503
        body = response.json()
        assert (body["statusCode"], body["error"]) == (503, "Service Unavailable") and body["message"]
    assert emulator.hooks == {} and emulator.logs == logs_before
    emulator.fail_rate = 0.0
    assert api.get("/api/v2/hooks").status_code == 200


def test_fail_rate_share_is_seeded():
    with Emulator(fail_rate=0.5, seed=3) as em, httpx.Client(base_url=em.base_url) as client:
        statuses = [client.get("/api/v2/hooks").status_code for _ in range(200)]
    failed = statuses.count(503)
    assert 60 < failed < 140 and set(statuses) == {401, 503}


def test_latency_delays_answers(emulator, api):
    emulator.latency_ms = 150
    started = time.perf_counter()
    assert api.get("/api/v2/hooks").status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_drop_after_processing_creates_but_never_answers(emulator, api):
    emulator.drop_after_processing("POST", "/api/v2/hooks", count=1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post("/api/v2/hooks", json=hook("ghost"))
    assert [h["name"] for h in emulator.hooks.values()] == ["ghost"]
    assert emulator.requests[-1].dropped and emulator.requests[-1].status == 201
    listed = api.get("/api/v2/hooks").json()  # a new connection; the rule is used up
    assert [h["name"] for h in listed] == ["ghost"]
    assert api.post("/api/v2/hooks", json=hook("second")).status_code == 201
    assert api.post("/api/v2/hooks", json=hook("ghost")).status_code == 409  # a blind retry duplicates nothing


# ---------------------------------------------------------------------------- state, keep-alive, stop


def test_state_file_round_trip(tmp_path):
    state = tmp_path / "tenant" / "state.json"
    with Emulator(state_file=state, seed=1) as first, closing(connect(first)) as api:
        hook_id = api.post("/api/v2/hooks", json=hook("kept", enabled=True)).json()["id"]
        api.post(f"/api/v2/hooks/{hook_id}/secrets", json={"API_KEY": "value"})
        # The tenant's own audience, not its http://127.0.0.1:PORT one: the restart has another port.
        minted = api.post("/oauth/token", json=token_request(first, audience="https://emulator.local/api/v2/"))
        token = f"Bearer {minted.json()['access_token']}"
        last_log = first.logs[-1]["log_id"]
    assert oct(state.stat().st_mode & 0o777) == "0o600"  # it holds secret values

    with Emulator(state_file=state, seed=1) as second, httpx.Client(base_url=second.base_url) as client:
        assert second.hooks[hook_id]["name"] == "kept" and second.secrets[hook_id] == {"API_KEY": "value"}
        client.headers["Authorization"] = token  # a token outlives a restart, as a real JWT does
        assert [h["id"] for h in client.get("/api/v2/hooks").json()] == [hook_id]
        other = client.post("/api/v2/hooks", json=hook("new", PRE)).json()["id"]
        assert other != hook_id
        assert second.logs[-1]["log_id"] > last_log
        assert len(client.get("/api/v2/logs").json()) == 5

    saved = json.loads(state.read_text())
    assert [h["name"] for h in saved["hooks"]] == ["kept", "new"]


def test_bad_state_file_is_a_clear_error(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("{nope")
    with pytest.raises(ValueError, match="cannot load the emulator's state"):
        Emulator(state_file=state)


def test_the_handler_disables_nagle(emulator, api):
    """Python's http.server keeps Nagle on: headers and body wait on delayed ACKs, ~45 ms a
    keep-alive request (measured.md). The handler must set TCP_NODELAY on every connection."""
    from hooktui.tenant.emulator import _Handler

    assert _Handler.disable_nagle_algorithm is True
    for _ in range(3):  # and keep-alive still answers on the one connection
        assert api.get("/api/v2/hooks").status_code in (200, 401)


def test_stop_closes_keep_alive_connections():
    em = Emulator().__enter__()
    client = httpx.Client(base_url=em.base_url, timeout=2)
    assert client.get("/api/v2/hooks").status_code == 401
    em.stop()
    with pytest.raises(httpx.TransportError):
        client.get("/api/v2/hooks")
    client.close()


# ---------------------------------------------------------------------------- command line


def test_main_rejects_bad_options(capsys):
    assert main(["--rate", "gold"]) == 2
    assert "free, paid, enterprise-nonprod, or RPS/BURST" in capsys.readouterr().err
    assert main(["--fail-rate", "2"]) == 2


def test_main_serves_until_interrupted(tmp_path):
    code = "import sys; from hooktui.tenant.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--rate", "free", "--state", str(tmp_path / "s.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        while not lines or not lines[-1].startswith("Ctrl+C"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line.rstrip("\n"))
        url = lines[0].rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        assert f"  export AUTH0_DOMAIN={url}" in lines
        assert "  export AUTH0_CLIENT_ID=hooktui-emulator" in lines
        assert any("not a real credential" in line for line in lines)
        response = httpx.post(f"{url}/oauth/token", json={
            "grant_type": "client_credentials", "client_id": "hooktui-emulator",
            "client_secret": "emulator-secret", "audience": f"{url}/api/v2/"})
        assert response.status_code == 200 and response.headers["X-RateLimit-Limit"] == "10"
        assert "POST" in proc.stdout.readline()  # one line per request
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert (tmp_path / "s.json").exists()


def test_main_does_not_echo_a_given_secret(tmp_path):
    code = "import sys; from hooktui.tenant.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--client-id", "me", "--client-secret", "my-own-secret-123", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        out = []
        while not out or not out[-1].startswith("Ctrl+C"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            out.append(line)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    text = "".join(out)
    assert "my-own-secret-123" not in text and "AUTH0_CLIENT_ID=me" in text
