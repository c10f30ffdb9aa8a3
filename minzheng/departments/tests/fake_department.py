"""A fake department exchange service for the tests of the HTTP adapter: ``GET /returns`` lists the returned
files with their manifests, ``GET /returns/<name>`` gives one; a wrong bearer token gets 401."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def fake_department(files: dict[str, tuple[bytes, dict[str, Any]]], token: str) -> Iterator[str]:
    """Serve ``files`` (name → (content, manifest)) on a free local port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            return

        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            if self.headers.get("Authorization") != f"Bearer {token}":
                self.send_response(401)
                self.end_headers()
                return
            path = urllib.parse.unquote(self.path)
            if path == "/returns":
                body = json.dumps([{"file_name": n, "manifest": m} for n, (_c, m) in files.items()]).encode()
            elif path.startswith("/returns/") and path[9:] in files:
                body = files[path[9:]][0]
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
