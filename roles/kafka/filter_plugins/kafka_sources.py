"""The Kafka topics of the platform's event sources, derived from the list of sources.

The role's defaults declare the topics of every source through this filter, so a source added
to the registry gets its topics without anyone writing their names.
"""

from collections.abc import Mapping, Sequence
from typing import Any


def kafka_source_topics(
    sources: Sequence[str], settings: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """A topic `<source>.<suffix>` for each source and each `suffix: settings` entry, source
    by source in the sources' order, entries in their order, each with its settings
    (partitions, replication_factor, config)."""
    return [
        {"name": f"{source}.{suffix}", **topic}
        for source in sources
        for suffix, topic in settings.items()
    ]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"kafka_source_topics": kafka_source_topics}
