"""platform_smoke: proves that the scheduler queues work and a Celery worker runs it.

Triggered by hand (no schedule). Its one task reports the worker host that ran it, which
the lab test compares with the airflow_worker hosts.
"""

from __future__ import annotations

import socket

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="platform_smoke",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["platform"],
    doc_md=__doc__,
)
def platform_smoke() -> None:
    @task
    def report_worker() -> str:
        return socket.gethostname()

    report_worker()


platform_smoke()
