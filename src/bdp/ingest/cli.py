"""`bdp ingest status`: per source, API cursor, Kafka counts, lake lag, latest complete day."""

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from bdp import hadoop_web
from bdp.errors import BdpError
from bdp.ingest import probes
from bdp.ingest.status import SourceStatus, as_table, summarise
from bdp.inventory import add_inventory_argument, addresses, listing, platform_ca_file
from bdp.lab.vault import lab_admin_password
from bdp.sources import platform_sources


def kafka_password(args: argparse.Namespace, inventory: Path) -> str:
    password = os.environ.get("BDP_KAFKA_PASSWORD", "")
    if not password:
        password = lab_admin_password(inventory, args.kafka_user, "vault_kafka_admin_password")
    if not password:
        raise BdpError(f"no Kafka password for {args.kafka_user}: set BDP_KAFKA_PASSWORD")
    return password


def kafka_login(args: argparse.Namespace, inventory: Path) -> probes.KafkaLogin:
    """How the command reaches the inventory's brokers: as args.kafka_user, over TLS."""
    resolved = listing(inventory)
    return probes.KafkaLogin(
        bootstrap=",".join(
            f"{a}:{args.kafka_port}" for a in addresses(resolved, "kafka", inventory)
        ),
        user=args.kafka_user,
        password=kafka_password(args, inventory),
        ca_file=str(platform_ca_file(inventory)),
    )


def gather(args: argparse.Namespace) -> list[SourceStatus]:
    inventory = Path(args.inventory)
    resolved = listing(inventory)
    # By default every registered source, in the registry's (the collectors' placement) order.
    sources = [s for s in (args.sources or ",".join(platform_sources())).split(",") if s]
    login = kafka_login(args, inventory)
    namenode = hadoop_web.endpoint(inventory, "namenode")
    ports = list(range(args.status_port_base, args.status_port_base + len(sources)))
    collectors = probes.collector_statuses(addresses(resolved, "collectors", inventory), ports)
    lake_state = probes.hdfs_json(namenode, f"{args.checkpoint}/bdp-state/latest.json")
    return [
        summarise(
            source,
            collectors.get(source),
            probes.topic_offsets(login, f"{source}.events"),
            probes.topic_offsets(login, f"{source}.dlq"),
            lake_state,
        )
        for source in sources
    ]


def cmd_status(args: argparse.Namespace) -> int:
    rows = gather(args)
    if args.json:
        sys.stdout.write("".join(json.dumps(asdict(row)) + "\n" for row in rows))
    else:
        sys.stdout.write(as_table(rows))
    return 0


def add_status_arguments(parser: argparse.ArgumentParser) -> None:
    """Where `gather` looks; `bdp demo` reuses them to wait for ingestion."""
    parser.add_argument(
        "--sources",
        help="comma-separated (default: every source of the registry, schemas/events)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per source")
    parser.add_argument("--kafka-user", default="admin", help="default: %(default)s")
    parser.add_argument("--kafka-port", type=int, default=9092, help="default: %(default)s")
    parser.add_argument(
        "--status-port-base",
        type=int,
        default=8711,
        help="first collector status port (collectors_status_port_base; default: %(default)s)",
    )
    parser.add_argument(
        "--checkpoint",
        default="/lake/_checkpoints/lake-writer",
        help="lake writer checkpoint in HDFS (default: %(default)s)",
    )
    add_inventory_argument(parser)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("ingest", help="state of event ingestion (API, Kafka, lake)")
    commands = parser.add_subparsers(dest="ingest_command", required=True, metavar="COMMAND")
    status = commands.add_parser(
        "status",
        help="per source: API cursor, produced, rejected, lake lag, latest complete day",
        description="Ask every collector for its cursor, Kafka for the events and dead-letter "
        "topics' sizes, and the lake writer's state in HDFS for its offsets and complete days. "
        "Kafka login: --kafka-user and BDP_KAFKA_PASSWORD (the lab's admin password is read "
        "from its vault).",
    )
    add_status_arguments(status)
    status.set_defaults(func=cmd_status)
