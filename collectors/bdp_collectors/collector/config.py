"""Configuration of a collector process (JSON file, see collectors/README.md)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bdp_collectors.collector.client import DEFAULT_MAX_RESPONSE_BYTES
from bdp_collectors.configfile import ConfigError, get, get_int, get_number

# A collector takes any source that has a schema: at start it loads schema_file and refuses one
# of another source (collector/__main__.py). Here only the name's form is checked, the form
# the registry of sources allows (it names topics, files and units).
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float = 0.5
    max_s: float = 30.0
    multiplier: float = 2.0


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap: str
    user: str | None
    password_env: str | None
    mechanism: str
    topic: str
    dlq_topic: str
    compression: str
    linger_ms: int
    security_protocol: str
    ca_file: str | None  # CA that signs the brokers' certificates; None: the system's CAs
    delivery_timeout_ms: int


@dataclass(frozen=True)
class CollectorConfig:
    source: str
    endpoint: str
    auth_header: str
    auth_env: str | None
    page_size: int
    poll_interval_s: float
    max_rate_per_s: float
    retry: RetryPolicy
    cursor_file: str
    schema_file: str
    max_event_bytes: int
    max_future_skew_s: float
    http_timeout_s: float  # the whole request: connect, headers and body
    max_response_bytes: int
    max_stalled_pages: int
    max_empty_pages: int
    kafka: KafkaConfig
    status_bind: str
    status_port: int


def _retry(data: Mapping[str, Any], where: str) -> RetryPolicy:
    raw = get(data, "retry", dict, where, {})
    where = f"{where} retry"
    policy = RetryPolicy(
        initial_s=get_number(raw, "initial_s", where, 0.0, 0.5),
        max_s=get_number(raw, "max_s", where, 0.0, 30.0),
        multiplier=get_number(raw, "multiplier", where, 1.0, 2.0),
    )
    if policy.max_s < policy.initial_s:
        raise ConfigError(f"{where}: 'max_s' must be >= 'initial_s'")
    return policy


def _kafka(data: Mapping[str, Any], source: str, where: str) -> KafkaConfig:
    raw = get(data, "kafka", dict, where)
    where = f"{where} kafka"
    user = get(raw, "user", (str, type(None)), where, None)
    password_env = get(raw, "password_env", (str, type(None)), where, None)
    if user and not password_env:
        raise ConfigError(f"{where}: 'password_env' is required with 'user'")
    # A user means the platform's brokers: SCRAM over TLS.
    default_protocol = "SASL_SSL" if user else "PLAINTEXT"
    return KafkaConfig(
        bootstrap=get(raw, "bootstrap", str, where),
        user=user,
        password_env=password_env,
        mechanism=get(raw, "mechanism", str, where, "SCRAM-SHA-512"),
        topic=get(raw, "topic", str, where, f"{source}.events"),
        dlq_topic=get(raw, "dlq_topic", str, where, f"{source}.dlq"),
        compression=get(raw, "compression", str, where, "zstd"),
        linger_ms=get_int(raw, "linger_ms", where, 0, 20),
        security_protocol=get(raw, "security_protocol", str, where, default_protocol),
        ca_file=get(raw, "ca_file", (str, type(None)), where, None),
        delivery_timeout_ms=get_int(raw, "delivery_timeout_ms", where, 1000, 30_000),
    )


def parse_collector_config(
    data: Mapping[str, Any], where: str = "collector config"
) -> CollectorConfig:
    """A CollectorConfig from the parsed JSON; ConfigError naming `where` and the key if invalid."""
    source = get(data, "source", str, where)
    if not SOURCE_NAME.match(source):
        raise ConfigError(
            f"{where}: 'source' must be a source name (a lowercase letter, then lowercase "
            f"letters, digits or _), got {source!r}"
        )
    endpoint = get(data, "endpoint", str, where)
    if not endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: 'endpoint' must be an http(s) URL, got {endpoint!r}")
    status = get(data, "status", dict, where, {})
    port = get_int(status, "port", f"{where} status", 0, 0)
    if port > 65535:
        raise ConfigError(f"{where} status: 'port' must be <= 65535, got {port}")
    max_event_bytes = get_int(data, "max_event_bytes", where, 1, 65536)
    max_response_bytes = get_int(data, "max_response_bytes", where, 1, DEFAULT_MAX_RESPONSE_BYTES)
    if max_response_bytes < 2 * max_event_bytes:
        # A page of one event of the largest accepted size must fit, or it is never collected.
        raise ConfigError(
            f"{where}: 'max_response_bytes' must be >= 2 * 'max_event_bytes' "
            f"({2 * max_event_bytes}), got {max_response_bytes}"
        )
    return CollectorConfig(
        source=source,
        endpoint=endpoint,
        auth_header=get(data, "auth_header", str, where, "Authorization"),
        auth_env=get(data, "auth_env", (str, type(None)), where, None),
        page_size=get_int(data, "page_size", where, 1, 500),
        poll_interval_s=get_number(data, "poll_interval_s", where, 0.0, 1.0),
        max_rate_per_s=get_number(data, "max_rate_per_s", where, 0.0, 0.0),
        retry=_retry(data, where),
        cursor_file=get(data, "cursor_file", str, where),
        schema_file=get(data, "schema_file", str, where),
        max_event_bytes=max_event_bytes,
        max_future_skew_s=get_number(data, "max_future_skew_s", where, 0.0, 300.0),
        http_timeout_s=get_number(data, "http_timeout_s", where, 0.1, 10.0),
        max_response_bytes=max_response_bytes,
        max_stalled_pages=get_int(data, "max_stalled_pages", where, 0, 3),
        max_empty_pages=get_int(data, "max_empty_pages", where, 0, 3),
        kafka=_kafka(data, source, where),
        status_bind=get(status, "bind", str, f"{where} status", "127.0.0.1"),
        status_port=port,
    )
