"""ads: impressions and clicks; some viewers click the same ad again within 60 seconds."""

import random
from dataclasses import dataclass
from typing import Any

from bdp_collectors.simulator.audience import Person, audience
from bdp_collectors.simulator.registry import simulates
from bdp_collectors.simulator.text import sentence
from bdp_collectors.simulator.timeline import ms_to_iso

GENRES = ("game", "travel", "food", "finance", "fashion", "education")
REPEAT_CLICK_WINDOW_MS = 60_000
AD_WORDS = (
    ("discover", "try", "meet", "unlock", "book"),
    ("the new", "a better", "your next", "the smartest"),
    ("adventure", "lunch deal", "savings plan", "jacket", "course", "getaway"),
    ("today", "for free", "in minutes", "before it is gone"),
)


@dataclass(frozen=True)
class Ad:
    ad_id: str
    ad_name: str
    genre: str
    ad_text: str


@simulates("ads")
class AdsGenerator:
    text_field = "ad_text"
    text_parts = AD_WORDS
    required = ("ad_id", "account", "click", "view", "viewing_time")
    numeric_field = "viewing_time"

    def __init__(self) -> None:
        self.ads: list[Ad] = []
        self.people: list[Person] = []
        self.last_click: tuple[int, Ad, Person] | None = None

    def _setup(self, rng: random.Random) -> None:
        for number in range(1, 61):
            name = sentence(rng, AD_WORDS[1:3]).rstrip(".")
            self.ads.append(
                Ad(f"ad-{number:04d}", name, rng.choice(GENRES), sentence(rng, AD_WORDS))
            )
        self.people = audience(rng, "viewer", 3000)

    def event(self, rng: random.Random, ms: int) -> dict[str, Any]:
        if not self.ads:
            self._setup(rng)
        repeat = self.last_click
        if repeat and ms - repeat[0] < REPEAT_CLICK_WINDOW_MS and rng.random() < 0.5:
            # A repeated click the ETL's 60-second rule must not count twice.
            ad, person, click = repeat[1], repeat[2], True
        else:
            ad, person = rng.choice(self.ads), rng.choice(self.people)
            click = rng.random() < 0.06
        viewing = round(rng.uniform(0.0, 30.0), 3)
        if click:
            self.last_click = (ms, ad, person)
        return {
            "event_time": ms_to_iso(ms),
            "ad_id": ad.ad_id,
            "ad_name": ad.ad_name,
            "genre": ad.genre,
            "viewing_time": viewing,
            "account": person.account,
            "gender": person.gender,
            "age_band": person.age_band,
            "click": click,
            "view": viewing >= 15.0,
            "ad_text": ad.ad_text,
        }
