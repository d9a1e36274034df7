"""`bdp logs search`: find log records by service, host, level, time range and text."""

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bdp.errors import BdpError
from bdp.inventory import add_inventory_argument, addresses, listing
from bdp.lab.topology import is_lab_inventory
from bdp.lab.vault import lab_admin_password
from bdp.logs import output
from bdp.logs.query import LEVELS, Search, levels_from, parse_time
from bdp.paths import repo_root

PORT = 9200


@dataclass(frozen=True)
class Endpoint:
    url: str
    user: str
    password: str
    ca_file: str | None


def coordinator_url(inventory: Path) -> str:
    """https://<first opensearch_coordinator host>:9200, from the inventory."""
    return f"https://{addresses(listing(inventory), 'opensearch_coordinator', inventory)[0]}:{PORT}"


def endpoint(args: argparse.Namespace, env: dict[str, str]) -> Endpoint:
    """Where and as whom to search; against the lab, its own password and CA copy."""
    inventory = Path(args.inventory)
    url = args.url or env.get("BDP_OPENSEARCH_URL") or coordinator_url(inventory)
    password = env.get("BDP_OPENSEARCH_PASSWORD")
    if args.password_file:
        password = Path(args.password_file).read_text().strip()
    if not password:
        password = lab_admin_password(inventory, args.user, "vault_opensearch_admin_password")
    if not password:
        raise BdpError(
            "no OpenSearch password: set BDP_OPENSEARCH_PASSWORD or pass --password-file"
        )
    ca_file = args.ca_file or env.get("BDP_OPENSEARCH_CA")
    lab_ca = repo_root() / "build" / "pki" / inventory.resolve().name / "opensearch-ca.crt"
    if not ca_file and is_lab_inventory(inventory) and lab_ca.exists():
        ca_file = str(lab_ca)
    return Endpoint(url, args.user, password, ca_file)


def run_search(where: Endpoint, search: Search) -> dict:
    from opensearchpy import OpenSearch, exceptions  # slow to import: only this command needs it

    client = OpenSearch(
        [where.url],
        http_auth=(where.user, where.password),
        use_ssl=where.url.startswith("https"),
        verify_certs=True,
        ca_certs=where.ca_file,
        timeout=30,
    )
    try:
        return client.search(
            index=search.index(), body=search.body(), params={"ignore_unavailable": "true"}
        )
    except exceptions.AuthenticationException:
        raise BdpError(
            f"OpenSearch at {where.url} refused the credentials of user {where.user}"
        ) from None
    except exceptions.AuthorizationException as exc:
        raise BdpError(f"user {where.user} may not search {search.index()}: {exc.error}") from None
    except exceptions.ConnectionError as exc:
        raise BdpError(f"OpenSearch at {where.url} is unreachable: {exc.info}") from None
    except exceptions.RequestError as exc:
        raise BdpError(f"OpenSearch rejected the query: {exc.info}") from None


def cmd_search(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    search = Search(
        since=parse_time(args.since, "--since", now),
        until=parse_time(args.until, "--until", now) if args.until else now,
        text=" ".join(args.text),
        services=args.service,
        hosts=args.host,
        levels=levels_from(args.level),
        limit=args.limit,
    )
    found = output.records(run_search(endpoint(args, dict(os.environ)), search))
    sys.stdout.write(output.as_json(found) if args.json else output.as_table(found))
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("logs", help="search the platform's logs in OpenSearch")
    commands = parser.add_subparsers(dest="logs_command", required=True, metavar="COMMAND")
    search = commands.add_parser(
        "search",
        help="find log records, newest first",
        description="Search the platform's log records (indices logs-<service>-YYYY.MM.DD). "
        "Connection: --url or BDP_OPENSEARCH_URL (default: the inventory's coordinating "
        "node), BDP_OPENSEARCH_PASSWORD or --password-file, BDP_OPENSEARCH_CA or --ca-file.",
    )
    search.add_argument("text", nargs="*", help="words that must all appear in the message")
    search.add_argument("--service", action="append", default=[], help="repeatable")
    search.add_argument("--host", action="append", default=[], help="repeatable")
    search.add_argument("--level", help=f"this level and above: {', '.join(LEVELS)}")
    search.add_argument("--since", default="24h", help="15m, 2h, 7d or ISO-8601 (default: 24h)")
    search.add_argument("--until", help="15m, 2h, 7d or ISO-8601 (default: now)")
    search.add_argument("--limit", type=int, default=50, help="default: %(default)s")
    search.add_argument("--json", action="store_true", help="one JSON record per line")
    search.add_argument("--url", help="https://host:9200 of a coordinating node")
    search.add_argument("--user", default="admin", help="default: %(default)s")
    search.add_argument("--password-file", help="file holding the user's password")
    search.add_argument("--ca-file", help="CA certificate that signed OpenSearch's certificate")
    add_inventory_argument(search)
    search.set_defaults(func=cmd_search)
