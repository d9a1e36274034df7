"""bdp_etl_<source>: the daily ETL of one event source, one DAG per source.

The run of the data interval [D, D+1) in the platform time zone processes day D, so the run
for D starts just after midnight of D+1 ("yesterday"). Per run:

    wait_for_raw_day  sensor (reschedule mode) on /lake/raw/<source>/dt=D/_SUCCESS
    transform_and_load  spark-submit on YARN: raw day -> declared datasets -> MySQL,
                        Cassandra, curated lake (retried with exponential backoff)
    check_quality     the run report: gate passed, every destination holds the day
                      exactly (a failure of the data is never retried: it would be the same)
    summary           rows per destination, in the task log

Settings (sources, days, Spark sizes, retries) come from /etc/bdp/etl/etl.json (etl role).
"""

from __future__ import annotations

from datetime import date, timedelta

import pendulum
from airflow.sdk import DAG, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException
from airflow.timetables.interval import CronDataIntervalTimetable

from bdp_dags import runs, submit, webhdfs
from bdp_dags.settings import DataQualityError, Settings, load_settings


def _day() -> date:
    """Day D of the running task's data interval, in the platform time zone."""
    context = get_current_context()
    start = context["data_interval_start"]
    return pendulum.instance(start).in_timezone(SETTINGS["timezone"]).date()


def _run_id() -> str:
    return get_current_context()["run_id"]


@task.sensor(mode="reschedule")
def wait_for_raw_day(source: str) -> bool:
    """True once the lake writer has completed day D; fails at once, without retrying, for a
    day that is complete without any event (never published). Airflow fails a sensor past its
    timeout without retrying; the retries are for a poke cut short (a worker restarted,
    WebHDFS down)."""
    day = _day()
    marker = submit.raw_day_marker(SETTINGS, source, day)
    if webhdfs.exists(SETTINGS, marker):
        return True
    held = submit.held_empty_day(SETTINGS, source, day)
    if held:
        raise AirflowFailException(held)
    print(
        f"waiting for {marker}: the lake writer completes a day once the stream has passed"
        " its end plus the allowed lateness (see `bdp ingest status`)"
    )
    return False


@task
def check_quality(source: str) -> dict:
    """Fails for good (no retry) when the data is wrong; retried when it cannot tell."""
    try:
        report = submit.check_report(SETTINGS, source, _day(), _run_id())
    except DataQualityError as exc:
        raise AirflowFailException(f"data-quality check failed: {exc}") from exc
    return {name: entry["stored_rows"] for name, entry in report["datasets"].items()}


@task
def summary(source: str, stored: dict) -> None:
    report = submit.read_report(SETTINGS, source, _day(), _run_id())
    print(runs.table(runs.rows(report)))


@task
def transform_and_load(source: str) -> None:
    context = get_current_context()
    try:
        submit.run_job(SETTINGS, source, _day(), _run_id(), context["ti"].try_number)
    except DataQualityError as exc:
        raise AirflowFailException(f"data-quality gate failed: {exc}") from exc


def build(settings: Settings, source: str) -> DAG:
    timezone = pendulum.timezone(settings["timezone"])
    start = pendulum.datetime(*settings.start_date.timetuple()[:3], tz=timezone)
    end = settings.end_date
    with DAG(
        dag_id=f"bdp_etl_{source}",
        schedule=CronDataIntervalTimetable("0 0 * * *", timezone=timezone),
        start_date=start,
        end_date=pendulum.datetime(*end.timetuple()[:3], tz=timezone) if end else None,
        catchup=True,
        is_paused_upon_creation=settings["paused_on_creation"],
        max_active_runs=2,
        default_args={
            "retries": settings["retries"],
            "retry_delay": timedelta(seconds=settings["retry_delay_seconds"]),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(seconds=settings["max_retry_delay_seconds"]),
        },
        tags=["etl", source],
        doc_md=__doc__,
    ) as dag:
        sensor = wait_for_raw_day.override(
            poke_interval=settings["sensor_poke_seconds"],
            timeout=settings["sensor_timeout_seconds"],
        )(source)
        loaded = transform_and_load(source)
        stored = check_quality(source)
        sensor >> loaded >> stored
        summary(source, stored)
    return dag


SETTINGS = load_settings()
for _source in SETTINGS.sources:
    globals()[f"bdp_etl_{_source}"] = build(SETTINGS, _source)
