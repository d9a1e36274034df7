"""What the demo reports, read from the running platform: lake, ETL reports, warehouse, logs."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bdp import hadoop_web
from bdp.errors import BdpError
from bdp.etl.cli import remote_command
from bdp.inventory import addresses, listing
from bdp.remote import output_of

EVENT_API_CONFIG = "/etc/bdp/collectors/event-api.json"
ETL_SETTINGS = "/etc/bdp/etl/etl.json"


def event_api_config(inventory: Path) -> dict[str, Any]:
    """The simulated event API's config (seed, days, faults): it decides every served event."""
    try:
        return json.loads(output_of(inventory, "collectors", ["cat", EVENT_API_CONFIG]))
    except BdpError as exc:
        raise BdpError(f"bdp demo needs the lab's simulated event API ({exc})") from None


def etl_settings(inventory: Path) -> dict[str, Any]:
    return json.loads(output_of(inventory, "airflow_worker", ["cat", ETL_SETTINGS]))


def etl_reports(inventory: Path, days: int) -> list[dict[str, Any]]:
    """The latest ETL run report of each source and day (what `bdp etl status --json` shows)."""
    remote = remote_command(["status", "--json", "--days", str(days)])
    return json.loads(output_of(inventory, "airflow_worker", remote))


def warehouse_rows(inventory: Path, database: str, sql: str) -> list[list[str]]:
    """Rows of a query run by the warehouse host's root over its local socket (no password)."""
    remote = ["mariadb", "--batch", "--skip-column-names", database, "-e", sql]
    out = output_of(inventory, "mysql_warehouse", remote)
    return [line.split("\t") for line in out.splitlines() if line]


def rows_per_partition(inventory: Path, database: str, tables: list[str]) -> dict[str, dict]:
    """COUNT(*) per day of each table: what its daily partitions hold."""
    sql = " UNION ALL ".join(
        f"SELECT '{table}', dt, COUNT(*) FROM {table} GROUP BY dt" for table in tables
    )
    counts: dict[str, dict[str, int]] = {table: {} for table in tables}
    for table, day, rows in warehouse_rows(inventory, database, sql):
        counts[table][day] = int(rows)
    return counts


def lodging_funnel(inventory: Path, database: str) -> list[tuple[str, int, int, int]]:
    """(category, views, buys, refunds) over every day and demographic."""
    sql = (
        "SELECT category, SUM(views), SUM(buys), SUM(refunds) FROM lodging_daily_funnel"
        " GROUP BY category ORDER BY SUM(views) DESC"
    )
    return [(c, int(v), int(b), int(r)) for c, v, b, r in warehouse_rows(inventory, database, sql)]


def game_features(inventory: Path, database: str) -> list[tuple[float, float, bool]]:
    """(average move speed, longest move, cheater label) of every player and match."""
    sql = (
        "SELECT COALESCE(avg_move_speed, 0), COALESCE(max_move_distance, 0), is_cheater"
        " FROM game_player_match_features"
    )
    return [(float(s), float(d), c == "1") for s, d, c in warehouse_rows(inventory, database, sql)]


def log_search_example(inventory: Path, words: list[str]) -> tuple[list[str], str]:
    """A `bdp logs search` command line and what it printed (its error, if it failed)."""
    shown = ["bdp", "logs", "search", "--since", "24h", "--limit", "5", *words]
    result = subprocess.run(
        [sys.executable, "-m", "bdp.cli", *shown[1:], "-i", str(inventory)],
        capture_output=True,
        text=True,
        check=False,
    )
    return shown, (result.stdout if result.returncode == 0 else result.stderr).strip()


def endpoints(inventory: Path) -> dict[str, str]:
    """The web endpoints an operator opens, from the inventory's hosts."""
    resolved = listing(inventory)

    def first(group: str) -> str:
        return addresses(resolved, group, inventory)[0]

    return {
        "HDFS NameNode": hadoop_web.endpoint(inventory, "namenode").url,
        "YARN ResourceManager": hadoop_web.endpoint(inventory, "resourcemanager").url,
        "Spark History": hadoop_web.endpoint(inventory, "spark_history").url,
        "Airflow": f"https://{first('airflow_scheduler')}:8080",
        "OpenSearch": f"https://{first('opensearch_coordinator')}:9200",
    }
