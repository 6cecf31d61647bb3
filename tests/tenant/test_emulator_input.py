"""Hostile and broken requests against the emulator, on the wire (raw sockets where a client library
would refuse to send them): each gets a clear 4xx in Auth0's error shape, nothing is printed, and the
server keeps answering."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from hooktui.tenant.emulator import Emulator

CE = "credentials-exchange"
DEADLINE = 20.0  # seconds a socket waits for the server before the test fails


def token(em: Emulator) -> str:
    response = httpx.post(f"{em.base_url}/oauth/token", json={
        "grant_type": "client_credentials", "client_id": em.client_id, "client_secret": em.client_secret,
        "audience": "https://emulator.local/api/v2/"}, timeout=DEADLINE)  # valid whatever Host the raw requests send
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def port(em: Emulator) -> int:
    return int(em.base_url.rsplit(":", 1)[1])


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length (what the emulator always sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection without an answer (got {data!r})"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection in the middle of a body"
        body += chunk
    return status, headers, body[:length]


def exchange(em: Emulator, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port(em)), timeout=DEADLINE) as sock:
        sock.sendall(raw)
        return read_response(sock)


def request(method: str, path: str, body: bytes = b"", *, bearer: str | None = None,
            headers: str = "", length: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {bearer}\r\n" if bearer else ""
    size = str(len(body)) if length is None else length
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
            f"{headers}Content-Length: {size}\r\n\r\n").encode("latin-1") + body


def assert_auth0_error(status: int, body: bytes, expected: int) -> dict[str, object]:
    assert status == expected, body
    error = json.loads(body)
    assert set(error) == {"statusCode", "error", "message", "errorCode"}, error
    assert error["statusCode"] == expected and isinstance(error["message"], str) and error["message"]
    return error


@pytest.fixture
def em() -> Iterator[Emulator]:
    with Emulator(seed=5) as emulator:
        yield emulator


def still_serving(em: Emulator, bearer: str) -> None:
    status, _, body = exchange(em, request("GET", "/api/v2/hooks", bearer=bearer))
    assert status == 200, body
    created = exchange(em, request("POST", "/api/v2/hooks", json.dumps(
        {"name": f"after-{time.monotonic_ns()}", "script": "module.exports = 1;", "triggerId": CE}).encode(),
        bearer=bearer))
    assert created[0] == 201, created[2]


# ---------------------------------------------------------------------------- bad bodies

SURROGATE_SCRIPT = b'{"name": "lone", "script": "x\\ud800", "triggerId": "credentials-exchange"}'


@pytest.mark.parametrize(("body", "path", "needle"), [
    (SURROGATE_SCRIPT, "/api/v2/hooks", "property script"),
    (b'{"name": "lone", "script": "x", "triggerId": "credentials-exchange", "dependencies": {"a\\udfff": "1"}}',
     "/api/v2/hooks", "dependencies"),
    (b'{"name": "lone", "script": "x", "triggerId": "credentials-exchange", "dependencies": {"lodash": "\\udc00"}}',
     "/api/v2/hooks", "property dependencies.lodash"),
    (b'["\\ud83d"]', "/api/v2/hooks/some-id/secrets", "[0]"),
])
def test_a_lone_surrogate_is_400_naming_the_field(em, capfd, body, path, needle):
    bearer = token(em)
    status, _, raw = exchange(em, request("POST" if "secrets" not in path else "DELETE", path, body, bearer=bearer))
    error = assert_auth0_error(status, raw, 400)
    assert "surrogate" in error["message"] and needle in error["message"], error
    assert error["errorCode"] == "invalid_body"
    assert em.hooks == {}
    still_serving(em, bearer)
    assert capfd.readouterr() == ("", "")


def test_a_valid_surrogate_pair_is_kept(em):
    bearer = token(em)
    body = b'{"name": "pair", "script": "// \\ud83d\\ude00", "triggerId": "credentials-exchange"}'
    status, _, raw = exchange(em, request("POST", "/api/v2/hooks", body, bearer=bearer))
    assert status == 201, raw
    assert json.loads(raw)["script"] == "// \U0001F600"


def test_a_lone_surrogate_in_a_token_request_is_400(em, capfd):
    status, _, raw = exchange(em, request("POST", "/oauth/token", b'{"grant_type": "\\ud800"}'))
    assert status == 400
    assert json.loads(raw)["error"] == "invalid_request" and "surrogate" in json.loads(raw)["error_description"]
    assert token(em)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(("body", "needle"), [
    (b'{"name": "caf\xe9"}', "UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested"),
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested"),
    (b"\xff\xfe{\x00}\x00", "UTF-8"),  # UTF-16 with a BOM: json.loads(bytes) would guess it
], ids=["latin-1", "deep-arrays", "deep-objects", "utf-16"])
def test_undecodable_or_absurdly_nested_json_is_400(em, capfd, body, needle):
    bearer = token(em)
    status, _, raw = exchange(em, request("POST", "/api/v2/hooks", body, bearer=bearer))
    error = assert_auth0_error(status, raw, 400)
    assert needle in error["message"], error
    still_serving(em, bearer)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"true"])
def test_a_body_that_is_not_an_object_is_400(em, body):
    bearer = token(em)
    for method, path in (("POST", "/api/v2/hooks"), ("POST", "/api/v2/hooks/x/secrets")):
        status, _, raw = exchange(em, request(method, path, body, bearer=bearer))
        error = assert_auth0_error(status, raw, 400)
        assert "Expected type object" in error["message"]


# ---------------------------------------------------------------------------- framing


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "+3", "0x10", "3, 4"])
def test_a_bad_content_length_is_400_in_auth0_shape(em, capfd, length):
    bearer = token(em)
    status, headers, raw = exchange(em, request("POST", "/api/v2/hooks", b"{}", bearer=bearer, length=length))
    error = assert_auth0_error(status, raw, 400)
    assert "Content-Length" in error["message"]
    assert headers.get("connection") == "close"  # the stream cannot be trusted after that
    still_serving(em, bearer)
    assert capfd.readouterr() == ("", "")


def test_two_different_content_lengths_are_400(em):
    bearer = token(em)
    raw_request = request("POST", "/api/v2/hooks", b"{}", bearer=bearer, headers="Content-Length: 7\r\n")
    status, _, raw = exchange(em, raw_request)
    assert "Content-Length" in assert_auth0_error(status, raw, 400)["message"]


def test_a_huge_body_is_413_before_it_is_read(em, capfd):
    bearer = token(em)
    with socket.create_connection(("127.0.0.1", port(em)), timeout=DEADLINE) as sock:
        # 100 MB announced, 1 kB sent: the answer must come without the rest.
        sock.sendall(request("POST", "/api/v2/hooks", b"x" * 1024, bearer=bearer, length=str(100 * 2**20)))
        status, headers, raw = read_response(sock)
    error = assert_auth0_error(status, raw, 413)
    assert "limit" in error["message"]
    assert headers.get("connection") == "close"
    still_serving(em, bearer)
    assert capfd.readouterr() == ("", "")


def test_a_huge_body_with_expect_100_continue_is_refused_instead_of_continued(em):
    bearer = token(em)
    with socket.create_connection(("127.0.0.1", port(em)), timeout=DEADLINE) as sock:
        sock.sendall(request("POST", "/api/v2/hooks", b"", bearer=bearer, length=str(50 * 2**20),
                             headers="Expect: 100-continue\r\n"))
        status, _, raw = read_response(sock)
    assert_auth0_error(status, raw, 413)


def test_a_huge_chunked_body_is_413(em):
    bearer = token(em)
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", port(em)), timeout=DEADLINE) as sock:
        head = (f"POST /api/v2/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bearer}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n").encode()
        sock.sendall(head)
        try:
            for _ in range(40):  # 2.5 MB in 64 kB chunks, over the 1 MiB limit
                sock.sendall(b"10000\r\n" + chunk + b"\r\n")
        except OSError:
            pass  # the server may answer and close before all of it is sent
        status, _, raw = read_response(sock)
    assert_auth0_error(status, raw, 413)


@pytest.mark.parametrize("chunks", [b"zz\r\n", b"-1\r\n", b"5\r\nab", b"1" * 5000 + b"\r\n"],
                         ids=["not-hex", "negative", "short", "long-size-line"])
def test_bad_chunked_framing_is_400(em, capfd, chunks):
    bearer = token(em)
    raw_request = (f"POST /api/v2/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bearer}\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n").encode() + chunks
    with socket.create_connection(("127.0.0.1", port(em)), timeout=DEADLINE) as sock:
        sock.sendall(raw_request)
        if chunks.endswith(b"ab"):
            sock.shutdown(socket.SHUT_WR)  # the body ends early: the server sees the end of the stream
        try:
            status, _, raw = read_response(sock)
        except AssertionError:
            status, raw = 0, b""  # a stream that ended early may just be closed: also fine
    if status:
        assert_auth0_error(status, raw, 400)
    still_serving(em, bearer)
    assert capfd.readouterr() == ("", "")


# ---------------------------------------------------------------------------- http.server's own refusals


@pytest.mark.parametrize(("raw", "expected"), [
    (b"GET /api/v2/hooks HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 431),
    (b"GET /api/v2/hooks HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n", 431),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /api/v2/hooks HTTP/7.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /api/v2/hooks FTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"TOO MANY WORDS HERE HTTP/1.1\r\n\r\n", 400),
], ids=["100k-header", "150-headers", "70k-target", "http-7", "ftp", "words"])
def test_http_server_refusals_are_auth0_shaped_json(em, capfd, raw, expected):
    status, headers, body = exchange(em, raw)
    assert headers.get("content-type", "").startswith("application/json")
    if expected == 505:  # a protocol-level refusal; still JSON, still clear
        assert status == 505
        assert json.loads(body)["statusCode"] == 505
    else:
        assert_auth0_error(status, body, expected)
    still_serving(em, token(em))
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PROPFIND", "BREW"])
def test_other_methods_are_404_not_501(em, method):
    status, _, body = exchange(em, request(method, "/api/v2/hooks", bearer=token(em)))
    assert status == 404 and json.loads(body)["statusCode"] == 404


def test_head_is_404_without_a_body_and_keeps_the_connection_usable(em):
    bearer = token(em)
    conn = http.client.HTTPConnection("127.0.0.1", port(em), timeout=DEADLINE)
    try:
        conn.request("HEAD", "/api/v2/hooks", headers={"Authorization": f"Bearer {bearer}"})
        head = conn.getresponse()
        assert head.status == 404 and head.read() == b""
        conn.request("GET", "/api/v2/hooks", headers={"Authorization": f"Bearer {bearer}"})
        after = conn.getresponse()  # on the same connection: a HEAD body would garble this answer
        assert after.status == 200 and json.loads(after.read()) == []
    finally:
        conn.close()


# ---------------------------------------------------------------------------- hostile values


@pytest.mark.parametrize("path", [
    "/api/v2/hooks/..%2F..%2Fetc%2Fpasswd", "/api/v2/hooks/../../etc/passwd", "/api/v2/hooks/%00",
    "/api/v2/hooks?per_page=1000000000", "/api/v2/hooks?page=-1&per_page=5",
    "/api/v2/hooks?page=" + "9" * 5000 + "&per_page=5", "/api/v2/logs?from=1&take=1000000000",
    "/api/v2/hooks?include_totals=maybe", "/api/v2/logs?q=%22", "/api/v2/logs?sort=evil",
    "/api/v2/hooks/%ED%A0%80", "/api/v2/hooks?triggerId=%ED%A0%80",
], ids=lambda path: path[:60])
def test_hostile_paths_and_queries_are_4xx(em, capfd, path):
    bearer = token(em)
    status, _, body = exchange(em, request("GET", path, bearer=bearer))
    assert 400 <= status < 500, body
    error = json.loads(body)
    assert error["statusCode"] == status
    assert len(body) < 2000  # an absurd value is not echoed back whole
    still_serving(em, bearer)
    assert capfd.readouterr() == ("", "")


def test_a_script_that_is_100k_of_control_characters_round_trips(em):
    bearer = token(em)
    script = "".join(chr(c) for c in range(32)) * 3000 + "\u2028\u2029\ufeff"
    body = json.dumps({"name": "ctrl", "script": script, "triggerId": CE}).encode()
    status, _, raw = exchange(em, request("POST", "/api/v2/hooks", body, bearer=bearer))
    assert status == 201, raw
    assert json.loads(raw)["script"] == script


def test_many_concurrent_connections_do_not_lock_out_a_client(em):
    bearer = token(em)
    idle = [socket.create_connection(("127.0.0.1", port(em)), timeout=DEADLINE) for _ in range(200)]
    try:
        results: list[int] = []

        def one() -> None:
            results.append(exchange(em, request("GET", "/api/v2/hooks", bearer=bearer))[0])

        threads = [threading.Thread(target=one) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DEADLINE)
        assert results == [200] * 20
    finally:
        for sock in idle:
            sock.close()


# ---------------------------------------------------------------------------- idle and half-open connections


def wait_closed(sock: socket.socket) -> bytes:
    """What the server sent before it closed the connection; fails if it keeps it open."""
    sock.settimeout(DEADLINE)
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            pytest.fail(f"the server kept the connection open for {DEADLINE} s (received {received!r})")
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


@pytest.fixture
def quick() -> Iterator[Emulator]:
    with Emulator(idle_timeout=1.0) as emulator:  # long enough that a loaded machine never trips it mid-request
        yield emulator


@pytest.mark.parametrize("sent", [
    b"",  # connected and silent
    b"GET /api/v2/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # half the headers
    b"POST /api/v2/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"name\":",  # half a body
    b"POST /api/v2/hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
], ids=["silent", "half-headers", "half-body", "half-chunk"])
def test_idle_and_half_open_connections_are_closed(quick, sent):
    with socket.create_connection(("127.0.0.1", port(quick)), timeout=DEADLINE) as sock:
        if sent:
            sock.sendall(sent)
        received = wait_closed(sock)
    assert b"200 OK" not in received and b"201" not in received
    assert quick.hooks == {}


def test_a_keep_alive_connection_idle_after_an_answer_is_closed(quick):
    with socket.create_connection(("127.0.0.1", port(quick)), timeout=DEADLINE) as sock:
        sock.sendall(request("GET", "/api/v2/hooks"))
        assert read_response(sock)[0] == 401
        assert wait_closed(sock) == b""


def test_the_default_idle_timeout_is_half_a_minute():
    em = Emulator()
    assert em.idle_timeout == 30.0
    with pytest.raises(ValueError, match="idle_timeout"):
        Emulator(idle_timeout=0)


def test_the_response_phrase_never_echoes_the_request(em):
    status, _, body = exchange(em, b"GET /x HTTP/1.1\x0b\r\nHost: x\r\n\r\n")
    assert 400 <= status < 500
    assert re.fullmatch(rb"[ -~]*", body), body  # plain printable JSON


def test_a_client_trickling_its_headers_is_closed_too(quick):
    """Each byte arrives before the idle timeout, so only a limit on the whole request can end it:
    a request must be complete within twice the idle timeout of the connection being ready."""
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", port(quick)), timeout=DEADLINE) as sock:
        sock.sendall(b"GET /api/v2/hooks HTTP/1.1\r\n")

        def trickle() -> None:
            while not stop.is_set():
                try:
                    sock.sendall(b"X")
                except OSError:
                    return
                stop.wait(0.2)

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        try:
            received = wait_closed(sock)
        finally:
            stop.set()
            sender.join(DEADLINE)
    assert b"200 OK" not in received
