"""game: MOBA match events; players of CHEATER_CHAMPION make teleport-sized moves."""

import math
import random
from dataclasses import dataclass, field
from typing import Any

from bdp_collectors.simulator.registry import simulates
from bdp_collectors.simulator.timeline import ms_to_iso

CHAMPIONS = (
    "Aria", "Brakk", "Cinder", "Dusk", "Ember", "Fang", "Gale", "Hex", "Ivy", "Jolt",
    "Kestrel", "Lumen", "Mire", "Nox", "Onyx", "Pyre", "Quill", "Rune", "Sable", "Talon",
)  # fmt: skip
CHEATER_CHAMPION = "Nox"
MAP_SIZE = 15000.0
MAX_STEP = 350.0  # the farthest an honest move goes
TELEPORT_MIN = 4000.0  # the shortest cheating jump; twice it stays below MAP_SIZE / sqrt(2)
ROOM_EVENTS = (150, 400)  # events a room lasts at most
ROOM_MINUTES = (20, 45)  # and its match length
ACCOUNTS = 800
MOVE_KEYS = ("right_click", "a", "q", "w", "e", "r", "d", "f")
ITEM_KEYS = ("p", "shop_click")
INPUT_WORDS = (
    ("key", "macro", "binding", "combo"),
    ("pressed", "held", "released", "repeated"),
    ("during", "after", "before"),
    ("a fight", "a recall", "a lane swap", "the shop visit"),
)


@dataclass
class Player:
    account: str
    champion: str
    x: float
    y: float
    deaths: int = 0


@dataclass
class Room:
    room_id: str
    started_ms: int
    ends_ms: int
    remaining: int
    players: list[Player] = field(default_factory=list)


@simulates("game")
class GameGenerator:
    text_field = "input_key"
    text_parts = INPUT_WORDS
    required = ("room_id", "account", "champion", "method", "x", "death_count")
    numeric_field = "x"

    def __init__(self) -> None:
        self.rooms: list[Room] = []
        self.opened = 0

    def _open_room(self, rng: random.Random, ms: int) -> Room:
        self.opened += 1
        ends = ms + rng.randint(*ROOM_MINUTES) * 60_000
        room = Room(f"room-{self.opened:06d}", ms, ends, rng.randint(*ROOM_EVENTS))
        accounts = rng.sample(range(ACCOUNTS), 10)
        for number, champion in zip(accounts, rng.sample(CHAMPIONS, 10), strict=True):
            x, y = rng.uniform(0, MAP_SIZE), rng.uniform(0, MAP_SIZE)
            room.players.append(Player(f"player{number:04d}", champion, x, y))
        return room

    def _room(self, rng: random.Random, ms: int) -> Room:
        self.rooms = [room for room in self.rooms if room.remaining > 0 and ms < room.ends_ms]
        if len(self.rooms) < 3:
            self.rooms.append(self._open_room(rng, ms))
        room = rng.choice(self.rooms)
        room.remaining -= 1
        return room

    @staticmethod
    def _move(rng: random.Random, player: Player) -> None:
        if player.champion == CHEATER_CHAMPION and rng.random() < 0.3:
            distance = rng.uniform(TELEPORT_MIN, 2 * TELEPORT_MIN)
        else:
            distance = rng.uniform(10.0, MAX_STEP)
        angle = rng.uniform(0, 2 * math.pi)
        x, y = player.x + distance * math.cos(angle), player.y + distance * math.sin(angle)
        if not (0 <= x <= MAP_SIZE and 0 <= y <= MAP_SIZE):
            # Heading to the farthest corner stays on the map (it is >= MAP_SIZE/sqrt(2) away,
            # more than any move) and keeps the move's full length, which the cheater label needs.
            corner_x = 0.0 if player.x > MAP_SIZE / 2 else MAP_SIZE
            corner_y = 0.0 if player.y > MAP_SIZE / 2 else MAP_SIZE
            angle = math.atan2(corner_y - player.y, corner_x - player.x)
            x, y = player.x + distance * math.cos(angle), player.y + distance * math.sin(angle)
        player.x, player.y = x, y

    def event(self, rng: random.Random, ms: int) -> dict[str, Any]:
        room = self._room(rng, ms)
        player = rng.choice(room.players)
        roll = rng.random()
        if roll < 0.7:
            method, key = "/move", rng.choice(MOVE_KEYS)
            self._move(rng, player)
        elif roll < 0.9:
            method, key = "/wait", None
        else:
            method, key = "/buyItem", rng.choice(ITEM_KEYS)
        if rng.random() < 0.02:
            player.deaths += 1
        return {
            "event_time": ms_to_iso(ms),
            "room_id": room.room_id,
            "account": player.account,
            "champion": player.champion,
            "method": method,
            "x": round(player.x, 1),
            "y": round(player.y, 1),
            "input_key": key,
            "status": 1 if rng.random() < 0.97 else 0,
            "death_count": player.deaths,
            "in_game_time": (ms - room.started_ms) // 1000,
        }
