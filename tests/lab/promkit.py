"""Prometheus and Alertmanager of the lab, as the monitoring tests query them."""

from typing import Any

import requests

from bdp.inventory import listing
from bdp_testkit.helpers import REPO
from labkit import HOSTS, lab_secret

(MONITORING_HOST,) = listing(REPO / "inventories" / "lab")["monitoring"]["hosts"]
MONITORING_ADDRESS = HOSTS[MONITORING_HOST].address
PROMETHEUS = f"http://{MONITORING_ADDRESS}:9090"
ALERTMANAGER = f"http://{MONITORING_ADDRESS}:9093"


def web_auth() -> tuple[str, str]:
    return ("admin", lab_secret("vault_prometheus_admin_password"))


def prometheus_get(path: str, **params: Any) -> Any:
    """The `data` of a Prometheus HTTP API answer (authenticated)."""
    answer = requests.get(f"{PROMETHEUS}{path}", params=params, auth=web_auth(), timeout=30)
    answer.raise_for_status()
    body = answer.json()
    assert body["status"] == "success", body
    return body["data"]


def query(expression: str) -> list[dict[str, Any]]:
    """An instant query's vector: [{metric: {labels}, value: [time, "value"]}]."""
    return prometheus_get("/api/v1/query", query=expression)["result"]


def firing(alert: str) -> list[dict[str, Any]]:
    """Prometheus's firing instances of `alert` (pending ones left out)."""
    alerts = prometheus_get("/api/v1/alerts")["alerts"]
    return [a for a in alerts if a["labels"]["alertname"] == alert and a["state"] == "firing"]
