"""Waiting for the demo's work to be done: ingestion of the simulated days, then the ETL."""

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bdp.errors import BdpError
from bdp.ingest import cli as ingest_cli
from bdp.ingest.status import SourceStatus
from bdp.inventory import addresses, listing, platform_ca_file
from bdp.lab.vault import lab_admin_password

POLL_S = 15
FINAL = ("success", "failed")
Say = Callable[[str], None]


def unrepeated(say: Say) -> Say:
    """`say` that stays silent while the message is the one it said last."""
    last: list[str] = []

    def say_new(message: str) -> None:
        if last != [message]:
            last[:] = [message]
            say(message)

    return say_new


def ingest_settings(inventory: Path) -> argparse.Namespace:
    """The options of `bdp ingest status`, at their defaults."""
    parser = argparse.ArgumentParser()
    ingest_cli.add_status_arguments(parser)
    return parser.parse_args(["-i", str(inventory)])


def ingest_status(inventory: Path) -> list[SourceStatus]:
    return ingest_cli.gather(ingest_settings(inventory))


def drained(status: SourceStatus, served_items: int, last_complete_day: str) -> bool:
    """The collector polled every served item, the lake writer committed every record and
    completed every day but the last (only events after it, e.g. a benchmark's, complete it)."""
    return (
        status.api_cursor == served_items
        and status.lake_lag == 0
        and (status.complete_through or "") >= last_complete_day
    )


def wait_for_ingest(
    inventory: Path,
    served_items: dict[str, int],
    last_complete_day: str,
    timeout_s: float,
    say: Say,
) -> list[SourceStatus]:
    deadline = time.monotonic() + timeout_s
    while True:
        statuses = ingest_status(inventory)
        waiting = [
            f"{s.source} (cursor {s.api_cursor}/{served_items[s.source]}, lake lag {s.lake_lag},"
            f" complete through {s.complete_through})"
            for s in statuses
            if not drained(s, served_items[s.source], last_complete_day)
        ]
        if not waiting:
            return statuses
        if time.monotonic() > deadline:
            raise BdpError(f"ingestion not done after {timeout_s:.0f} s: {'; '.join(waiting)}")
        say(f"ingesting: waiting for {'; '.join(waiting)}")
        time.sleep(POLL_S)


class Airflow:
    """The Airflow REST API as its admin (BDP_AIRFLOW_PASSWORD, or the lab's vault)."""

    def __init__(self, inventory: Path) -> None:
        host = addresses(listing(inventory), "airflow_scheduler", inventory)[0]
        self.base = f"https://{host}:8080"
        self.ca_file = str(platform_ca_file(inventory))
        password = os.environ.get("BDP_AIRFLOW_PASSWORD") or lab_admin_password(
            inventory, "admin", "vault_airflow_admin_password"
        )
        if not password:
            raise BdpError("no Airflow admin password: set BDP_AIRFLOW_PASSWORD")
        token = self._call("POST", "/auth/token", json={"username": "admin", "password": password})
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token['access_token']}"

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        sender = getattr(self, "session", requests)
        try:
            answer = sender.request(
                method, f"{self.base}{path}", timeout=30, verify=self.ca_file, **kwargs
            )
        except requests.RequestException as exc:
            raise BdpError(f"Airflow at {self.base} is unreachable: {exc}") from None
        if answer.status_code >= 300:
            raise BdpError(
                f"Airflow {method} {path}: HTTP {answer.status_code} {answer.text[:300]}"
            )
        return answer.json()

    def unpause(self, dag_id: str) -> None:
        self._call("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    def run_states(self, dag_id: str) -> dict[str, str]:
        """The state of the DAG's run for each day (the start of its data interval)."""
        runs = self._call("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})
        return {r["data_interval_start"][:10]: r["state"] for r in runs["dag_runs"]}


def run_the_daily_etl(
    airflow: Airflow, sources: list[str], days: list[str], timeout_s: float, say: Say
) -> dict[tuple[str, str], str]:
    """Unpause each source's DAG and wait until its run of every day has finished."""
    for source in sources:
        airflow.unpause(f"bdp_etl_{source}")
    say_once = unrepeated(say)
    deadline = time.monotonic() + timeout_s
    while True:
        states = {}
        for source in sources:
            runs = airflow.run_states(f"bdp_etl_{source}")
            states |= {(source, day): runs.get(day, "not created") for day in days}
        unfinished = sorted(f"{s} {d}: {st}" for (s, d), st in states.items() if st not in FINAL)
        if not unfinished:
            return states
        if time.monotonic() > deadline:
            raise BdpError(f"the daily ETL not done after {timeout_s:.0f} s: {unfinished}")
        done = len(states) - len(unfinished)
        say_once(f"daily ETL: {done}/{len(states)} source-days done; {', '.join(unfinished)}")
        time.sleep(POLL_S)
