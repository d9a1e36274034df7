"""Options of Spark's Kafka source for the lake writer (pure)."""

from __future__ import annotations

# The Kafka ACLs let the lake writer's user use only consumer groups with this prefix.
GROUP_PREFIX = "lake-writer"


def jaas_config(user: str, password: str) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return (
        "org.apache.kafka.common.security.scram.ScramLoginModule required"
        f" username={quoted(user)} password={quoted(password)};"
    )


def source_options(
    *,
    bootstrap: str,
    topics: list[str],
    user: str,
    password: str,
    mechanism: str,
    ca_file: str,
    starting_offsets: str,
    max_offsets_per_trigger: int,
) -> dict[str, str]:
    return {
        "kafka.bootstrap.servers": bootstrap,
        "subscribe": ",".join(topics),
        "startingOffsets": starting_offsets,
        # A gap in the offsets (retention ran first) must stop the writer, not skip events.
        "failOnDataLoss": "true",
        "maxOffsetsPerTrigger": str(max_offsets_per_trigger),
        "groupIdPrefix": GROUP_PREFIX,
        # SCRAM over TLS; the brokers' certificates are verified with the CA at ca_file (PEM),
        # which must exist at that path on every host that runs an executor.
        "kafka.security.protocol": "SASL_SSL",
        "kafka.ssl.truststore.type": "PEM",
        "kafka.ssl.truststore.location": ca_file,
        "kafka.sasl.mechanism": mechanism,
        "kafka.sasl.jaas.config": jaas_config(user, password),
    }
