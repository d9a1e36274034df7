"""Free text for the streams: sentences assembled from word lists (no corpus needed)."""

import random
from collections.abc import Sequence


def sentence(rng: random.Random, parts: Sequence[Sequence[str]]) -> str:
    """One choice from each part, joined by spaces, capitalised, with a full stop."""
    text = " ".join(rng.choice(part) for part in parts)
    return text[:1].upper() + text[1:] + "."


def filler(rng: random.Random, parts: Sequence[Sequence[str]], length: int) -> str:
    """Sentences joined until the text is at least `length` characters long."""
    chunks: list[str] = []
    size = 0
    while size < length:
        chunks.append(sentence(rng, parts))
        size += len(chunks[-1]) + 1
    return " ".join(chunks)
