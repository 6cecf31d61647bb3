"""The emulator's HTTP layer: framing, limits and timeouts, in front of `Emulator._handle`.

Whatever a client sends, it gets an answer in Auth0's error shape or a closed connection, never a
hanging thread or a traceback:
- a body is read only up to `max_body` bytes (413 before reading more, also for chunked bodies and
  `Expect: 100-continue`); a bad or conflicting Content-Length, a bad chunk, or both Content-Length and
  Transfer-Encoding (the request-smuggling pair) is a 400 and closes the connection;
- http.server's own refusals (a 64 kB header line, 100+ headers, a 64 kB request line, an unknown
  version) are JSON, not its HTML page;
- every method reaches the router (a HEAD or PROPFIND is a 404 like an unknown path, not a 501);
- each connection has a socket timeout (`idle_timeout`): a silent client, half a header or half a
  declared body frees its thread once the timeout passes without a byte; and a request must be
  complete within twice that of the connection being ready for it, so that a client trickling a
  byte at a time cannot hold a thread either.
"""

from __future__ import annotations

import io
import json
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hooktui.tenant.emulator import Emulator

MAX_BODY = 1024 * 1024
MAX_CHUNK_LINE = 1024
MAX_TRAILERS = 100
DRAIN_SECONDS = 0.5  # after a 413, read a little of the rest so the answer is not lost to a TCP reset


