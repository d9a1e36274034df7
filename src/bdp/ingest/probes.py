"""Ask each stage of ingestion for its state: collectors, Kafka, the lake writer's HDFS file."""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from bdp.errors import BdpError
from bdp.hadoop_web import HadoopEndpoint
from bdp.ingest.status import Offsets

TIMEOUT_S = 5
QUIET = logging.getLogger("bdp.ingest.librdkafka")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def collector_statuses(hosts: list[str], ports: list[int]) -> dict[str, dict[str, Any]]:
    """Every collector's /status, by source. Each host runs some sources, each source has its
    own port; ports where nothing listens are skipped."""
    found: dict[str, dict[str, Any]] = {}
    for host in hosts:
        for port in ports:
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/status", timeout=TIMEOUT_S) as r:
                    status = json.load(r)
            except (OSError, ValueError):
                continue
            found[str(status.get("source"))] = status
    return found


@dataclass(frozen=True)
class KafkaLogin:
    """A SCRAM user of the platform's brokers, reached over TLS verified with the platform CA."""

    bootstrap: str
    user: str
    password: str
    ca_file: str

    def settings(self) -> dict[str, str]:
        """librdkafka settings of this login."""
        return {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": "SASL_SSL",
            "ssl.ca.location": self.ca_file,
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": self.user,
            "sasl.password": self.password,
        }


def topic_offsets(login: KafkaLogin, topic: str) -> Offsets:
    """(low, high) watermark of each partition of `topic`."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    consumer = Consumer(
        {
            **login.settings(),
            "group.id": "bdp-ingest-status",  # never joins: watermarks need no group
            # librdkafka's own log lines (e.g. a connection closed at exit) stay off the table.
            "logger": QUIET,
        }
    )
    try:
        metadata = consumer.list_topics(topic, timeout=TIMEOUT_S * 2)
        partitions = metadata.topics[topic].partitions
        if metadata.topics[topic].error or not partitions:
            raise BdpError(f"Kafka at {login.bootstrap} has no topic {topic}")
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT_S)
            for p in sorted(partitions)
        }
    except KafkaException as exc:
        raise BdpError(f"Kafka at {login.bootstrap} did not answer for {topic}: {exc}") from None
    finally:
        consumer.close()


def hdfs_json(namenode: HadoopEndpoint, path: str) -> dict[str, Any] | None:
    """A small JSON file read through WebHDFS; None if it does not exist (yet)."""
    return _webhdfs(namenode, path, "OPEN")


def hdfs_names(namenode: HadoopEndpoint, path: str) -> list[str]:
    """The names in an HDFS directory; empty if it does not exist."""
    listing = _webhdfs(namenode, path, "LISTSTATUS") or {}
    return [entry["pathSuffix"] for entry in listing.get("FileStatuses", {}).get("FileStatus", [])]


def _webhdfs(namenode: HadoopEndpoint, path: str, operation: str) -> dict[str, Any] | None:
    return namenode.get_json(f"/webhdfs/v1{path}", {"op": operation}, user="spark")


def topic_event_ids(login: KafkaLogin, topic: str) -> set[str]:
    """The distinct `event_id`s of a topic of JSON records, read from the start to its end."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    offsets = topic_offsets(login, topic)
    ends = {p: high for p, (low, high) in offsets.items() if high > low}
    consumer = Consumer(
        {
            **login.settings(),
            "group.id": "bdp-ingest-status",  # assigned partitions: the group is never joined
            "enable.auto.commit": False,
            "logger": QUIET,
        }
    )
    ids: set[str] = set()
    try:
        consumer.assign([TopicPartition(topic, p, offsets[p][0]) for p in ends])
        remaining = set(ends)
        while remaining:
            message = consumer.poll(TIMEOUT_S * 2)
            if message is None:
                raise BdpError(
                    f"Kafka at {login.bootstrap} stopped answering while reading {topic}"
                )
            if message.error():
                raise BdpError(f"reading {topic}: {message.error()}")
            ids.add(str(json.loads(message.value()).get("event_id")))
            if message.offset() + 1 >= ends[message.partition()]:
                remaining.discard(message.partition())
    except KafkaException as exc:
        raise BdpError(f"Kafka at {login.bootstrap} did not answer for {topic}: {exc}") from None
    finally:
        consumer.close()
    return ids


def hdfs_summary(namenode: HadoopEndpoint, path: str) -> dict[str, int]:
    """Files, directories and bytes under an HDFS path; zeros if it does not exist."""
    summary = (_webhdfs(namenode, path, "GETCONTENTSUMMARY") or {}).get("ContentSummary", {})
    return {
        "files": int(summary.get("fileCount", 0)),
        "directories": int(summary.get("directoryCount", 0)),
        "bytes": int(summary.get("length", 0)),
    }
