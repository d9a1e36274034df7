"""The WebHDFS reads the exporter needs: list a folder, read a JSON file.

OPEN answers with a redirect to a DataNode, which urllib follows. Every call carries the
time left of the probe's deadline as its socket timeout and fails once the deadline passed.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from bdp_runtime.spnego import Negotiator, SpnegoError

MAX_JSON_BYTES = 16 * 1024 * 1024


class HdfsError(Exception):
    """WebHDFS did not answer as expected (anything but a missing file or folder)."""


class Deadline:
    """The instant by which a probe must be done, on the monotonic clock."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.until - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"probe did not finish within {self.seconds:g} s")
        return left


class WebHdfs:
    def __init__(
        self,
        namenode_url: str,
        user: str,
        deadline: Deadline,
        tls: ssl.SSLContext | None = None,
        negotiator: Negotiator | None = None,
    ) -> None:
        self.base = namenode_url.rstrip("/") + "/webhdfs/v1"
        self.host = urllib.parse.urlsplit(namenode_url).hostname or ""
        self.user = user
        self.deadline = deadline
        self.tls = tls
        self.negotiator = negotiator

    def _get(self, path: str, operation: str) -> bytes | None:
        """The body of a successful answer, or None when the path does not exist."""
        query = urllib.parse.urlencode({"op": operation, "user.name": self.user})
        url = f"{self.base}{urllib.parse.quote(path)}?{query}"
        request = urllib.request.Request(url)
        if self.negotiator:
            try:
                request.add_header("Authorization", self.negotiator.header(self.host))
            except SpnegoError as exc:
                raise HdfsError(f"WebHDFS {operation} {path}: {exc}") from exc
        try:
            with urllib.request.urlopen(
                request, timeout=self.deadline.remaining(), context=self.tls
            ) as response:
                body = response.read(MAX_JSON_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise HdfsError(f"WebHDFS {operation} {path}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise HdfsError(f"WebHDFS {operation} {path}: {reason}") from exc
        if len(body) > MAX_JSON_BYTES:
            raise HdfsError(f"WebHDFS {operation} {path}: answer larger than {MAX_JSON_BYTES} B")
        return body

    def read_json(self, path: str) -> Any | None:
        """The JSON document at `path`, or None if there is no such file. ValueError if the
        file is not JSON."""
        body = self._get(path, "OPEN")
        return None if body is None else json.loads(body)

    def list_names(self, path: str) -> list[str] | None:
        """The names in folder `path`, sorted, or None if it does not exist."""
        body = self._get(path, "LISTSTATUS")
        if body is None:
            return None
        try:
            statuses = json.loads(body)["FileStatuses"]["FileStatus"]
            return sorted(str(status["pathSuffix"]) for status in statuses)
        except (ValueError, KeyError, TypeError) as exc:
            raise HdfsError(f"WebHDFS LISTSTATUS {path}: unexpected answer") from exc
