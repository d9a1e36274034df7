"""raid: MMORPG raid sessions (moves, chat, waits) ending in success or failure."""

import random
from dataclasses import dataclass, field
from typing import Any

from bdp_collectors.simulator.registry import simulates
from bdp_collectors.simulator.text import sentence
from bdp_collectors.simulator.timeline import ms_to_iso

CLASSES = ("warrior", "mage", "priest", "rogue", "hunter")
BOSSES = ("Ashen Warden", "Hollow King", "Tide Mother", "Iron Colossus", "Gloom Weaver")
ARENA = 500.0
SESSION_EVENTS = (40, 160)  # events a raid lasts at most
SESSION_MINUTES = (15, 60)  # and its length
CHAT_WORDS = (
    ("heal", "tank", "dps", "everyone", "mage", "rogue"),
    ("stack", "spread", "move", "wait", "focus", "pull back"),
    ("on the left", "behind the boss", "at the door", "now", "after the next phase"),
    ("please", "gg", "lol", "ready?", "careful"),
)


@dataclass(frozen=True)
class Raider:
    account: str
    user_class: str
    ip: str
    item_level: int


@dataclass
class RaidSession:
    session_id: str
    boss_name: str
    raiders: list[Raider]
    ends_ms: int
    remaining: int
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)


@simulates("raid")
class RaidGenerator:
    text_field = "chat_text"
    text_parts = CHAT_WORDS
    required = ("session_id", "account", "user_class", "boss_name", "item_level")
    numeric_field = "item_level"

    def __init__(self) -> None:
        self.sessions: list[RaidSession] = []
        self.opened = 0

    def _open(self, rng: random.Random, ms: int) -> RaidSession:
        self.opened += 1
        raiders = [
            Raider(
                f"hero{number:05d}",
                rng.choice(CLASSES),
                f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                rng.randint(180, 320),
            )
            for number in rng.sample(range(3000), rng.randint(5, 10))
        ]
        ends = ms + rng.randint(*SESSION_MINUTES) * 60_000
        name = f"raid-{self.opened:06d}"
        return RaidSession(name, rng.choice(BOSSES), raiders, ends, rng.randint(*SESSION_EVENTS))

    def event(self, rng: random.Random, ms: int) -> dict[str, Any]:
        self.sessions = [s for s in self.sessions if s.remaining > 0 and ms < s.ends_ms]
        if len(self.sessions) < 4:
            self.sessions.append(self._open(rng, ms))
        session = rng.choice(self.sessions)
        session.remaining -= 1
        if ms + 60_000 >= session.ends_ms:
            session.remaining = 0  # the last event before the time runs out ends the raid
        raider = rng.choice(session.raiders)
        x, y = session.positions.get(raider.account, (ARENA / 2, ARENA / 2))
        roll = rng.random()
        chat = None
        if roll < 0.6:
            method = "/move"
            x = min(ARENA, max(0.0, x + rng.uniform(-25, 25)))
            y = min(ARENA, max(0.0, y + rng.uniform(-25, 25)))
            session.positions[raider.account] = (x, y)
        elif roll < 0.8:
            method, chat = "/chat", sentence(rng, CHAT_WORDS)
        else:
            method = "/wait"
        # The outcome is known on the session's last event only.
        success = rng.random() < 0.45 if session.remaining == 0 else None
        return {
            "event_time": ms_to_iso(ms),
            "session_id": session.session_id,
            "account": raider.account,
            "user_class": raider.user_class,
            "ip": raider.ip,
            "boss_name": session.boss_name,
            "item_level": raider.item_level,
            "method": method,
            "x": round(x, 1),
            "y": round(y, 1),
            "success": success,
            "chat_text": chat,
        }
