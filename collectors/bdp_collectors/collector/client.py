"""One page from the event API over HTTP (http.client), with every failure turned into ApiError.

A request has one time budget (connect, send, headers and body together) and its body one size
limit: a server that trickles bytes, stalls after its headers or sends far more than a page can
neither hold the collector nor fill its memory."""

import http.client
import io
import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit

# Twice a page of 500 events of up to 64 KiB each (the defaults): room for escaping and envelope.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 65536
ERROR_DETAIL_BYTES = 200


@dataclass(frozen=True)
class Page:
    events: list[Any]
    next_cursor: int
    available: int
    end: bool


class ApiError(Exception):
    """A failed poll: `kind` is throttled, server_error, client_error, bad_body, connection,
    oversized_response (body over the size limit) or stalled_response (over the time budget)."""

    def __init__(self, kind: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.kind, self.reason, self.retry_after = kind, reason, retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds of a Retry-After header in its delta-seconds form (HTTP dates are ignored)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def parse_page(body: bytes | bytearray, content_type: str) -> Page:
    """A Page from a 200 response; ApiError(bad_body) if it is not the API's JSON shape."""
    if "json" not in content_type.lower():
        raise ApiError("bad_body", f"expected JSON, got Content-Type {content_type or 'none'}")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # not UTF-8, 4300+ digit ints, deep nesting
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


class Deadline:
    """The time budget of one request, on a monotonic clock."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; TimeoutError once there are none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the request's budget of {self.seconds:g} s is spent")
        return left


class _BudgetReader(io.RawIOBase):
    """A socket's reads, each allowed only what is left of the request's budget.

    A socket timeout bounds one read, so a server sending a byte now and then would never hit it."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self.sock, self.deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.sock.settimeout(self.deadline.left())
        return self.sock.recv_into(buffer)


class _BudgetSocket:
    """What http.client uses of a connected socket, every operation held to the deadline.

    close() does nothing: http.client closes its connection before the body of a response that
    ends with the connection is read, so fetch_page closes the socket itself when done."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self.sock, self.deadline = sock, deadline

    def sendall(self, data: bytes) -> None:
        self.sock.settimeout(self.deadline.left())
        self.sock.sendall(data)

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_BudgetReader(self.sock, self.deadline))

    def close(self) -> None:
        pass


def _connect(
    url: SplitResult, deadline: Deadline
) -> tuple[http.client.HTTPConnection, socket.socket]:
    """A connection to the endpoint's host whose socket operations share `deadline`."""
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = kind(url.hostname or "", url.port, timeout=deadline.left())
    try:
        connection.connect()
    except (OSError, http.client.HTTPException):
        connection.close()  # e.g. a TLS handshake that failed on a connected socket
        raise
    sock = connection.sock
    # http.client reads and writes through `connection.sock` (sendall, makefile, close).
    connection.sock = _BudgetSocket(sock, deadline)
    return connection, sock


def read_body(response: http.client.HTTPResponse, max_bytes: int, deadline: Deadline) -> bytearray:
    """The body, read in chunks; ApiError(oversized_response) as soon as it exceeds max_bytes."""
    declared = (response.getheader("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(
            "oversized_response",
            f"Content-Length {declared} exceeds max_response_bytes {max_bytes}; body not read",
        )
    body = bytearray()
    # One byte past the limit tells a body of exactly max_bytes from a larger one.
    while chunk := response.read(min(CHUNK_BYTES, max_bytes + 1 - len(body))):
        body += chunk
        if len(body) > max_bytes:
            raise ApiError(
                "oversized_response",
                f"body exceeds max_response_bytes {max_bytes}; reading stopped",
            )
        deadline.left()
    return body


def status_error(response: http.client.HTTPResponse) -> ApiError:
    """The ApiError of a response other than 200 (redirects are not followed)."""
    detail = response.read(ERROR_DETAIL_BYTES).decode("utf-8", "replace")
    reason = f"HTTP {response.status}: {detail}"
    if response.status == 429:
        return ApiError("throttled", reason, retry_after_seconds(response.getheader("Retry-After")))
    return ApiError("server_error" if response.status >= 500 else "client_error", reason)


def fetch_page(
    endpoint: str,
    cursor: int,
    limit: int,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Page:
    """GET endpoint?cursor=&limit= within `timeout` s in all, reading at most `max_bytes` of
    body; ApiError for anything but a well-formed 200 page."""
    url = urlsplit(endpoint)
    target = f"{url.path or '/'}?{urlencode({'cursor': cursor, 'limit': limit})}"
    deadline = Deadline(timeout)
    try:
        connection, sock = _connect(url, deadline)
    except (OSError, http.client.HTTPException) as error:  # timeouts included
        raise ApiError("connection", f"cannot reach {endpoint}: {error}") from error
    try:
        connection.request("GET", target, headers={**headers, "Accept": "application/json"})
        response = connection.getresponse()
        if response.status != 200:
            raise status_error(response)
        body = read_body(response, max_bytes, deadline)
        content_type = response.getheader("Content-Type", "")
    except TimeoutError as error:
        reason = f"no complete response from {endpoint} within http_timeout_s {timeout:g} s"
        raise ApiError("stalled_response", reason) from error
    except (OSError, http.client.HTTPException) as error:
        raise ApiError("connection", f"{endpoint} broke off: {error}") from error
    finally:
        connection.close()
        sock.close()
    return parse_page(body, content_type)
