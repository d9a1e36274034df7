"""The event API's request handling: auth, cursor pagination, release pacing and faults."""

import hmac
import logging
import math
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence

from bdp_collectors.httpserve import Request, Response, json_response, metrics_response
from bdp_collectors.simulator.config import REQUEST_FAULTS, ApiConfig, pick
from bdp_collectors.simulator.metrics import ApiCounters
from bdp_collectors.simulator.stream import StreamItem

log = logging.getLogger("bdp_collectors.api")
EVENTS_PATH = re.compile(r"^/v1/([^/]+)/events$")
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
    b"<body><h1>We'll be right back</h1></body></html>"
)


class EventApi:
    """Serves finite streams; item i is released at t0 + i / release_rate seconds."""

    def __init__(
        self,
        config: ApiConfig,
        streams: Mapping[str, Sequence[StreamItem]],
        token: str,
        t0: float,
        clock: Callable[[], float],
        fault_rng: random.Random | None = None,
    ) -> None:
        self.config, self.streams, self.token = config, streams, token
        self.t0, self.clock = t0, clock
        self.fault_rng = fault_rng or random.Random()
        self._lock = threading.Lock()  # random.Random is not safe across handler threads
        self.counters = ApiCounters(streams)

    def available(self, source: str) -> int:
        """Items of `source` released so far."""
        total = len(self.streams[source])
        if self.config.release_rate == 0:
            return total
        elapsed = self.clock() - self.t0
        if elapsed < 0:
            return 0
        return min(total, math.floor(elapsed * self.config.release_rate) + 1)

    def handle(self, request: Request) -> Response:
        """Answer a request and count it by source and status; GET /metrics shows the counts
        (and is not counted: the scrapes would be most of them)."""
        if request.path == "/metrics":
            return metrics_response(self.counters.families())
        response = self._route(request)
        self.counters.request(self._served_source(request.path), response.status)
        return response

    def _served_source(self, path: str) -> str:
        """The source an events path names if it is served, else "": a label value taken from
        any path a client asks for would let it grow the metrics without bound."""
        match = EVENTS_PATH.match(path)
        return match.group(1) if match and match.group(1) in self.streams else ""

    def _route(self, request: Request) -> Response:
        if request.path == "/healthz":
            return json_response(200, {"status": "ok", "sources": sorted(self.streams)})
        match = EVENTS_PATH.match(request.path)
        if not match:
            return json_response(404, {"error": f"no such path {request.path}"})
        if not self._authorized(request):
            return json_response(
                401,
                {"error": "missing or wrong bearer token in Authorization"},
                {"WWW-Authenticate": "Bearer"},
            )
        source = match.group(1)
        if source not in self.streams:
            known = ", ".join(sorted(self.streams))
            return json_response(404, {"error": f"unknown source {source!r}; known: {known}"})
        return self._events(source, request.query)

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def _events(self, source: str, query: Mapping[str, str]) -> Response:
        stream = self.streams[source]
        try:
            cursor = int_param(query, "cursor", 0, 0, len(stream))
            default_limit = min(100, self.config.max_page_size)
            limit = int_param(query, "limit", default_limit, 1, self.config.max_page_size)
        except BadRequest as error:
            return json_response(400, {"error": str(error)})
        fault = self._fault(cursor)
        if fault:
            context = {"source": source, "cursor": cursor, "fault": fault}
            log.info("serving a %s fault", fault, extra={"context": context})
        if fault == "throttle":
            retry = str(self.config.retry_after_s)
            return json_response(429, {"error": "rate limited"}, {"Retry-After": retry})
        if fault == "server_error":
            status = 500 if self._roll() < 0.5 else 503
            return json_response(status, {"error": "upstream unavailable"})
        if fault == "html":
            return Response(200, HTML_PAGE, "text/html; charset=utf-8")
        available = self.available(source)
        stop = max(cursor, min(cursor + limit, available))
        next_cursor = stop
        if fault == "cursor_backwards":
            next_cursor = max(0, cursor - 1 - int(self._roll() * limit))
        events = [item.payload for item in stream[cursor:stop]]
        body = {
            "source": source,
            "events": events,
            "next_cursor": next_cursor,
            "available": available,
            "end": stop >= len(stream),
        }
        self.counters.served(source, len(events))
        return json_response(200, body)

    def _roll(self) -> float:
        with self._lock:
            return self.fault_rng.random()

    def _fault(self, cursor: int) -> str | None:
        """The request fault to serve, drawn with the configured probabilities (or None)."""
        fault = pick(self._roll(), self.config.faults, REQUEST_FAULTS)
        # A cursor of 0 has nothing before it to go back to.
        return None if fault == "cursor_backwards" and cursor == 0 else fault


class BadRequest(ValueError):
    pass


def int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The integer query parameter `name` within [low, high]; BadRequest saying why not."""
    text = query.get(name, str(default))
    if not re.fullmatch(r"\d{1,18}", text) or not low <= int(text) <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high}, got {text!r}")
    return int(text)
