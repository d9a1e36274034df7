"""The collector's counters and the endpoints that show them: /status (JSON) and /metrics."""

from dataclasses import dataclass, field, fields
from typing import Any

from bdp_collectors.collector.metrics import collector_families
from bdp_collectors.httpserve import Handler, Request, Response, json_response, metrics_response

# Ways the API misbehaves that the collector counts on their own, besides `api_errors`.
MISBEHAVIOUR = (
    "cursor_backwards",
    "cursor_stalled",
    "empty_pages",
    "oversized_response",
    "stalled_response",
)
# Every kind of failed poll: the client's (ApiError.kind) and the loop's own checks. Each is
# exported from the start, at 0, so a rate over it works before its first failure.
API_ERROR_KINDS = (
    "throttled",
    "server_error",
    "client_error",
    "bad_body",
    "connection",
    *MISBEHAVIOUR,
)
# Marks the fields only /metrics shows: /status keeps the shape its readers expect.
METRICS_ONLY = {"status": False}


@dataclass
class Stats:
    """Counters since the process started; the cursor is the stored one."""

    source: str
    cursor: int = 0
    available: int | None = None
    polled: int = 0
    produced: int = 0
    rejected: int = 0
    api_errors: int = 0
    kafka_errors: int = 0
    cursor_backwards: int = 0
    cursor_stalled: int = 0
    empty_pages: int = 0
    oversized_response: int = 0
    stalled_response: int = 0
    last_error: str | None = None
    last_poll_at: str | None = None
    end: bool = False
    # True while the loop runs and its last poll succeeded.
    up: bool = field(default=False, metadata=METRICS_ONLY)
    # Failed polls by kind; replaced, never changed in place, so the status server's thread
    # never iterates over a dict while the loop adds a kind to it.
    api_error_kinds: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(API_ERROR_KINDS, 0), metadata=METRICS_ONLY
    )
    # Sends of records to the sink and the seconds they took until every record had a verdict.
    deliveries: int = field(default=0, metadata=METRICS_ONLY)
    delivery_seconds: float = field(default=0.0, metadata=METRICS_ONLY)

    def api_failed(self, kind: str, reason: str) -> None:
        """One more failed poll; a misbehaviour of the API is counted under its kind too."""
        self.api_errors += 1
        if kind in MISBEHAVIOUR:
            setattr(self, kind, getattr(self, kind) + 1)
        self.api_error_kinds = self.api_error_kinds | {kind: self.api_error_kinds.get(kind, 0) + 1}
        self.last_error = f"{kind}: {reason}"
        self.up = False

    def delivery_took(self, seconds: float) -> None:
        self.deliveries += 1
        self.delivery_seconds += seconds

    @property
    def lag(self) -> int | None:
        """Events the API has released that are not polled yet; None before the first page."""
        return None if self.available is None else max(0, self.available - self.cursor)

    def snapshot(self) -> dict[str, Any]:
        """What /status shows: the counters, the cursor and the lag, without the metrics-only
        fields."""
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.metadata != METRICS_ONLY}
        return shown | {"lag": self.lag}


def status_handler(stats: Stats) -> Handler:
    """GET /status: the stats as JSON; GET /metrics: the same in the Prometheus text format."""

    def handle(request: Request) -> Response:
        if request.path == "/status":
            return json_response(200, stats.snapshot())
        if request.path == "/metrics":
            return metrics_response(collector_families(stats))
        return json_response(
            404, {"error": f"no such path {request.path}; try /status or /metrics"}
        )

    return handle
