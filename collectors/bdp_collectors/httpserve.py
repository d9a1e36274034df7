"""The small HTTP servers of this package: one request handler shape, served in a thread."""

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bdp_runtime.exposition import CONTENT_TYPE, MetricFamily, render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]  # first value of each parameter
    headers: dict[str, str]  # names in lower case


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(status, data, "application/json", headers or {})


def metrics_response(families: Iterable[MetricFamily]) -> Response:
    """200 with the families in the Prometheus text format, what a scrape of /metrics expects."""
    return Response(200, render(families).encode("utf-8"), CONTENT_TYPE)


Handler = Callable[[Request], Response]


def make_server(bind: str, port: int, handle: Handler) -> ThreadingHTTPServer:
    """A server answering GET requests with `handle` (port 0: any free port)."""

    class RequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                response = handle(Request(parts.path, query, headers))
            except Exception:
                log.exception("request %s failed", parts.path)
                response = json_response(500, {"error": "internal error"})
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)  # access lines stay out of the structured log by default

    server = ThreadingHTTPServer((bind, port), RequestHandler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Start serving in a daemon thread; stop it with server.shutdown()."""
    thread = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    thread.start()
    return thread
