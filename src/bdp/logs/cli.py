"""`bdp logs search`: find log records by service, host, level, time range and text, count
them per service (`--stats`) or keep printing new ones as they arrive (`--follow`)."""

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bdp.errors import BdpError
from bdp.inventory import add_inventory_argument, addresses, listing, platform_ca_file
from bdp.lab.vault import lab_secret
from bdp.logs import output
from bdp.logs.query import (
    FOLLOW_PAGE,
    LEVELS,
    Follow,
    Search,
    check_follow_interval,
    levels_from,
    parse_time,
)

PORT = 9200
# The lab vault's variable holding each OpenSearch user's password (roles/opensearch).
VAULT_PASSWORDS = {
    "admin": "vault_opensearch_admin_password",
    "log_reader": "vault_opensearch_log_reader_password",
}

# One search request: (index pattern, request body) -> OpenSearch's answer.
Fetch = Callable[[str, dict[str, Any]], dict[str, Any]]
# How a list of records is shown: table lines or JSON lines.
Show = Callable[[list[dict[str, Any]]], str]


@dataclass(frozen=True)
class Endpoint:
    url: str
    user: str
    password: str
    ca_file: str | None


def coordinator_url(inventory: Path) -> str:
    """https://<first opensearch_coordinator host>:9200, from the inventory."""
    return f"https://{addresses(listing(inventory), 'opensearch_coordinator', inventory)[0]}:{PORT}"


def lab_password(inventory: Path, user: str) -> str | None:
    """The password of OpenSearch `user` from a lab inventory's vault; None elsewhere."""
    name = VAULT_PASSWORDS.get(user)
    return lab_secret(inventory, name) if name else None


def endpoint(args: argparse.Namespace, env: dict[str, str]) -> Endpoint:
    """Where and as whom to search; against the lab, its own password and CA copy."""
    inventory = Path(args.inventory)
    url = args.url or env.get("BDP_OPENSEARCH_URL") or coordinator_url(inventory)
    password = env.get("BDP_OPENSEARCH_PASSWORD")
    if args.password_file:
        password = Path(args.password_file).read_text().strip()
    if not password:
        password = lab_password(inventory, args.user)
    if not password:
        raise BdpError(
            "no OpenSearch password: set BDP_OPENSEARCH_PASSWORD or pass --password-file"
        )
    ca_file = args.ca_file or env.get("BDP_OPENSEARCH_CA")
    if not ca_file and url.startswith("https:"):
        ca_file = str(platform_ca_file(inventory))
    return Endpoint(url, args.user, password, ca_file)


