"""A tiny npm registry on 127.0.0.1 for tests: packuments and tarballs made on the fly.

    with NpmRegistry() as registry:
        registry.add("greeting-lib", "1.2.3", "module.exports = (n) => 'hello ' + n;")
        ... npm install --registry registry.url ...

Only what `npm install` reads is served: `GET /<name>` (scoped names arrive as `@scope%2fname`)
and `GET /<name>/-/<file>.tgz`. Every request path is recorded in `requests`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


def _tarball(name: str, version: str, index_js: str) -> bytes:
    files = {
        "package/package.json": json.dumps(
            {"name": name, "version": version, "main": "index.js", "license": "MIT"}, indent=2
        ),
        "package/index.js": index_js,
    }
    buffer = io.BytesIO()
    # A fixed mtime keeps the bytes (and so the integrity hash) the same for the same input.
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.USTAR_FORMAT) as tar:
        for path, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class NpmRegistry:
    def __init__(self) -> None:
        self._packages: dict[str, dict[str, bytes]] = {}  # name -> version -> tarball
        self.requests: list[str] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            # http.server sends headers and body in two writes; with Nagle on, each keep-alive
            # request then waits ~40 ms for a delayed ACK.
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                registry.requests.append(self.path)
                status, body, kind = registry._answer(unquote(self.path.split("?", 1)[0]))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest's output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread: threading.Thread | None = None

    def add(self, name: str, version: str, index_js: str) -> None:
        """Publish `name@version` whose index.js is `index_js`; the last version added is `latest`."""
        self._packages.setdefault(name, {})[version] = _tarball(name, version, index_js)

    def _tarball_url(self, name: str, version: str) -> str:
        return f"{self.url}{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"

    def _packument(self, name: str) -> dict:
        versions = self._packages[name]
        entries = {}
        for version, data in versions.items():
            entries[version] = {
                "name": name,
                "version": version,
                "main": "index.js",
                "dist": {
                    "tarball": self._tarball_url(name, version),
                    "shasum": hashlib.sha1(data).hexdigest(),
                    "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                },
            }
        return {"name": name, "dist-tags": {"latest": list(versions)[-1]}, "versions": entries}

    def _answer(self, path: str) -> tuple[int, bytes, str]:
        name = path.lstrip("/")
        if "/-/" in name:
            package, _, filename = name.partition("/-/")
            for version, data in self._packages.get(package, {}).items():
                if filename == f"{package.rsplit('/', 1)[-1]}-{version}.tgz":
                    return 200, data, "application/octet-stream"
        elif name in self._packages:
            return 200, json.dumps(self._packument(name)).encode(), "application/json"
        return 404, json.dumps({"error": "Not found"}).encode(), "application/json"

    def __enter__(self) -> NpmRegistry:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
