"""The warehouse host's commands: bdp-warehouse-migrate and bdp-warehouse-partitions.

They run as root on the MySQL host and connect over the server's unix socket (root has no
password and no TCP access), hold one named lock so the play and the daily timer never
alter tables at the same time, and print a one-line JSON summary, which the play reads.
"""

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pymysql

from . import WarehouseError
from .migrations import Migration, migration, pending, statements
from .partitions import partition, plan, today_in

DEFAULT_CONFIG = Path("/etc/bdp/warehouse/tools.json")
LOCK = "bdp_warehouse_maintenance"
LOCK_TIMEOUT_S = 300
HISTORY_DDL = """CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"""


def connect(config: dict[str, Any]) -> pymysql.connections.Connection:
    try:
        return pymysql.connect(
            unix_socket=config["socket"],
            user="root",
            database=config["database"],
            charset="utf8mb4",
            autocommit=True,
        )
    except pymysql.MySQLError as error:
        raise WarehouseError(
            f"cannot reach the MySQL server as root on socket {config['socket']} "
            f"(database {config['database']}): {error}"
        ) from None


@contextmanager
def maintenance_lock(cursor: Any) -> Iterator[None]:
    cursor.execute("SELECT GET_LOCK(%s, %s)", (LOCK, LOCK_TIMEOUT_S))
    if cursor.fetchone()[0] != 1:
        raise WarehouseError(f"another warehouse maintenance run held {LOCK} for {LOCK_TIMEOUT_S}s")
    try:
        yield
    finally:
        cursor.execute("SELECT RELEASE_LOCK(%s)", (LOCK,))


def migrate(cursor: Any, directory: Path, dry_run: bool) -> dict[str, Any]:
    """Apply the pending migrations of `directory` (only list them with dry_run)."""
    if not directory.is_dir():
        raise WarehouseError(f"warehouse migrations directory {directory} does not exist")
    files = [migration(path.name, path.read_bytes()) for path in sorted(directory.glob("*.sql"))]
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migrations'"
    )
    applied: dict[int, str] = {}
    if cursor.fetchone()[0]:
        cursor.execute("SELECT version, checksum FROM schema_migrations")
        applied = {int(version): checksum for version, checksum in cursor.fetchall()}
    todo = pending(applied, files)
    if not dry_run:
        cursor.execute(HISTORY_DDL)
        for item in todo:
            _apply(cursor, item)
    return {
        "changed": bool(todo) and not dry_run,
        "dry_run": dry_run,
        "applied_before": len(applied),
        "pending": [item.name for item in todo],  # applied by this run unless dry_run
    }


def _apply(cursor: Any, item: Migration) -> None:
    for number, statement in enumerate(statements(item.sql), start=1):
        try:
            cursor.execute(statement)
        except pymysql.MySQLError as error:
            raise WarehouseError(
                f"warehouse migration {item.name} failed at statement {number} "
                f"(earlier statements of it stay applied: DDL is not transactional): {error}"
            ) from None
    cursor.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
        (item.version, item.name, item.checksum),
    )


def maintain_partitions(
    cursor: Any, today: date, future: int, retention: int, dry_run: bool
) -> dict[str, Any]:
    """Add and drop daily partitions of every table partitioned by RANGE COLUMNS(dt)."""
    cursor.execute(
        "SELECT TABLE_NAME, PARTITION_NAME, PARTITION_DESCRIPTION "
        "FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() "
        "AND PARTITION_METHOD = 'RANGE COLUMNS' AND REPLACE(PARTITION_EXPRESSION, '`', '') = 'dt' "
        "ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION"
    )
    tables: dict[str, list] = {}
    for table, name, description in cursor.fetchall():
        tables.setdefault(table, []).append(partition(name, description))
    summary: dict[str, Any] = {}
    for table, existing in tables.items():
        table_plan = plan(table, existing, today, future, retention)
        if not dry_run:
            for statement in table_plan.statements():
                cursor.execute(statement)
        summary[table] = {
            "added": len(table_plan.add),
            "dropped": len(table_plan.drop),
            "existing_through": str(table_plan.existing_through or ""),
        }
    changed = any(item["added"] or item["dropped"] for item in summary.values())
    return {
        "changed": changed and not dry_run,
        "dry_run": dry_run,
        "today": str(today),
        "tables": summary,
    }


MIGRATE, PARTITIONS = "bdp-warehouse-migrate", "bdp-warehouse-partitions"


def _parser(command: str) -> argparse.ArgumentParser:
    if command == MIGRATE:
        parser = argparse.ArgumentParser(
            prog=command,
            description="Apply the warehouse's pending schema migrations (V<n>__name.sql, in "
            "order), recording each with its SHA-256 in schema_migrations. A recorded "
            "migration whose file changed stops the run.",
        )
        parser.add_argument(
            "--dir", type=Path, help="migrations directory (default: from the config)"
        )
    elif command == PARTITIONS:
        parser = argparse.ArgumentParser(
            prog=command,
            description="Keep a partition for every day from today - retention to today + "
            "future in each warehouse table partitioned by RANGE COLUMNS(dt), and drop "
            "daily partitions older than the retention.",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="plan as if this were today, YYYY-MM-DD (default: today in the platform's "
            "time zone)",
        )
    else:
        raise SystemExit(f"run this program as {MIGRATE} or {PARTITIONS}, not {command}")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="%(default)s")
    parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
    return parser


def _run(
    command: str, args: argparse.Namespace, config: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    with connect(config) as connection, connection.cursor() as cursor, maintenance_lock(cursor):
        if command == MIGRATE:
            return migrate(cursor, args.dir or Path(config["migrations_dir"]), args.dry_run)
        zone = config["timezone"]
        today = args.today or today_in(zone, now or datetime.now(ZoneInfo(zone)))
        return maintain_partitions(
            cursor,
            today,
            int(config["future_partitions"]),
            int(config["retention_days"]),
            args.dry_run,
        )


def main(argv: list[str] | None = None, now: datetime | None = None) -> int:
    """The command named by argv[0]; `now`, an aware instant, stands in for the clock."""
    argv = sys.argv if argv is None else argv
    command = Path(argv[0]).name if argv else ""
    args = _parser(command).parse_args(argv[1:])
    try:
        summary = _run(command, args, json.loads(args.config.read_text()), now)
    except ZoneInfoNotFoundError as error:  # a KeyError too, so caught first
        print(f"{command}: unknown time zone in {args.config}: {error}", file=sys.stderr)
        return 1
    except KeyError as error:
        print(f"{command}: {args.config} lacks the setting {error}", file=sys.stderr)
        return 1
    except (WarehouseError, OSError, ValueError, pymysql.MySQLError) as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    # `python3 -m warehouse.host COMMAND [ARG...]`, as the mariadb role's launcher runs it:
    # COMMAND is the name the launcher was called by (its path will do).
    sys.exit(main(sys.argv[1:]))