def connect(where: Endpoint) -> Fetch:
    """A client for `where` (made once, reused by every poll of --follow)."""
    from opensearchpy import OpenSearch, exceptions  # slow to import: only this command needs it

    client = OpenSearch(
        [where.url],
        http_auth=(where.user, where.password),
        use_ssl=where.url.startswith("https"),
        verify_certs=True,
        ca_certs=where.ca_file,
        timeout=30,
    )

    def fetch(index: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return client.search(index=index, body=body, params={"ignore_unavailable": "true"})
        except exceptions.AuthenticationException:
            raise BdpError(
                f"OpenSearch at {where.url} refused the credentials of user {where.user}"
            ) from None
        except exceptions.AuthorizationException as exc:
            raise BdpError(f"user {where.user} may not search {index}: {exc.error}") from None
        except exceptions.ConnectionError as exc:
            raise BdpError(f"OpenSearch at {where.url} is unreachable: {exc.info}") from None
        except exceptions.RequestError as exc:
            raise BdpError(f"OpenSearch rejected the query: {exc.info}") from None

    return fetch


def check_options(args: argparse.Namespace) -> None:
    """Refuse option combinations that make no sense, naming the options."""
    if args.follow and args.stats:
        raise BdpError(
            "--follow and --stats cannot be used together: --stats counts once, "
            "--follow keeps printing records"
        )
    if args.follow and args.until:
        raise BdpError("--until cannot be used with --follow, which runs until Ctrl-C")
    check_follow_interval(args.interval)


def search_from(args: argparse.Namespace, now: datetime) -> Search:
    return Search(
        since=parse_time(args.since, "--since", now),
        until=parse_time(args.until, "--until", now) if args.until else now,
        text=" ".join(args.text),
        services=args.service,
        hosts=args.host,
        levels=levels_from(args.level),
        limit=args.limit,
    )


def write(text: str) -> None:
    """Print now, even into a pipe: --follow output must not wait in a buffer."""
    sys.stdout.write(text)
    sys.stdout.flush()


def shower(json_lines: bool) -> Show:
    return output.as_json if json_lines else output.TableStream().lines


def sources(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in hits]


def poll(fetch: Fetch, search: Search, state: Follow, show: Show, now: datetime) -> None:
    """Print every match not printed yet up to `now`, asking again while pages come back full."""
    while True:
        hits = output.hits(fetch(search.index(), state.body(search, now)))
        fresh = state.take(hits)
        write(show(sources(fresh)))
        if len(hits) < state.page or not fresh:  # a last page, or one that got nowhere
            return


def follow(
    fetch: Fetch,
    search: Search,
    show: Show,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    page: int = FOLLOW_PAGE,
) -> None:
    """The latest matches oldest first, then new ones every `interval` seconds, until Ctrl-C."""
    first = output.hits(fetch(search.index(), search.body()))
    state = Follow.after(search, first, page)
    if not first:
        print("no matching log records yet; waiting for new ones (Ctrl-C stops)", file=sys.stderr)
    write(show(sources(first[::-1])))
    while True:
        sleep(interval)
        poll(fetch, search, state, show, clock())


def cmd_search(args: argparse.Namespace) -> int:
    check_options(args)
    search = search_from(args, datetime.now(UTC))
    fetch = connect(endpoint(args, dict(os.environ)))
    if args.stats:
        counts = output.stats(fetch(search.index(), search.stats_body()))
        write(output.stats_as_json(counts) if args.json else output.stats_as_table(counts))
    elif args.follow:
        try:
            follow(fetch, search, shower(args.json), args.interval)
        except KeyboardInterrupt:
            return 0
    else:
        found = output.records(fetch(search.index(), search.body()))
        write(output.as_json(found) if args.json else output.as_table(found))
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("logs", help="search the platform's logs in OpenSearch")
    commands = parser.add_subparsers(dest="logs_command", required=True, metavar="COMMAND")
    search = commands.add_parser(
        "search",
        help="find log records, newest first; count them per service; follow new ones",
        description="Search the platform's log records (indices logs-<service>-YYYY.MM.DD), "
        "newest first; --stats counts them per service instead, --follow prints the latest "
        "oldest first and then new ones as they arrive until Ctrl-C. "
        "Connection: --url or BDP_OPENSEARCH_URL (default: the inventory's coordinating "
        "node), BDP_OPENSEARCH_PASSWORD or --password-file, BDP_OPENSEARCH_CA or --ca-file "
        "(default: the platform CA certificate the deploy keeps in build/pki/<inventory>/); "
        "against the lab, the password of admin or log_reader comes from its vault.",
    )
    search.add_argument("text", nargs="*", help="words that must all appear in the message")
    search.add_argument("--service", action="append", default=[], help="repeatable")
    search.add_argument("--host", action="append", default=[], help="repeatable")
    search.add_argument("--level", help=f"this level and above: {', '.join(LEVELS)}")
    search.add_argument("--since", default="24h", help="15m, 2h, 7d or ISO-8601 (default: 24h)")
    search.add_argument("--until", help="15m, 2h, 7d or ISO-8601 (default: now)")
    search.add_argument("--limit", type=int, default=50, help="default: %(default)s")
    search.add_argument(
        "--json",
        action="store_true",
        help="one JSON record per line; with --stats one JSON object "
        '{"total": N, "services": {"kafka": n, ...}}',
    )
    search.add_argument(
        "--stats",
        action="store_true",
        help="instead of records, count the matches per service and in total",
    )
    search.add_argument(
        "--follow",
        action="store_true",
        help="after the latest matches (oldest first), keep printing new ones as they "
        "arrive, in time order, until Ctrl-C; not with --stats or --until",
    )
    search.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="with --follow, seconds between two looks for new records (default: %(default)g)",
    )
    search.add_argument("--url", help="https://host:9200 of a coordinating node")
    search.add_argument(
        "--user",
        default="log_reader",
        help="OpenSearch user (default: %(default)s, which may only read logs-* indices)",
    )
    search.add_argument("--password-file", help="file holding the user's password")
    search.add_argument("--ca-file", help="CA certificate that signed OpenSearch's certificate")
    add_inventory_argument(search)
    search.set_defaults(func=cmd_search)
