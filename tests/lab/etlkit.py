"""The daily ETL as the lab tests see it: its DAG runs and tasks through the Airflow API, and
every row its destinations hold, held to the simulator's events (tests/lab/etl_expected.py)."""

import json
from datetime import date

from etl_expected import compare, declarations, expected_day

from labkit import AIRFLOW_API, copy_job, on_host, shell_stdout

WORKER = "spark-worker-01"  # an Airflow worker: the ETL's settings, jars and drivers are there
RUN_TIMEOUT_S = 900
OUTPUTS_JOB = "/var/tmp/bdp-etl-outputs.py"


def etl_settings() -> dict:
    """/etc/bdp/etl/etl.json as the etl role rendered it (sources, days, time zone)."""
    return json.loads(shell_stdout(on_host(WORKER, "cat /etc/bdp/etl/etl.json")))


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
    """Every row the destinations hold for `days` (Spark in local mode on the worker, as the
    ETL's user: the late area it reads is closed to users outside the services' group)."""
    copy_job(WORKER, "etl_outputs.py", OUTPUTS_JOB)
    command = (
        "runuser -u airflow -- env PYTHONPATH=/opt/bdp/etl/lib"
        " spark-submit --master 'local[2]' --deploy-mode client"
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
