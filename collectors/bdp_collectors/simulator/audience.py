"""Accounts with a fixed gender and age band, shared by the lodging and ads audiences."""

import random
from dataclasses import dataclass

AGE_BANDS = ("10s", "20s", "30s", "40s", "50s", "60s+")
AGE_WEIGHTS = (8, 30, 27, 18, 11, 6)


@dataclass(frozen=True)
class Person:
    account: str
    gender: str
    age_band: str


def audience(rng: random.Random, prefix: str, size: int) -> list[Person]:
    """`size` people named <prefix><number>, each with a drawn gender and age band."""
    return [
        Person(
            f"{prefix}{number:05d}",
            rng.choice(("M", "F")),
            rng.choices(AGE_BANDS, AGE_WEIGHTS)[0],
        )
        for number in range(size)
    ]
