"""Prometheus's HTTP API, read as one user with basic authentication (standard library only)."""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from bdp.errors import BdpError

TIMEOUT = 15  # seconds per request


class Unavailable(BdpError):
    """Prometheus could not be asked: unreachable, refused the login, or answered an error."""


@dataclass(frozen=True)
class Prometheus:
    url: str  # http://host:9090, no trailing slash
    user: str
    password: str

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        address = f"{self.url}{path}"
        if params:
            address += "?" + urllib.parse.urlencode(params)
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request = urllib.request.Request(address, headers={"Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise Unavailable(
                    f"Prometheus at {self.url} refused the login of user {self.user} "
                    f"(HTTP {exc.code}): check its password"
                ) from None
            raise Unavailable(
                f"Prometheus at {self.url} answered HTTP {exc.code} to {path}: {error_of(exc)}"
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Unavailable(f"Prometheus at {self.url} is unreachable: {reason}") from None
        except ValueError:
            raise Unavailable(f"Prometheus at {self.url} answered {path} with no JSON") from None
        if not isinstance(answer, dict) or answer.get("status") != "success":
            raise Unavailable(f"Prometheus at {self.url} answered {path} with an error: {answer}")
        return answer.get("data")

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The series of an instant query (an empty list when it matches none)."""
        data = self._get("/api/v1/query", {"query": expr})
        if data.get("resultType") != "vector":
            raise Unavailable(f"query {expr!r}: expected a vector, got {data.get('resultType')}")
        return data["result"]

    def alerts(self) -> list[dict[str, Any]]:
        """Every active alert of the rules (pending and firing)."""
        return self._get("/api/v1/alerts")["alerts"]


def error_of(exc: urllib.error.HTTPError) -> str:
    """The `error` of Prometheus's JSON error answer, else the start of its body."""
    body = exc.read().decode(errors="replace")
    try:
        return str(json.loads(body).get("error", body))[:300]
    except (ValueError, AttributeError):
        return body[:300]
