"""OpenSearch cluster health: the HTTPS call, and the answer as samples."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from bdp_exporter.metrics import OPENSEARCH_STATUS, NamedSample, sample

COLOURS = ("green", "yellow", "red")


class OpenSearchError(Exception):
    pass


def status_samples(health: Any) -> list[NamedSample]:
    """1 for the cluster's current status, 0 for the other two (pure)."""
    status = health.get("status") if isinstance(health, dict) else None
    if status not in COLOURS:
        raise OpenSearchError(f"cluster health has no known status: {status!r}")
    return [sample(OPENSEARCH_STATUS, int(colour == status), status=colour) for colour in COLOURS]


def fetch_health(
    url: str, user: str, password: str, tls: ssl.SSLContext | None, timeout: float
) -> Any:
    """GET <url>/_cluster/health with basic auth."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    request = urllib.request.Request(
        url.rstrip("/") + "/_cluster/health",
        headers={"Authorization": f"Basic {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=tls) as response:
            return json.loads(response.read(1024 * 1024))
    except urllib.error.HTTPError as exc:
        raise OpenSearchError(f"cluster health: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise OpenSearchError(f"cluster health: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise OpenSearchError("cluster health: answer is not JSON") from exc
