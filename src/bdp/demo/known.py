"""What the event API simulator served, by construction: the numbers the demo must match."""

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Served:
    items: int  # everything the API served, faults included
    valid: int  # distinct valid events (a duplicate counts once)
    invalid: int  # distinct invalid items (malformed, schema-violating, oversized)
    valid_by_day: dict[str, int]  # distinct valid events by event date


def served(source: str, api_config: dict[str, Any]) -> Served:
    # Imported here so that the simulator loads only for `bdp demo`, not for every bdp command.
    from bdp_collectors.simulator.stream import build_stream, expected

    known = expected(source, api_config)
    return Served(
        items=len(build_stream(source, api_config)),
        valid=len(known.valid),
        invalid=len({item.event_id for item in known.invalid}),
        valid_by_day=dict(sorted(Counter(e.dt for e in known.valid.values()).items())),
    )
