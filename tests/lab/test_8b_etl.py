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
from etl_expected import compare, declarations, expected_day

from helpers import run_tool
from labkit import (
    AIRFLOW_API,
    MASTER,
    airflow_session,
    event_api_config,
    on_host,
    shell_stdout,
    stage,
    wait_for_run,
)

pytestmark = pytest.mark.lab

WORKER = "spark-worker-01"  # an Airflow worker: the ETL's settings, jars and drivers are there
CATCH_UP_TIMEOUT_S = 1800
RUN_TIMEOUT_S = 900
OUTPUTS_JOB = "/var/tmp/bdp-etl-outputs.py"


@pytest.fixture(scope="module")
def settings() -> dict:
    return json.loads(shell_stdout(on_host(WORKER, "cat /etc/bdp/etl/etl.json")))


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


def dag_url(source: str) -> str:
    return f"{AIRFLOW_API}/api/v2/dags/bdp_etl_{source}"


def runs(api, source: str) -> list[dict]:
    answer = api.get(f"{dag_url(source)}/dagRuns", params={"limit": 100}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["dag_runs"]


def run_of_day(api, source: str, day: str) -> dict:
    found = [r for r in runs(api, source) if r["data_interval_start"].startswith(day)]
    assert found, f"bdp_etl_{source}: no run for {day}"
    return found[0]


def task(api, source: str, run_id: str, task_id: str) -> dict:
    url = f"{dag_url(source)}/dagRuns/{run_id}/taskInstances/{task_id}"
    return api.get(url, timeout=30).json()


def stored_outputs(days: list[str]) -> list[dict]:
    """Every row the destinations hold for `days` (Spark in local mode on the worker)."""
    run_tool(
        "ansible", "-i", "inventories/lab", WORKER, "-m", "ansible.builtin.copy", "-a",
        f"src=tests/lab/jobs/etl_outputs.py dest={OUTPUTS_JOB} mode=0644",
    )  # fmt: skip
    command = (
        "PYTHONPATH=/opt/bdp/etl/lib spark-submit --master 'local[2]' --deploy-mode client"
        " --jars '/opt/bdp/mariadb-jdbc/jars/*.jar'"
        f" {OUTPUTS_JOB} --schemas /opt/bdp/etl/schemas --stores /etc/bdp/etl/stores.json"
        f" --days {','.join(days)} > /var/tmp/etl-outputs.jsonl 2> /var/tmp/etl-outputs.log"
        " && cat /var/tmp/etl-outputs.jsonl || { tail -n 40 /var/tmp/etl-outputs.log; exit 1; }"
    )
    lines = shell_stdout(on_host(WORKER, command)).splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def late_ids(outputs: list[dict], source: str) -> set[str]:
    """The source's events that reached /lake/late: the raw days, so the ETL, never see them."""
    return {
        o["row"]["event_id"] for o in outputs if o["source"] == source and o["dataset"] == "_late"
    }


def assert_exact(settings: dict, api_config: dict, days: list[str]) -> list[dict]:
    """Every dataset of every source and day holds exactly the independently computed rows;
    returns what the destinations hold."""
    outputs = stored_outputs(days)
    differences = []
    for source in settings["sources"]:
        mine = [o for o in outputs if o["source"] == source]
        late = late_ids(outputs, source)
        for day in days:
            wanted = expected_day(
                source, api_config, settings["timezone"], date.fromisoformat(day), late
            )
            for name, dataset in declarations(source).items():
                found = [
                    o["row"]
                    for o in mine
                    if o["dataset"] == name and str(o["row"]["dt"])[:10] == day
                ]
                differences += compare(dataset, wanted.datasets[name], found)
                print(f"[lab] {source}.{name} {day}: {len(found)} rows", flush=True)
    assert differences == [], "\n".join(differences[:40])
    return outputs


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


def test_destinations_hold_exactly_the_expected_results(settings, api_config, days):
    started = time.monotonic()
    assert_exact(settings, api_config, days)
    stage("MySQL, Cassandra and the lake compared with the simulator's events", started)


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


@pytest.fixture(scope="module")
def outputs_after_reruns(settings, api_config, days) -> list[dict]:
    return assert_exact(settings, api_config, days)


def test_after_reruns_the_destinations_are_unchanged(outputs_after_reruns):
    assert outputs_after_reruns


def test_etl_status_lists_every_day_published(settings, api_config, days, outputs_after_reruns):
    result = run_tool("bdp", "etl", "status", "--json")
    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    latest = {(r["source"], r["dt"]): r for r in reports}
    for source in settings["sources"]:
        for day in days:
            assert (source, day) in latest, f"bdp etl status shows no run of {source} {day}"
            late = late_ids(outputs_after_reruns, source)
            wanted = expected_day(
                source, api_config, settings["timezone"], date.fromisoformat(day), late
            )
            assert latest[(source, day)]["raw"]["rows"] == wanted.raw_count, (source, day)
    assert all(report["status"] == "published" for report in latest.values()), latest
