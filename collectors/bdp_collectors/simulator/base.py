"""What every source generator offers the stream assembly."""

import random
from collections.abc import Sequence
from typing import Any, Protocol


class Generator(Protocol):
    """A stateful generator of one source's events, driven by the stream's RNG."""

    # The free-text field that oversized events inflate.
    text_field: str
    # Word lists for that field's text.
    text_parts: Sequence[Sequence[str]]
    # Required fields that schema violations may drop, and a numeric one they may retype.
    required: Sequence[str]
    numeric_field: str

    def event(self, rng: random.Random, ms: int) -> dict[str, Any]:
        """The next event, happening at epoch millisecond `ms`."""
        ...
