"""The `bdp` command: one entry point whose sub-commands live in their own packages."""

import argparse
import sys

from bdp import demo, deploy, etl, ingest, lab, logs, mirror, status
from bdp.errors import BdpError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bdp",
        description=(
            "Operate the big-data platform: deploy, demo, ingestion, daily ETL, lab, logs,"
            " artifact mirror."
        ),
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    deploy.register(subparsers)
    demo.register(subparsers)
    ingest.register(subparsers)
    etl.register(subparsers)
    lab.register(subparsers)
    logs.register(subparsers)
    mirror.register(subparsers)
    status.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BdpError as exc:
        print(f"bdp {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
