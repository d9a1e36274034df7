"""Airflow in the lab: login required, a DAG run on a Celery worker, import errors shown.

Before the daily ETL DAGs are unpaused (tests/lab/test_3b_daily_etl_starts.py): their eight
catch-up runs would hold the Celery workers' slots and queue the smoke DAG behind them."""

import time

import pytest
import requests

from bdp_testkit.helpers import run_tool
from labkit import (
    AIRFLOW_API,
    airflow_session,
    airflow_token,
    on_host,
    stage,
    tls_session,
    wait_for_run,
)

pytestmark = pytest.mark.lab

SCHEDULER = "spark-master-01"
WORKERS = {"spark-worker-01", "spark-worker-02", "spark-worker-03"}
BROKEN_DAG = "/var/lib/airflow/dags/lab_broken.py"


@pytest.fixture(scope="module")
def api() -> requests.Session:
    return airflow_session()


def test_the_api_refuses_anonymous_and_wrong_password_access():
    assert tls_session().get(f"{AIRFLOW_API}/api/v2/dags", timeout=30).status_code == 401
    assert airflow_token("not-the-password").status_code == 401


def test_every_component_reports_healthy(api):
    health = api.get(f"{AIRFLOW_API}/api/v2/monitor/health", timeout=30).json()
    for component in ("metadatabase", "scheduler", "triggerer", "dag_processor"):
        assert health[component]["status"] == "healthy", health


def test_a_triggered_dag_runs_on_a_celery_worker(api):
    started = time.monotonic()
    dag = f"{AIRFLOW_API}/api/v2/dags/platform_smoke"
    assert api.patch(dag, json={"is_paused": False}, timeout=30).status_code == 200
    run = api.post(f"{dag}/dagRuns", json={"logical_date": None}, timeout=30)
    assert run.status_code == 200, run.text
    run_id = run.json()["dag_run_id"]
    assert wait_for_run(api, "platform_smoke", run_id, timeout=600) == "success"
    task = api.get(f"{dag}/dagRuns/{run_id}/taskInstances/report_worker", timeout=30).json()
    xcom = api.get(
        f"{dag}/dagRuns/{run_id}/taskInstances/report_worker/xcomEntries/return_value",
        timeout=30,
    ).json()
    assert task["hostname"] in WORKERS, task
    assert xcom["value"] in WORKERS, xcom
    stage("platform_smoke triggered and run on a Celery worker", started)


@pytest.mark.slow  # two airflow.yml runs (about 2 min): make test-all
def test_a_dag_that_fails_to_import_is_shown_and_fails_the_play(api):
    # a file must mention both "airflow" and "dag" for Airflow to parse it
    on_host(
        SCHEDULER, f"printf 'from airflow.sdk import dag\\nimport no_such_module\\n' > {BROKEN_DAG}"
    )
    try:
        on_host(SCHEDULER, "airflow dags reserialize")
        errors = broken_dag_errors(api)
        assert errors and "no_such_module" in errors[0]["stack_trace"], errors
        play = run_tool(
            "bdp", "deploy", "-i", "inventories/lab", "--playbook", "ansible/airflow.yml"
        )
        assert play.returncode != 0
        assert "fail to import" in play.stdout and "lab_broken.py" in play.stdout, play.stdout[
            -3000:
        ]
    finally:
        on_host(SCHEDULER, f"rm -f {BROKEN_DAG} && airflow dags reserialize")
    # the dag-processor forgets errors of deleted files at its next folder scan
    deadline = time.monotonic() + 180
    while broken_dag_errors(api) and time.monotonic() < deadline:
        time.sleep(5)
    assert not broken_dag_errors(api)


def broken_dag_errors(api: requests.Session) -> list:
    errors = api.get(f"{AIRFLOW_API}/api/v2/importErrors", timeout=30).json()["import_errors"]
    return [e for e in errors if e["filename"].endswith("lab_broken.py")]