def error_body(status: int, message: str, error_code: str | None = None) -> dict[str, Any]:
    """The Management API's error shape."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {"statusCode": status, "error": phrase, "message": message}
    if error_code:
        body["errorCode"] = error_code
    return body


class _Refusal(Exception):
    def __init__(self, status: int, message: str, error_code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.error_code = status, message, error_code


def _too_large(limit: int) -> _Refusal:
    return _Refusal(413, f"The request body is larger than the emulator's limit of {limit} bytes", "payload_too_large")


# What http.server refuses on its own, said without echoing the client's bytes back.
_SERVER_REFUSALS = {
    400: ("Bad request line: expected 'METHOD /path HTTP/1.1'", "bad_request"),
    414: ("The request line is longer than 65536 bytes", "uri_too_long"),
    431: ("A request header line is longer than 65536 bytes, or there are more than 100 headers",
          "request_headers_too_large"),
    505: ("Only HTTP/1.0 and HTTP/1.1 are supported", "http_version_not_supported"),
}


class _PacedSocket(io.RawIOBase):
    """The socket as the request reader sees it: each receive waits at most `idle` seconds, and
    none starts after `deadline` (monotonic), the end of the time allowed for the whole request."""

    def __init__(self, sock: socket.socket, idle: float) -> None:
        self.sock, self.idle = sock, idle
        self.deadline = time.monotonic() + 2 * idle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request was not complete in time")
        self.sock.settimeout(min(self.idle, left))
        return self.sock.recv_into(buffer)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    disable_nagle_algorithm = True  # see emulator.py's docstring: ~45 ms per request otherwise
    server_version = "hooktui-emulator"
    sys_version = ""
    server: Server

    def setup(self) -> None:
        self.timeout = self.server.emulator.idle_timeout  # StreamRequestHandler applies it to the socket
        super().setup()
        self._paced = _PacedSocket(self.connection, self.timeout)
        self.rfile = io.BufferedReader(self._paced)

    def _ready_for_next_request(self) -> None:
        self._paced.deadline = time.monotonic() + 2 * self._paced.idle
        self.connection.settimeout(self._paced.idle)  # for the answer's writes

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD>; every method goes to the router, which knows what exists.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    # ------------------------------------------------------------------ one request

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # no status line, no headers: nothing we can answer in
            self.send_error(400)
            return False
        return True

    def handle_expect_100(self) -> bool:
        try:
            self._declared_length()
        except _Refusal as refusal:
            self._refuse(refusal)
            return False
        return super().handle_expect_100()

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _Refusal as refusal:
            self._refuse(refusal)
            return
        # The request is in: the tenant's work and the answer do not count against its deadline.
        self._paced.deadline = float("inf")
        self.connection.settimeout(self._paced.idle)
        try:
            self._answer(body)
        finally:
            self._ready_for_next_request()

    def _answer(self, body: bytes) -> None:
        out = self.server.emulator._handle(self.command, self.path, self.headers, body, self.client_address[0])
        if out.latency:
            time.sleep(out.latency)
        if out.drop:
            # The tenant did the work; the client never hears about it.
            self.close_connection = True
            return
        self.send_response(out.status)
        for name, value in out.headers:
            self.send_header(name, value)
        if out.status != 204:
            self.send_header("Content-Length", str(len(out.body)))
        self.end_headers()
        if out.status != 204 and out.body and self.command != "HEAD":
            self.wfile.write(out.body)

    # ------------------------------------------------------------------ bodies

    def _declared_length(self) -> int | None:
        """The Content-Length, None for a chunked body; _Refusal for anything else."""
        lengths = self.headers.get_all("Content-Length") or []
        codings = [c.strip().lower() for v in self.headers.get_all("Transfer-Encoding") or [] for c in v.split(",")]
        codings = [c for c in codings if c]
        if codings:
            if lengths:
                raise _Refusal(400, "A request cannot have both Content-Length and Transfer-Encoding", "bad_framing")
            if codings != ["chunked"]:
                raise _Refusal(400, "Unsupported Transfer-Encoding: only chunked is accepted", "bad_framing")
            return None
        values = {v.strip() for v in lengths}
        if not values:
            return 0
        if len(values) > 1:
            raise _Refusal(400, "Conflicting Content-Length headers", "bad_framing")
        text = values.pop()
        if not (text.isascii() and text.isdigit()):
            raise _Refusal(400, "Content-Length must be a whole number of bytes", "bad_framing")
        limit = self.server.emulator.max_body
        if len(text) > 18 or int(text) > limit:
            raise _too_large(limit)
        return int(text)

    def _read_body(self) -> bytes:
        length = self._declared_length()
        if length is None:
            return self._read_chunked()
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _Refusal(400, f"The body ended after {len(body)} of the {length} bytes in Content-Length",
                           "bad_framing")
        return body

    def _read_chunked(self) -> bytes:
        limit = self.server.emulator.max_body
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(MAX_CHUNK_LINE + 1)
            if not line.endswith(b"\n"):
                if len(line) > MAX_CHUNK_LINE:
                    raise _Refusal(400, "A chunk size line is longer than 1024 bytes", "bad_framing")
                raise _Refusal(400, "The chunked body ended early", "bad_framing")
            size_text = line.split(b";", 1)[0].strip()
            if not size_text or len(size_text) > 16 or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                raise _Refusal(400, "A chunk size must be a hexadecimal number", "bad_framing")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(MAX_TRAILERS):
                    trailer = self.rfile.readline(MAX_CHUNK_LINE + 1)
                    if trailer in (b"\r\n", b"\n", b""):
                        return b"".join(chunks)
                raise _Refusal(400, f"More than {MAX_TRAILERS} trailer lines", "bad_framing")
            total += size
            if total > limit:
                raise _too_large(limit)
            data = self.rfile.read(size)
            if len(data) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _Refusal(400, "The chunked body ended early or a chunk lacks its CRLF", "bad_framing")
            chunks.append(data)

    # ------------------------------------------------------------------ refusals

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals, in Auth0's JSON shape instead of an HTML page."""
        text, error_code = _SERVER_REFUSALS.get(code, (None, None))
        if text is None:
            text, error_code = error_body(code, "")["error"], "bad_request"
        self._refuse(_Refusal(code, text, error_code))

    def _refuse(self, refusal: _Refusal) -> None:
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"  # the request line was unreadable: answer with a status line anyway
        self.close_connection = True  # the stream is not trustworthy past a framing error
        raw = json.dumps(error_body(refusal.status, refusal.message, refusal.error_code)).encode()
        self.send_response(refusal.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)
        self.wfile.flush()
        if refusal.status == 413:
            self._drain()

    def _drain(self) -> None:
        """Closing with unread bytes makes the kernel send a reset, which can destroy the 413 in flight."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(DRAIN_SECONDS)
            for _ in range(64):
                if not self.connection.recv(65536):
                    break
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # requests are reported through Emulator.on_request


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Keep-alive connections outlive serve_forever(); stop means stop."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away or went silent: nothing to report
        super().handle_error(request, client_address)
