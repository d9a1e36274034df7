"""The collector's counters and the /status endpoint that shows them."""

from dataclasses import asdict, dataclass
from typing import Any

from bdp_collectors.httpserve import Handler, Request, Response, json_response

# Ways the API misbehaves that the collector counts on their own, besides `api_errors`.
MISBEHAVIOUR = (
    "cursor_backwards",
    "cursor_stalled",
    "empty_pages",
    "oversized_response",
    "stalled_response",
)


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

    def api_failed(self, kind: str, reason: str) -> None:
        """One more failed poll; a misbehaviour of the API is counted under its kind too."""
        self.api_errors += 1
        if kind in MISBEHAVIOUR:
            setattr(self, kind, getattr(self, kind) + 1)
        self.last_error = f"{kind}: {reason}"

    def snapshot(self) -> dict[str, Any]:
        lag = None if self.available is None else max(0, self.available - self.cursor)
        return asdict(self) | {"lag": lag}


def status_handler(stats: Stats) -> Handler:
    """GET /status: the stats as JSON."""

    def handle(request: Request) -> Response:
        if request.path == "/status":
            return json_response(200, stats.snapshot())
        return json_response(404, {"error": f"no such path {request.path}; try /status"})

    return handle
