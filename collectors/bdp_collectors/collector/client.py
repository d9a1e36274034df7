"""One page from the event API over HTTP (urllib), with every failure turned into ApiError."""

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True)
class Page:
    events: list[Any]
    next_cursor: int
    available: int
    end: bool


class ApiError(Exception):
    """A failed poll: `kind` is throttled, server_error, client_error, bad_body or connection."""

    def __init__(self, kind: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.retry_after = kind, reason, retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds of a Retry-After header in its delta-seconds form (HTTP dates are ignored)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def parse_page(body: bytes, content_type: str) -> Page:
    """A Page from a 200 response; ApiError(bad_body) if it is not the API's JSON shape."""
    if "json" not in content_type.lower():
        raise ApiError("bad_body", f"expected JSON, got Content-Type {content_type or 'none'}")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError("bad_body", f"response is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ApiError("bad_body", "response is not a JSON object")
    events, cursor = data.get("events"), data.get("next_cursor")
    available, end = data.get("available"), data.get("end")
    if not isinstance(events, list):
        raise ApiError("bad_body", "response has no 'events' list")
    for name, value in (("next_cursor", cursor), ("available", available)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ApiError("bad_body", f"response has no valid {name!r}: {value!r}")
    if not isinstance(end, bool):
        raise ApiError("bad_body", f"response has no boolean 'end': {end!r}")
    return Page(events, cursor, available, end)


def fetch_page(
    endpoint: str, cursor: int, limit: int, headers: dict[str, str], timeout: float
) -> Page:
    """GET endpoint?cursor=&limit=; ApiError for anything but a well-formed 200 page."""
    url = f"{endpoint}?{urlencode({'cursor': cursor, 'limit': limit})}"
    request = urllib.request.Request(url, headers={**headers, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        detail = error.read()[:200].decode("utf-8", "replace")
        reason = f"HTTP {error.code}: {detail}"
        if error.code == 429:
            retry = retry_after_seconds(error.headers.get("Retry-After"))
            raise ApiError("throttled", reason, retry) from error
        kind = "server_error" if error.code >= 500 else "client_error"
        raise ApiError(kind, reason) from error
    except (OSError, http.client.HTTPException) as error:  # URLError and timeouts included
        raise ApiError("connection", f"cannot reach {endpoint}: {error}") from error
    return parse_page(body, content_type)
