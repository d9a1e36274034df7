"""How a stream spoils a generated event: late, malformed, schema-violating or oversized."""

import json
import random
from typing import Any

from bdp_collectors.simulator.base import Generator
from bdp_collectors.simulator.text import filler


def malformed(rng: random.Random, event: dict[str, Any]) -> str:
    """Payload text that no JSON parser accepts, made from the event's JSON."""
    text = json.dumps(event, ensure_ascii=False)
    variant = rng.randrange(3)
    if variant == 0:
        return text[: rng.randrange(1, len(text) - 1)]  # cut off mid-payload
    if variant == 1:
        return text.replace('"', "'")  # single-quoted strings
    return text[:-1] + ",}"  # trailing comma


def violate(rng: random.Random, event: dict[str, Any], generator: Generator) -> dict[str, Any]:
    """A copy of the event that breaks its schema in one way."""
    broken = dict(event)
    variant = rng.randrange(4)
    if variant == 0:
        del broken[rng.choice(generator.required)]
    elif variant == 1:
        broken[generator.numeric_field] = str(broken[generator.numeric_field])
    elif variant == 2:
        broken["event_time"] = broken["event_time"].replace("T", " ").removesuffix("Z")
    else:
        broken["debug_note"] = "left in by a client build"
    return broken


def oversize(
    rng: random.Random, event: dict[str, Any], generator: Generator, size: int
) -> dict[str, Any]:
    """A copy of the event whose text field makes it larger than `size` bytes of JSON."""
    grown = dict(event)
    grown[generator.text_field] = filler(rng, generator.text_parts, size)
    return grown
