"""Free text for the streams: sentences assembled from word lists (no corpus needed)."""

import random
from collections.abc import Sequence


def sentence(rng: random.Random, parts: Sequence[Sequence[str]]) -> str:
    """One choice from each part, joined by spaces, capitalised, with a full stop."""
    text = " ".join(rng.choice(part) for part in parts)
    return text[:1].upper() + text[1:] + "."


def filler(rng: random.Random, parts: Sequence[Sequence[str]], length: int) -> str:
    """At least `length` characters: a few sentences, repeated (drawing each would be slow)."""
    block = " ".join(sentence(rng, parts) for _ in range(8)) + " "
    return block * (length // len(block) + 1)
