"""`bdp status`: the platform at a glance, from Prometheus: hosts, services, HDFS, Kafka, lake
lag, ETL freshness and firing alerts."""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bdp.errors import BdpError
from bdp.inventory import add_inventory_argument, addresses, listing
from bdp.lab.vault import lab_secret
from bdp.sources import platform_sources
from bdp.status import output
from bdp.status.overview import QUERIES, Overview, build
from bdp.status.prometheus import Prometheus

PORT = 9090
USER = "admin"  # Prometheus's one web user (roles/prometheus)
VAULT_PASSWORD = "vault_prometheus_admin_password"
GROUP = "monitoring"
# Exit codes: everything up and quiet; something down or an alert firing; no overview at all.
OK, NOT_OK, UNKNOWN = 0, 1, 2


def prometheus_url(args: argparse.Namespace, env: dict[str, str], inventory: Path) -> str:
    """--prometheus, else BDP_PROMETHEUS_URL, else http://<the monitoring host>:9090."""
    url = args.prometheus or env.get("BDP_PROMETHEUS_URL")
    if not url:
        url = f"http://{addresses(listing(inventory), GROUP, inventory)[0]}:{PORT}"
    return url.rstrip("/")


def password(args: argparse.Namespace, env: dict[str, str], inventory: Path) -> str:
    """--password-file, else BDP_PROMETHEUS_PASSWORD, else the lab vault's secret."""
    if args.password_file:
        return Path(args.password_file).read_text().strip()
    found = env.get("BDP_PROMETHEUS_PASSWORD") or lab_secret(inventory, VAULT_PASSWORD)
    if not found:
        raise BdpError(
            f"no password for Prometheus's user {USER}: set BDP_PROMETHEUS_PASSWORD "
            "or pass --password-file"
        )
    return found


def platform_settings(inventory: Path) -> tuple[str, list[str]]:
    """The platform time zone (bdp_timezone) and the inventory's hosts."""
    hostvars: dict[str, Any] = listing(inventory).get("_meta", {}).get("hostvars", {})
    zones = {host_vars.get("bdp_timezone") for host_vars in hostvars.values()} - {None}
    if len(zones) != 1:
        raise BdpError(f"inventory {inventory}: expected one bdp_timezone, found {zones or 'none'}")
    return zones.pop(), sorted(hostvars)


def overview(args: argparse.Namespace, env: dict[str, str]) -> Overview:
    inventory = Path(args.inventory)
    timezone, hosts = platform_settings(inventory)
    prometheus = Prometheus(
        prometheus_url(args, env, inventory), USER, password(args, env, inventory)
    )
    answers = {name: prometheus.query(expr) for name, expr in QUERIES.items()}
    return build(
        prometheus.url, timezone, answers, prometheus.alerts(), hosts, list(platform_sources())
    )


def cmd_status(args: argparse.Namespace) -> int:
    try:
        found = overview(args, dict(os.environ))
    except BdpError as exc:  # no overview: not "something is down" (1), but unknown
        print(f"bdp status: error: {exc}", file=sys.stderr)
        return UNKNOWN
    sys.stdout.write(output.as_json(found) if args.json else output.as_text(found))
    return NOT_OK if found.problems else OK


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "status",
        help="the platform at a glance, from Prometheus",
        description="Ask Prometheus (on the inventory's monitoring host, port 9090) for the "
        "platform overview: each host up or down, each scrape job's targets up, HDFS capacity, "
        "DataNodes and blocks, Kafka messages in per topic and its under-replicated and offline "
        "partitions, per source the lake writer's lag and the last day the ETL published "
        "(in the platform time zone) and whether the next one is overdue, and the firing "
        "alerts. A figure Prometheus has no series for shows as 'no data'. "
        "Exit status: 0 every target up and no alert firing, 1 a target down or an alert "
        "firing, 2 no overview (Prometheus unreachable, login refused, inventory unreadable). "
        "Login: user admin, password from --password-file or BDP_PROMETHEUS_PASSWORD; against "
        "the lab, from its vault.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object, null for no data")
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        help="Prometheus's address (default: BDP_PROMETHEUS_URL, else "
        f"http://<first host of group {GROUP}>:{PORT})",
    )
    parser.add_argument("--password-file", help="file holding the password of user admin")
    add_inventory_argument(parser)
    parser.set_defaults(func=cmd_status)
