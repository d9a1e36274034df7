#!/usr/bin/python3
"""Delete daily log indices (<prefix>-<service>-YYYY.MM.DD) older than a number of days.

Runs on an OpenSearch host from a daily timer, authenticating with a client certificate.
Standard library only: the opensearch role copies this file to the host as it is.
"""

from __future__ import annotations

import argparse
import json
import re
import ssl
import sys
import urllib.request
from datetime import UTC, date, datetime, timedelta

_DAILY = re.compile(r"^(?P<service>.+)-(?P<day>\d{4}\.\d{2}\.\d{2})$")


def index_day(name: str, prefix: str) -> date | None:
    """The day of a daily log index, or None for any other index name."""
    if not name.startswith(f"{prefix}-"):
        return None
    match = _DAILY.match(name[len(prefix) + 1 :])
    if not match:
        return None
    try:
        return datetime.strptime(match["day"], "%Y.%m.%d").date()
    except ValueError:
        return None


def expired(names: list[str], prefix: str, today: date, days: int) -> list[str]:
    """Daily log indices whose day is more than `days` before `today` (UTC), sorted."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, not {days}")
    oldest_kept = today - timedelta(days=days)
    return sorted(
        name for name in names if (day := index_day(name, prefix)) is not None and day < oldest_kept
    )


def _request(url: str, method: str, context: ssl.SSLContext) -> object:
    with urllib.request.urlopen(
        urllib.request.Request(url, method=method), context=context, timeout=60
    ) as response:
        return json.loads(response.read() or b"null")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="https://host:9200 of the cluster")
    parser.add_argument("--prefix", default="logs", help="index prefix (default: %(default)s)")
    parser.add_argument("--days", type=int, required=True, help="days of indices to keep")
    parser.add_argument("--ca", required=True, help="CA certificate of the cluster")
    parser.add_argument("--cert", required=True, help="client certificate")
    parser.add_argument("--key", required=True, help="client key")
    parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error(f"--days must be at least 1, not {args.days}")
    context = ssl.create_default_context(cafile=args.ca)
    context.load_cert_chain(args.cert, args.key)
    listed = _request(
        f"{args.url}/_cat/indices/{args.prefix}-*?format=json&h=index", "GET", context
    )
    names = [row["index"] for row in listed]  # type: ignore[union-attr]
    doomed = expired(names, args.prefix, datetime.now(UTC).date(), args.days)
    for name in [] if args.dry_run else doomed:
        _request(f"{args.url}/{name}", "DELETE", context)
    print(json.dumps({"indices": len(names), "deleted": doomed, "dry_run": args.dry_run}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
