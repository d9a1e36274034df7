"""Ingest benchmark on the lab: collector throughput against Kafka's own producer tool on the
same cluster in the same run, and API -> lake latency through the running lake writer.

1. `kafka-producer-perf-test` sends N records of the collector's average record size with the
   collector's producer settings (acks=all, idempotent, zstd, linger 20 ms): the fastest path
   of the engine.
2. A bench event API (no faults, everything released at once) and one collector run on the
   same broker host; the collector drains N events into a bench topic (`--stop-at-end`).
3. A second bench API releases M game events at R/s for today; a collector sends them to the
   real `game.events`, and the running lake writer lands them. Each event's latency is the
   time from its release by the API to the lake writer's first committed state covering its
   Kafka offset (`<checkpoint>/bdp-state/b<N>.json`).

The bench topics are removed at the end; the latency run's events stay in the lake (a day of
game events, like any other). Run: `.venv/bin/python bench/ingest.py --help`.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

from labhost import REPO, on_host, put_file, report, say

from bdp.ingest.probes import KafkaLogin, hdfs_json, topic_offsets
from bdp_collectors.events import canonical
from bdp_collectors.simulator.stream import build_stream, expected
from bdp_testkit import streamkit
from bdp_testkit.streamkit import ADMIN_PROPERTIES, HOST, WORK

BENCH_TOPICS = {"bench.perf": 6, "bench.events": 6, "bench.dlq": 1}
CHECKPOINT = "/lake/_checkpoints/lake-writer"


def api_config(port: int, seed: int, events: int, rate: float) -> dict[str, Any]:
    return streamkit.api_config(port, seed, events, rate, datetime.now(UTC).date().isoformat())


def run_collector(port: int, seed: int, events: int, rate: float, topic: str, dlq: str) -> float:
    """Start a bench API on `port`, wait for it, run a collector to the stream's end; seconds
    the collector took."""
    for path, content in streamkit.files(
        port, api_config(port, seed, events, rate), topic, dlq
    ).items():
        put_file(HOST, path, content)
    on_host(HOST, streamkit.prepare_command(port))
    output = on_host(HOST, streamkit.run_command(port))
    match = re.search(r"seconds ([\d.]+) rc (\d+)", output)
    if not match or match.group(2) != "0":
        sys.exit(
            f"bench: the collector did not finish cleanly; see {HOST}:{WORK}/collector-{port}.out"
        )
    return float(match.group(1))


def average_record_bytes(seed: int, events: int) -> int:
    config = api_config(0, seed, min(events, 2000), 0)
    known = expected("game", config).valid.values()
    sizes = [len(canonical({**e.event, "event_id": e.event_id}).encode()) for e in known]
    return round(statistics.mean(sizes))


def perf_test(records: int, record_size: int) -> float:
    output = on_host(
        HOST,
        f"kafka-producer-perf-test --topic bench.perf --num-records {records} "
        f"--record-size {record_size} --throughput -1 --producer.config {ADMIN_PROPERTIES} "
        "--producer-props acks=all enable.idempotence=true compression.type=zstd linger.ms=20",
    )
    match = re.findall(r"([\d.]+) records/sec", output)
    if not match:
        sys.exit(f"bench: no result from kafka-producer-perf-test:\n{output[-2000:]}")
    return float(match[-1])


def topics(action: str) -> None:
    for topic, partitions in BENCH_TOPICS.items():
        if action == "create":
            arguments = f"--create --if-not-exists --partitions {partitions} --replication-factor 3"
        else:
            arguments = "--delete --if-exists"
        on_host(
            HOST,
            f"kafka-topics --bootstrap-server $(sed -n 's/^bootstrap.servers=//p' "
            f"{ADMIN_PROPERTIES}) --command-config {ADMIN_PROPERTIES} {arguments} --topic {topic}",
        )


def kafka_positions(auth: dict[str, str], start: dict[int, int]) -> dict[str, tuple[int, int]]:
    """event_id -> (partition, offset) of game.events records from `start` to the end."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({**auth, "group.id": "bench", "enable.auto.commit": False})
    ends = {p: consumer.get_watermark_offsets(TopicPartition("game.events", p))[1] for p in start}
    consumer.assign([TopicPartition("game.events", p, o) for p, o in start.items()])
    found: dict[str, tuple[int, int]] = {}
    remaining = {p for p in start if ends[p] > start[p]}
    while remaining:
        message = consumer.poll(10)
        if message is None:
            sys.exit(f"bench: game.events ended early; partitions {sorted(remaining)} unread")
        if message.error():
            continue
        found.setdefault(
            json.loads(message.value())["event_id"], (message.partition(), message.offset())
        )
        if message.offset() + 1 >= ends[message.partition()]:
            remaining.discard(message.partition())
    consumer.close()
    return found


