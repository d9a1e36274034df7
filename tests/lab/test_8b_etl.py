"""The daily ETL in the lab (runs after the ingest test, whose days it processes).

The DAGs bdp_etl_<source> catch up on the complete simulated days; MySQL, Cassandra and the
curated lake must then hold exactly what the simulator's known events give (computed here
independently of the Spark transforms, by tests/lab/etl_expected.py). Then: a run made to fail
twice (MySQL down) succeeds on its third try; a backfill, a corrupt raw file refused by the
quality gate and an operator's rerun leave every destination exactly as it was.
"""

import json
import time
from datetime import date, datetime

import pytest
from etl_expected import expected_day
from etlkit import (
    RUN_TIMEOUT_S,
    assert_exact,
    dag_url,
    etl_settings,
    late_ids,
    run_of_day,
    runs,
    task,
)

from bdp_testkit.helpers import run_tool
from labkit import (
    AIRFLOW_API,
    MASTER,
    airflow_session,
    event_api_config,
    on_host,
    stage,
    wait_for_run,
)

pytestmark = pytest.mark.lab

CATCH_UP_TIMEOUT_S = 1800


@pytest.fixture(scope="module")
def settings() -> dict:
    return etl_settings()


@pytest.fixture(scope="module")
def days(settings) -> list[str]:
    assert (settings["start_date"], settings["end_date"]) == ("2026-11-01", "2026-11-02")
    return ["2026-11-01", "2026-11-02"]


@pytest.fixture(scope="module")
def api():
    return airflow_session()


@pytest.fixture(scope="module")
def api_config() -> dict:
    return event_api_config()


def test_the_dags_catch_up_on_every_complete_day(api, settings, days):
    """Unpaused after the deploy test (tests/lab/test_1_deploy.py), the DAGs' runs waited for
    the lake writer to complete each day while the earlier tests ran."""
    started = time.monotonic()
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while True:
        states = {
            (source, run["data_interval_start"][:10]): run["state"]
            for source in settings["sources"]
            for run in runs(api, source)
        }
        if len(states) == len(days) * len(settings["sources"]) and all(
            state in ("success", "failed") for state in states.values()
        ):
            break
        assert time.monotonic() < deadline, f"runs not finished: {states}"
        time.sleep(15)
    assert set(states.values()) == {"success"}, states
    stage(f"DAGs caught up on {len(states)} source-days", started)


@pytest.fixture(scope="module")
def outputs(settings, api_config, days) -> list[dict]:
    """What the destinations hold once the DAGs have caught up, checked exactly."""
    started = time.monotonic()
    found = assert_exact(settings, api_config, days)
    stage("MySQL, Cassandra and the lake compared with the simulator's events", started)
    return found


def test_destinations_hold_exactly_the_expected_results(outputs):
    assert outputs


@pytest.mark.slow  # three Spark tries and the backoff between them (about 13 min): make test-all
def test_a_task_failing_twice_succeeds_on_its_third_try(api, days):
    started = time.monotonic()
    run_id = run_of_day(api, "game", days[1])["dag_run_id"]
    tries_before = task(api, "game", run_id, "transform_and_load")["try_number"]
    on_host(MASTER, "systemctl stop mariadb")
    try:
        cleared = api.post(
            f"{dag_url('game')}/clearTaskInstances",
            json={"dag_run_id": run_id, "dry_run": False, "only_failed": False,
                  "reset_dag_runs": True},
            timeout=30,
        )  # fmt: skip
        assert cleared.status_code == 200, cleared.text
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            load = task(api, "game", run_id, "transform_and_load")
            if load["state"] == "up_for_retry" and load["try_number"] == tries_before + 2:
                break
            assert load["state"] != "failed", load
            assert time.monotonic() < deadline, f"not failed twice yet: {load}"
            time.sleep(5)
    finally:
        on_host(MASTER, "systemctl start mariadb")
    assert wait_for_run(api, "bdp_etl_game", run_id, RUN_TIMEOUT_S) == "success"
    load = task(api, "game", run_id, "transform_and_load")
    assert (load["state"], load["try_number"]) == ("success", tries_before + 3)
    stage("MySQL down: two failed tries, the third succeeded", started)


@pytest.mark.slow  # two Spark runs of each of two days (about 4.5 min): make test-all
def test_a_backfill_reruns_the_range(api, days):
    started = time.monotonic()
    answer = api.post(
        f"{AIRFLOW_API}/api/v2/backfills",
        json={"dag_id": "bdp_etl_game", "from_date": f"{days[0]}T00:00:00Z",
              "to_date": f"{days[1]}T00:00:00Z", "reprocess_behavior": "completed",
              "max_active_runs": 2},
        timeout=30,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    backfill = f"{AIRFLOW_API}/api/v2/backfills/{answer.json()['id']}"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    # A backfill that reprocesses completed days clears and reruns their existing runs.
    while not api.get(backfill, timeout=30).json().get("completed_at"):
        assert time.monotonic() < deadline, "backfill not completed"
        time.sleep(10)
    for day in days:
        run = run_of_day(api, "game", day)
        assert run["state"] == "success", run
        ended, created = run["end_date"], answer.json()["created_at"]
        assert datetime.fromisoformat(ended) > datetime.fromisoformat(created), run
    stage("game backfilled over both days", started)


def test_a_day_that_is_not_complete_is_refused(settings):
    result = run_tool("bdp", "etl", "run", "--date", "2026-11-03", "--source", "game")
    assert result.returncode != 0
    assert "the raw day is not complete" in result.stderr


@pytest.mark.slow  # two Spark runs of a day (about 2.5 min): make test-all
def test_a_corrupt_raw_file_fails_the_gate_then_an_operator_reruns_the_day(days):
    bad = f"/lake/raw/ads/dt={days[0]}/part-zz-corrupt.parquet"
    on_host(MASTER, f"echo not-parquet | runuser -u spark -- hdfs dfs -put -f - {bad}")
    try:
        refused = run_tool("bdp", "etl", "run", "--date", days[0], "--source", "ads")
    finally:
        on_host(MASTER, f"runuser -u spark -- hdfs dfs -rm -skipTrash {bad}")
    assert refused.returncode != 0
    assert "data-quality gate failed" in refused.stderr, refused.stderr[-3000:]
    assert "1 unreadable raw file(s)" in refused.stderr
    rerun = run_tool("bdp", "etl", "run", "--date", days[0], "--source", "ads")
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert "published" in rerun.stdout


@pytest.mark.slow  # after the retry, backfill and rerun tests above: make test-all
def test_after_reruns_the_destinations_are_unchanged(settings, api_config, days):
    assert assert_exact(settings, api_config, days)


def test_etl_status_lists_every_day_published(settings, api_config, days, outputs):
    result = run_tool("bdp", "etl", "status", "--json")
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    latest = {(r["source"], r["dt"]): r for r in reports}
    for source in settings["sources"]:
        for day in days:
            assert (source, day) in latest, f"bdp etl status shows no run of {source} {day}"
            late = late_ids(outputs, source)
            wanted = expected_day(
                source, api_config, settings["timezone"], date.fromisoformat(day), late
            )
            assert latest[(source, day)]["raw"]["rows"] == wanted.raw_count, (source, day)
    assert all(report["status"] == "published" for report in latest.values()), latest
