"""Failure drills on the daily ETL: a DataNode killed during an ETL run and a Cassandra node
killed during the same run's Cassandra load; the Celery worker running spark-submit killed
mid-job.

Each drill reruns the game day 2026-11-01, kills processes hard (SIGKILL) at chosen steps
and lets the platform recover by itself (systemd restarts the service, Airflow retries the
task). Each must end with the day published, one YARN application writing at a time, and the
killed services healthy again; the last test then holds every destination to the simulator's
events (tests/lab/etl_expected.py): nothing lost, nothing duplicated.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
import requests
from etlkit import RUN_TIMEOUT_S, assert_exact, dag_url, etl_settings, run_of_day, task

from bdp_dags.submit import LIVE_STATES
from bdp_jobs.etl.runreport import EtlLayout
from bdp_testkit.helpers import run_tool, start_tool
from labkit import (
    HOSTS,
    MASTER,
    WEBHDFS,
    airflow_session,
    crash,
    datanodes_live,
    event_api_config,
    on_host,
    shell_stdout,
    stage,
    wait_until,
)

# about 5 minutes (the Celery drill about 6 more): make test-all
pytestmark = [pytest.mark.lab, pytest.mark.slow]

SOURCE, DAY = "game", "2026-11-01"
TAG = f"bdp-etl-{SOURCE}-{DAY.replace('-', '')}"
RESOURCEMANAGER = f"http://{HOSTS[MASTER].address}:8088/ws/v1/cluster"
RECOVERY_TIMEOUT_S = 600


def run_report(run_id: str) -> dict | None:
    """The run's report as the job last wrote it; None while it cannot be read. WebHDFS
    redirects a read to a DataNode, which may be the one a drill has just killed."""
    path = EtlLayout("/lake", SOURCE, date.fromisoformat(DAY)).report(run_id)
    try:
        answer = requests.get(f"{WEBHDFS}{path}?op=OPEN&user.name=spark", timeout=30)
    except requests.ConnectionError:
        return None
    return answer.json() if answer.status_code == 200 else None


def applications(states: str = "") -> list[dict]:
    """The YARN applications of every attempt at the drilled day, oldest first."""
    query = {"applicationTags": TAG, **({"states": states} if states else {})}
    answer = requests.get(f"{RESOURCEMANAGER}/apps", params=query, timeout=30)
    return sorted((answer.json().get("apps") or {}).get("app", []), key=lambda a: a["startedTime"])


def assert_published(report: dict) -> None:
    assert report["status"] == "published", report["problems"]
    for name, dataset in report["datasets"].items():
        assert dataset["stored_rows"] is not None, name
        if dataset["kind"] != "semi-structured":  # Cassandra: acknowledged writes, as many
            assert dataset["stored_rows"] == dataset["rows"], (name, dataset)


@dataclass(frozen=True)
class Kill:
    """SIGKILL `unit` on `host` once the run's report shows `step`; `recovered` tells when the
    service is back in service."""

    step: Callable[[dict], bool]
    host: str
    unit: str
    recovered: Callable[[], bool]


def operator_run_with_kills(drill: str, kills: list[Kill]) -> None:
    """`bdp etl run` of the day, with `kills` in turn as its report reaches their steps. The run
    must publish the day, and each service come back by itself (systemd restarts it)."""
    run_id = f"drill-{drill}-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    job = start_tool("bdp", "etl", "run", "--date", DAY, "--source", SOURCE, "--run-id", run_id)
    restarted = []
    try:
        for kill in kills:
            wait_until(
                lambda step=kill.step: (r := run_report(run_id)) and step(r),
                RUN_TIMEOUT_S,
                f"{drill}: the step before killing {kill.unit}",
                2,
            )
            restarted.append(crash(kill.host, kill.unit))
            print(f"[lab] {drill}: killed {kill.unit} on {kill.host} at "
                  f"{time.monotonic() - started:.0f} s", flush=True)  # fmt: skip
        output, _ = job.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        job.kill()
    assert job.returncode == 0, output[-3000:]
    assert_published(wait_until(lambda: run_report(run_id), 120, "the run's report", 2))
    assert len(applications()) >= 1 and not applications(LIVE_STATES)
    for kill, back in zip(kills, restarted, strict=True):
        wait_until(back, RECOVERY_TIMEOUT_S, f"{kill.unit} on {kill.host} restarted", every=10)
        wait_until(kill.recovered, RECOVERY_TIMEOUT_S, f"{kill.unit} on {kill.host} back", every=10)


def test_a_datanode_then_a_cassandra_node_killed_during_one_etl_run():
    started = time.monotonic()
    operator_run_with_kills(
        "datanode-cassandra",
        [
            # Raw counted: the staging, the curated lake and the reports are still to be written.
            Kill(lambda r: bool(r["raw"]), "spark-worker-02", "hdfs-datanode",
                 lambda: datanodes_live() == 3),
            # The report gains its datasets when the gate has passed: the writers start next.
            Kill(lambda r: bool(r["datasets"]), "spark-worker-03", "cassandra",
                 lambda: shell_stdout(on_host("spark-worker-01", "nodetool status"))
                 .count("\nUN ") == 3),
        ],
    )  # fmt: skip
    stage("drill: DataNode, then Cassandra node killed during an ETL run", started)


@pytest.mark.slow  # about 6 minutes, most of it the scheduler's heartbeat timeout: make test-all
def test_the_celery_worker_killed_mid_spark_submit_leaves_one_writer():
    started = time.monotonic()
    api = airflow_session()
    run = run_of_day(api, SOURCE, DAY)
    tries = task(api, SOURCE, run["dag_run_id"], "transform_and_load")["try_number"]
    before = {app["id"] for app in applications()}
    cleared = api.post(
        f"{dag_url(SOURCE)}/clearTaskInstances",
        json={"dag_run_id": run["dag_run_id"], "task_ids": ["transform_and_load"],
              "include_downstream": True, "dry_run": False, "only_failed": False,
              "reset_dag_runs": True},
        timeout=30,
    )  # fmt: skip
    assert cleared.status_code == 200, cleared.text
    first = wait_until(
        lambda: [a for a in applications("RUNNING") if a["id"] not in before],
        RUN_TIMEOUT_S,
        "the task's Spark application running",
        every=2,
    )[0]
    worker = task(api, SOURCE, run["dag_run_id"], "transform_and_load")["hostname"]
    restarted = crash(worker, "airflow-celery-worker")
    print(f"[lab] celery: killed the worker on {worker} while {first['id']} ran", flush=True)
    most_live = 0

    def finished() -> str | None:
        nonlocal most_live
        most_live = max(most_live, len(applications(LIVE_STATES)))
        state = api.get(f"{dag_url(SOURCE)}/dagRuns/{run['dag_run_id']}", timeout=30).json()
        return state["state"] if state["state"] in ("success", "failed") else None

    # The scheduler fails the orphaned try after airflow_task_heartbeat_timeout; its retry kills
    # the application the dead worker left running before it submits its own.
    assert wait_until(finished, RUN_TIMEOUT_S + 600, "the drilled run finished") == "success"
    load = task(api, SOURCE, run["dag_run_id"], "transform_and_load")
    assert load["try_number"] >= tries + 2, load  # the killed try, then a retry
    attempts = [a for a in applications() if a["id"] not in before]
    assert most_live <= 1, "two attempts' applications were live at once"
    assert attempts[-1]["finalStatus"] == "SUCCEEDED", attempts
    fates = ", ".join(f"{a['id']} {a['state']}/{a['finalStatus']}" for a in attempts)
    print(f"[lab] celery: attempts {fates}", flush=True)
    wait_until(restarted, RECOVERY_TIMEOUT_S, "the Celery worker restarted", every=10)
    stage("drill: Celery worker killed mid spark-submit", started)


def test_after_the_drills_every_destination_holds_exactly_the_expected_rows():
    settings = etl_settings()
    assert_exact(settings, event_api_config(), [settings["start_date"], settings["end_date"]])
    health = run_tool("bdp", "deploy", "-i", "inventories/lab", "--playbook", "ansible/health.yml")
    assert health.returncode == 0, health.stdout[-3000:]
