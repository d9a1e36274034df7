"""Where records go: the Sink protocol and its Kafka implementation (confluent-kafka)."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka import KafkaException

from bdp_collectors.collector.config import KafkaConfig
from bdp_collectors.collector.records import Record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    record: Record
    error: str


class Sink(Protocol):
    def send(self, records: Sequence[Record]) -> list[Failure]:
        """Deliver the records; return those not confirmed delivered, with why."""
        ...


def producer_settings(config: KafkaConfig, source: str, password: str | None) -> dict[str, Any]:
    """librdkafka settings of the collector's producer (the password is never logged)."""
    settings: dict[str, Any] = {
        "bootstrap.servers": config.bootstrap,
        "client.id": f"bdp-collector-{source}",
        "acks": "all",
        "enable.idempotence": True,
        "compression.type": config.compression,
        "linger.ms": config.linger_ms,
        # Bounds how long a record may stay undelivered, so every send() ends with a verdict.
        "message.timeout.ms": config.delivery_timeout_ms,
        "security.protocol": config.security_protocol,
    }
    if config.ca_file:
        settings["ssl.ca.location"] = config.ca_file
    if config.user:
        settings |= {
            "sasl.mechanism": config.mechanism,
            "sasl.username": config.user,
            "sasl.password": password or "",
        }
    return settings


class KafkaSink:
    def __init__(self, config: KafkaConfig, source: str, password: str | None) -> None:
        from confluent_kafka import Producer

        settings = producer_settings(config, source, password)
        # Client errors come through error_cb (deduplicated); librdkafka's own log lines would
        # repeat them on stderr several times a second while a broker is down.
        settings |= {"error_cb": self._on_error, "logger": log, "log_level": 2}
        self.producer = Producer(settings)
        self.flush_s = config.delivery_timeout_ms / 1000 + 5
        self._last_error: str | None = None

    def _on_error(self, error: Any) -> None:
        text = str(error)
        level = logging.DEBUG if text == self._last_error else logging.WARNING
        self._last_error = text
        log.log(level, "kafka client error: %s", text, extra={"context": {"kafka_error": text}})

    def send(self, records: Sequence[Record]) -> list[Failure]:
        failures: list[Failure] = []

        def delivered(record: Record) -> Any:
            def callback(error: Any, message: Any) -> None:
                if error is not None:
                    failures.append(Failure(record, str(error)))

            return callback

        for record in records:
            while True:
                try:
                    self.producer.produce(
                        record.topic, record.value, record.key, on_delivery=delivered(record)
                    )
                    break
                except BufferError:
                    self.producer.poll(0.5)  # local queue full: let deliveries drain it
                except KafkaException as error:  # refused before queueing, e.g. too large
                    failures.append(Failure(record, str(error)))
                    break
            self.producer.poll(0)
        while self.producer.flush(self.flush_s) > 0:
            log.warning("kafka: records still undelivered after %.0f s, waiting", self.flush_s)
        return failures

    def close(self) -> None:
        self.producer.flush(self.flush_s)
