"""`bdp etl run|status`: run `python -m bdp_dags` (dags/bdp_dags) on an Airflow worker over SSH.

The worker has what the DAGs use: the settings, the stores' credentials, spark-submit and the
Airflow virtualenv; running the same module there means an operator's run is the DAG's run.
"""

import argparse
import subprocess
from pathlib import Path

from bdp.inventory import add_inventory_argument
from bdp.remote import first_host, ssh_argv

REMOTE_PYTHON = "/opt/bdp/airflow/bin/python"
# The Airflow daemons' PYTHONPATH (airflow.env): the DAG folder, for bdp_dags, and the Spark
# jobs' code (bdp_etl_code_dir), for bdp_jobs.
REMOTE_PYTHONPATH = "/var/lib/airflow/dags:/opt/bdp/etl/lib"


def remote_command(module_args: list[str]) -> list[str]:
    return [
        "runuser", "-u", "airflow", "--",
        "env", f"PYTHONPATH={REMOTE_PYTHONPATH}", "BDP_ETL_PROG=bdp etl",
        REMOTE_PYTHON, "-m", "bdp_dags", *module_args,
    ]  # fmt: skip


def module_args(args: argparse.Namespace) -> list[str]:
    if args.etl_command == "status":
        return ["status", "--days", str(args.days), *(["--json"] if args.json else [])]
    extra = [f"--source={source}" for source in args.source or []]
    return [
        "run",
        f"--date={args.date}",
        *extra,
        *([f"--run-id={args.run_id}"] if args.run_id else []),
    ]


def cmd_etl(args: argparse.Namespace) -> int:
    host, hostvars = first_host(Path(args.inventory), "airflow_worker")
    argv = ssh_argv(hostvars, host, remote_command(module_args(args)))
    return subprocess.run(argv, check=False).returncode


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("etl", help="the daily ETL outside Airflow: run a day, status")
    commands = parser.add_subparsers(dest="etl_command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run the ETL of one day now (all sources, or --source)",
        description="Run the daily DAG's steps for one day on the first Airflow worker: check "
        "the raw day is complete, submit the Spark job on YARN, check the data-quality report. "
        "Rerunning a day replaces it in every destination (no duplicates).",
    )
    run.add_argument("--date", required=True, help="the day, YYYY-MM-DD (platform time zone)")
    run.add_argument("--source", action="append", help="only this source (repeatable)")
    run.add_argument("--run-id", help="default: manual__<UTC time>")
    status = commands.add_parser(
        "status",
        help="latest runs per source and day, with rows per destination",
        description="Read the ETL's run reports (/lake/_etl/runs) on the first Airflow worker.",
    )
    status.add_argument(
        "--days", type=int, default=7, help="days per source (default: %(default)s)"
    )
    status.add_argument("--json", action="store_true", help="the run reports as JSON")
    for command in (run, status):
        add_inventory_argument(command)
        command.set_defaults(func=cmd_etl)
