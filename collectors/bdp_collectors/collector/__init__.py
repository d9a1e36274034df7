"""The collector: polls one source's event API and produces its events into Kafka."""
