"""lodging: accommodation-site clickstream: pages, bookings, refunds and reviews."""

import random
from dataclasses import dataclass
from typing import Any

from bdp_collectors.simulator.audience import Person, audience
from bdp_collectors.simulator.registry import simulates
from bdp_collectors.simulator.text import sentence
from bdp_collectors.simulator.timeline import ms_to_iso

CATEGORIES = ("hotel", "motel", "pension", "guesthouse", "resort", "camping")
PLACES = 600
REVIEW_WORDS = (
    ("the", "our", "this"),
    ("room", "host", "breakfast", "view", "bed", "location", "staff", "bathroom"),
    ("was", "felt", "seemed"),
    ("spotless", "noisy", "lovely", "cramped", "friendly", "overpriced", "cosy", "tired"),
    ("and", "but", "although"),
    ("we would come back", "check-in was slow", "parking was easy", "the wifi kept dropping"),
)


@dataclass
class Session:
    session_id: str
    person: Person
    place: int | None = None
    booked: bool = False
    steps_left: int = 0


def category_of(place: int) -> str:
    return CATEGORIES[place % len(CATEGORIES)]


@simulates("lodging")
class LodgingGenerator:
    text_field = "review_text"
    text_parts = REVIEW_WORDS
    required = ("session_id", "account", "gender", "method", "status")
    numeric_field = "status"

    def __init__(self) -> None:
        self.people: list[Person] = []
        self.sessions: list[Session] = []
        self.opened = 0

    def _session(self, rng: random.Random) -> Session:
        if not self.people:
            self.people = audience(rng, "guest", 2000)
        self.sessions = [session for session in self.sessions if session.steps_left > 0]
        if len(self.sessions) < 8:
            self.opened += 1
            steps = rng.randint(2, 12)
            self.sessions.append(
                Session(f"ls-{self.opened:07d}", rng.choice(self.people), None, False, steps)
            )
            return self.sessions[-1]
        return rng.choice(self.sessions)

    def _step(
        self, rng: random.Random, session: Session
    ) -> tuple[str, str | None, int | None, int]:
        """(method, category, place_id, status) of the session's next page or action."""
        if session.place is None:
            if rng.random() < 0.4:
                return "/home", None, None, 0
            if rng.random() < 0.5:
                category = rng.choice(CATEGORIES)
                return f"/subhome/{category}", category, None, 0
            session.place = rng.randrange(1, PLACES)
        place = session.place
        roll = rng.random()
        if session.booked and roll < 0.15:
            session.booked = False
            return f"/refund/places/{place}", category_of(place), place, 0
        if session.booked and roll < 0.5:
            return f"/review/places/{place}", category_of(place), place, 0
        if not session.booked and roll < 0.25:
            session.booked = True
            return f"/buy/places/{place}", category_of(place), place, 1
        if roll > 0.8:
            session.place = rng.randrange(1, PLACES)
        return f"/places/{session.place}", category_of(session.place), session.place, 0

    def event(self, rng: random.Random, ms: int) -> dict[str, Any]:
        session = self._session(rng)
        session.steps_left -= 1
        method, category, place, status = self._step(rng, session)
        review = method.startswith("/review/")
        return {
            "event_time": ms_to_iso(ms),
            "session_id": session.session_id,
            "account": session.person.account,
            "gender": session.person.gender,
            "age_band": session.person.age_band,
            "method": method,
            "category": category,
            "place_id": place,
            "status": status,
            "rating": rng.randint(1, 5) if review else None,
            "review_text": sentence(rng, REVIEW_WORDS) if review else None,
        }
