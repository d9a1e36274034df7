"""`bdp ingest`: the state of event ingestion, API to Kafka to lake."""

from bdp.ingest.cli import register

__all__ = ["register"]
