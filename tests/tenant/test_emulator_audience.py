"""Token audiences: the emulator's own, and `https://{host}/api/v2/` that the official SDKs ask for;
a token minted for another tenant (another host or audience) is refused with Auth0's 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import pytest

from hooktui.tenant.emulator import Emulator


def mint(em: Emulator, audience: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{em.base_url}/oauth/token", headers=headers or {}, timeout=20, json={
        "grant_type": "client_credentials", "client_id": em.client_id, "client_secret": em.client_secret,
        "audience": audience})


def bearer(em: Emulator, audience: str) -> str:
    response = mint(em, audience)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get_hooks(em: Emulator, token: str, host: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if host:
        headers["Host"] = host
    return httpx.get(f"{em.base_url}/api/v2/hooks", headers=headers, timeout=20)


def host_of(em: Emulator) -> str:
    return em.base_url.split("://", 1)[1]


def forge(em: Emulator, claims: dict) -> str:
    """A token signed with the tenant's secret but with claims of our choosing."""
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(em.client_secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


@pytest.fixture
def pair():
    with Emulator(seed=1) as a, Emulator(seed=2) as b:  # same client id and secret, two hosts
        yield a, b


def test_the_sdk_default_audience_is_accepted_for_tokens_and_calls(pair):
    a, _ = pair
    token = bearer(a, f"https://{host_of(a)}/api/v2/")  # auth0-python, node-auth0, auth0-cli
    assert get_hooks(a, token).status_code == 200
    for audience in (f"{a.base_url}/api/v2/", "https://emulator.local/api/v2/"):
        assert get_hooks(a, bearer(a, audience)).status_code == 200


@pytest.mark.parametrize("audience", ["http", "https"])
def test_a_token_from_one_emulator_is_refused_by_another(pair, audience):
    a, b = pair
    token = bearer(a, f"{audience}://{host_of(a)}/api/v2/")
    refused = get_hooks(b, token)
    assert refused.status_code == 401
    assert refused.json() == {"statusCode": 401, "error": "Unauthorized",
                              "message": f"Bad audience: {audience}://{host_of(a)}/api/v2/",
                              "errorCode": "invalid_token"}
    assert get_hooks(a, token).status_code == 200


def test_a_token_for_another_audience_is_refused_even_when_signed_by_the_tenant(pair):
    a, _ = pair
    now = int(time.time())
    base = {"iat": now, "exp": now + 600, "azp": a.client_id}
    for claims in ({**base, "aud": "https://evil.example/api/v2/"}, base, {**base, "aud": 42},
                   {**base, "aud": [f"https://{host_of(a)}/userinfo"]}):
        response = get_hooks(a, forge(a, claims))
        assert response.status_code == 401 and response.json()["errorCode"] == "invalid_token", claims
    listed = forge(a, {**base, "aud": ["https://evil.example/", f"{a.base_url}/api/v2/"]})
    assert get_hooks(a, listed).status_code == 200  # a JWT `aud` may be a list; one match is enough


def test_a_token_is_bound_to_the_host_it_was_minted_for(pair):
    a, _ = pair
    token = bearer(a, f"{a.base_url}/api/v2/")
    assert get_hooks(a, token, host=f"other.test:{a.base_url.rsplit(':', 1)[1]}").status_code == 401


def test_a_foreign_audience_cannot_get_a_token(pair):
    a, b = pair
    refused = mint(b, f"{a.base_url}/api/v2/")
    assert refused.status_code == 403
    assert refused.json()["error"] == "access_denied"


def test_a_request_without_a_host_header_is_checked_against_the_emulator_address(pair):
    a, b = pair
    import socket

    def get_without_host(em: Emulator, token: str) -> bytes:
        port = int(em.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(f"GET /api/v2/hooks HTTP/1.0\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        return data.split(b"\r\n", 1)[0]

    for scheme in ("http", "https"):
        token = bearer(a, f"{scheme}://{host_of(a)}/api/v2/")
        assert b" 200 " in get_without_host(a, token), scheme
        assert b" 401 " in get_without_host(b, token), scheme