def commit_times(namenode: str, after_batch: int) -> list[tuple[float, dict[str, int]]]:
    """(commit time, game.events offsets) of every lake writer batch after `after_batch`."""
    from bdp.ingest.probes import hdfs_names

    found = []
    for name in hdfs_names(namenode, f"{CHECKPOINT}/bdp-state"):
        match = re.fullmatch(r"b(\d+)\.json", name)
        if match and int(match.group(1)) > after_batch:
            state = hdfs_json(namenode, f"{CHECKPOINT}/bdp-state/{name}") or {}
            offsets = state["sources"]["game"]["offsets"].get("game.events", {})
            stamp = datetime.fromisoformat(state["updated_at"].replace("Z", "+00:00"))
            found.append((stamp.timestamp(), {k: int(v) for k, v in offsets.items()}))
    return sorted(found)


def lab_endpoints() -> tuple[str, KafkaLogin]:
    """The lab's NameNode URL and its Kafka admin login, found the way `bdp ingest status`
    finds them (the inventory's groups, the lab's vault, the platform CA's copy)."""
    from bdp.inventory import addresses, listing, platform_ca_file
    from bdp.lab.vault import lab_admin_password

    inventory = REPO / "inventories" / "lab"
    resolved = listing(inventory)
    namenode = f"http://{addresses(resolved, 'hdfs_namenode', inventory)[0]}:9870"
    bootstrap = ",".join(f"{address}:9092" for address in addresses(resolved, "kafka", inventory))
    password = lab_admin_password(inventory, "admin", "vault_kafka_admin_password")
    if password is None:
        sys.exit(f"bench: {inventory} is not a lab inventory")
    return namenode, KafkaLogin(bootstrap, "admin", password, str(platform_ca_file(inventory)))


def latency(events: int, rate: float, seed: int) -> list[float]:
    """Seconds from API release to lake commit, one value per event."""
    namenode, login = lab_endpoints()
    before = topic_offsets(login, "game.events")
    last_batch = (hdfs_json(namenode, f"{CHECKPOINT}/bdp-state/latest.json") or {}).get(
        "batch_id", -1
    )
    say(f"latency: {events} game events released at {rate:g}/s into game.events")
    run_collector(8791, seed, events, rate, "game.events", "game.dlq")
    t0 = json.loads(on_host(HOST, f"cat {WORK}/api-8791.state.json"))["t0"]
    positions = kafka_positions(login.settings(), {p: high for p, (_, high) in before.items()})
    ends = {str(p): high for p, (_, high) in topic_offsets(login, "game.events").items()}
    say("latency: waiting for the lake writer to commit them")
    deadline = time.monotonic() + 900
    while True:
        commits = commit_times(namenode, last_batch)
        if commits and all(commits[-1][1].get(p, 0) >= end for p, end in ends.items()):
            break
        if time.monotonic() > deadline:
            sys.exit("bench: the lake writer did not commit the latency events within 900 s")
        time.sleep(5)
    config = api_config(8791, seed, events, rate)
    ids = list(expected("game", config).valid)
    if len(build_stream("game", config)) != len(ids):
        sys.exit("bench: the latency stream has invalid items; it must be fault-free")
    result = []
    for index, event_id in enumerate(ids):
        partition, offset = positions[event_id]
        committed = next(t for t, offsets in commits if offsets.get(str(partition), 0) > offset)
        result.append(committed - (t0 + index / rate))
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events", type=int, default=100000, help="throughput run (default: %(default)s)"
    )
    parser.add_argument("--latency-events", type=int, default=3000, help="default: %(default)s")
    parser.add_argument(
        "--latency-rate", type=float, default=50, help="events/s (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=424242, help="default: %(default)s")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    on_host(HOST, streamkit.WORK_DIR_COMMAND)
    topics("create")
    try:
        size = average_record_bytes(args.seed, args.events)
        say(f"kafka-producer-perf-test: {args.events} records of {size} bytes")
        tool = perf_test(args.events, size)
        say(f"collector: {args.events} events from the bench API into bench.events")
        seconds = run_collector(8790, args.seed, args.events, 0, "bench.events", "bench.dlq")
    finally:
        topics("delete")
    collector = args.events / seconds
    latencies = latency(args.latency_events, args.latency_rate, args.seed + 1)
    results = {
        "record_bytes": size,
        "kafka_producer_perf_test_per_s": round(tool),
        "collector_per_s": round(collector),
        "collector_vs_perf_test": round(collector / tool, 3),
        "api_to_lake_p50_s": round(percentile(latencies, 0.5), 1),
        "api_to_lake_p99_s": round(percentile(latencies, 0.99), 1),
        "latency_events": len(latencies),
    }
    report(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
