"""Submit one source-day job to YARN, exactly one at a time, and read what it reported."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

from bdp_dags import cluster_http, webhdfs
from bdp_dags.settings import DataQualityError, EtlError, Settings
from bdp_jobs.etl import gate, runreport

LIVE_STATES = "NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING"


def application_tag(source: str, day: date) -> str:
    """The YARN tag of every attempt at one source-day (YARN lower-cases tags)."""
    return f"bdp-etl-{source}-{day:%Y%m%d}"


def raw_day_marker(settings: Settings, source: str, day: date) -> str:
    """The lake writer's mark of a complete raw day (spark_jobs/README.md)."""
    return f"{settings['lake']}/raw/{source}/dt={day.isoformat()}/_SUCCESS"


def _day_of(name: str) -> date | None:
    try:
        return date.fromisoformat(name.removeprefix("dt=")) if name.startswith("dt=") else None
    except ValueError:
        return None


def held_empty_day(settings: Settings, source: str, day: date) -> str | None:
    """Why `day` will never be marked complete, or None if it still may be.

    The lake writer marks only days that had events; a complete day without any (a later day
    is marked, and `day` has no directory) is held and will never get `_SUCCESS`, so waiting
    for it is pointless and publishing it empty would be wrong data.
    """
    days = sorted(
        found
        for name in webhdfs.list_names(settings, f"{settings['lake']}/raw/{source}")
        if (found := _day_of(name)) is not None
    )
    later = [other for other in days if other > day]
    if (
        day in days
        or not later
        or not webhdfs.exists(settings, raw_day_marker(settings, source, later[0]))
    ):
        return None
    return (
        f"{source} {day}: the lake holds no event of this day, though it completed {later[0]};"
        " a day without events is held, never published (`bdp ingest status` counts them)."
        " Check the source and its collector for that day; if the source really had no"
        " events, mark this run successful in Airflow"
    )


def spark_submit_argv(
    settings: Settings, source: str, day: date, run_id: str, attempt: int
) -> list[str]:
    spark = settings["spark"]
    python = spark["python"]
    kerberos = settings.raw.get("kerberos")
    # In secure mode spark-submit logs in from the keytab, which YARN keeps for the driver.
    login = (
        ["--principal", kerberos["principal"], "--keytab", kerberos["keytab"]] if kerberos else []
    )
    return [
        spark["submit"],
        "--master", "yarn",
        "--deploy-mode", "cluster",
        "--name", f"bdp-etl-{source}-{day}",
        *login,
        "--queue", spark["queue"],
        "--driver-memory", f"{spark['driver_memory_mb']}m",
        "--executor-memory", f"{spark['executor_memory_mb']}m",
        "--num-executors", str(spark["executor_instances"]),
        "--executor-cores", str(spark["executor_cores"]),
        "--conf", f"spark.yarn.tags={application_tag(source, day)}",
        "--conf", f"spark.sql.shuffle.partitions={spark['shuffle_partitions']}",
        "--conf", f"spark.pyspark.python={python}",
        "--conf", f"spark.pyspark.driver.python={python}",
        # A failed driver is the task's failure: Airflow, not YARN, decides about retries.
        "--conf", "spark.yarn.maxAppAttempts=1",
        "--jars", f"{spark['jars_dir']}/*.jar",
        "--py-files", spark["py_files"],
        "--archives", f"{spark['schemas_archive']}#schemas",
        "--files", spark["stores"],
        spark["job"],
        "--source", source,
        "--date", day.isoformat(),
        "--run-id", run_id,
        "--attempt", str(attempt),
        "--lake", settings["lake"],
        "--schemas-dir", "schemas",
        "--stores", "stores.json",
        "--timezone", settings["timezone"],
        "--max-rejected-ratio", str(settings["max_rejected_ratio"]),
        "--max-unreadable-files", str(settings["max_unreadable_files"]),
    ]  # fmt: skip


def live_applications(settings: Settings, tag: str) -> list[str]:
    """Ids of the applications tagged `tag` that are still queued or running."""
    url = f"{settings['resourcemanager']}/ws/v1/cluster/apps"
    query = {"applicationTags": tag, "states": LIVE_STATES}
    found = cluster_http.call(settings, "GET", url, query).json()
    return sorted(app["id"] for app in ((found or {}).get("apps") or {}).get("app", []))


def kill_leftovers(settings: Settings, tag: str) -> list[str]:
    """Kill every live application of an earlier attempt (a worker that died mid-task leaves
    its cluster-mode application running): two writers of one day must never overlap."""
    killed = live_applications(settings, tag)
    for app_id in killed:
        print(f"bdp-etl: killing {app_id}, left running by an earlier attempt ({tag})", flush=True)
        url = f"{settings['resourcemanager']}/ws/v1/cluster/apps/{app_id}/state"
        cluster_http.call(settings, "PUT", url, body={"state": "KILLED"})
    return killed


def report_path(settings: Settings, source: str, day: date, run_id: str) -> str:
    return runreport.EtlLayout(settings["lake"], source, day).report(run_id)


def read_report(settings: Settings, source: str, day: date, run_id: str) -> dict[str, Any] | None:
    return webhdfs.read_json(settings, report_path(settings, source, day, run_id))


def run_job(
    settings: Settings, source: str, day: date, run_id: str, attempt: int
) -> dict[str, Any]:
    """Run the source-day job to its end; return its report, or raise DataQualityError (the
    data is wrong: do not retry) or EtlError (anything else: a retry may succeed)."""
    kill_leftovers(settings, application_tag(source, day))
    argv = spark_submit_argv(settings, source, day, run_id, attempt)
    print(f"bdp-etl: {source} {day}: {' '.join(argv)}", flush=True)
    finished = subprocess.run(argv, stdout=sys.stdout, stderr=subprocess.STDOUT, check=False)
    report = read_report(settings, source, day, run_id)
    if report and report["status"] == runreport.QUALITY_FAILED:
        raise DataQualityError("; ".join(report["problems"]))
    if finished.returncode != 0 or not report or report["status"] != runreport.PUBLISHED:
        state = report["status"] if report else "no report"
        raise EtlError(
            f"{source} {day}: the Spark job failed (spark-submit exit {finished.returncode},"
            f" report: {state}); its YARN log: yarn logs -applicationId <id> (tag"
            f" {application_tag(source, day)})"
        )
    return report


def check_report(settings: Settings, source: str, day: date, run_id: str) -> dict[str, Any]:
    """The quality task: the run's report must say published, with every destination holding
    exactly the rows the gate passed."""
    report = read_report(settings, source, day, run_id)
    if report is None:
        raise EtlError(f"{source} {day}: no run report for {run_id}")
    problems = list(report["problems"]) if report["status"] != runreport.PUBLISHED else []
    problems += gate.after_publish(report)
    if problems:
        raise DataQualityError("; ".join(problems))
    return report
