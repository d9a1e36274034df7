"""The HTTP side: GET /metrics renders a collection; everything else is small or 404."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bdp_exporter.metrics import NamedSample, families
from bdp_runtime.exposition import CONTENT_TYPE, render

log = logging.getLogger(__name__)

INDEX = b"bdp_exporter: the platform exporter. Metrics at /metrics.\n"


def make_server(
    bind: str, port: int, collect: Callable[[], list[NamedSample]]
) -> ThreadingHTTPServer:
    """A server whose /metrics renders `collect()` (port 0: any free port)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "bdp_exporter"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/metrics":
                try:
                    body = render(families(collect())).encode("utf-8")
                except Exception:
                    log.exception("collecting the metrics failed")
                    self._answer(500, b"collecting the metrics failed\n", "text/plain")
                    return
                self._answer(200, body, CONTENT_TYPE)
            elif path == "/":
                self._answer(200, INDEX, "text/plain; charset=utf-8")
            else:
                self._answer(404, b"not found\n", "text/plain; charset=utf-8")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer((bind, port), Handler)
    server.daemon_threads = True
    return server
