"""What the daily ETL must output for one day, computed in plain Python from the simulator's
known events; the lab test holds MySQL, Cassandra and the curated lake to it.

A second implementation of the rules in schemas/datasets/*.yml, schemas/README.md,
spark_jobs/README.md and the transforms' docstrings. It shares no code with
spark_jobs/bdp_jobs/etl (no Spark either), so a mistake has to be made twice, alike, to pass.

Rows are dicts of a dataset's declared columns without run_id (it names the run, not the data):
dates are `date`, timestamps aware UTC datetimes, maps dicts, arrays sorted lists and JSON
columns Python objects (null fields left out, as Spark's to_json does). `compare` brings what
a store returns to the same form before it compares.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bdp_collectors.simulator.stream import expected

Row = dict[str, Any]
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
RUN_ID = "run_id"
# The rules' parameters as the datasets' documentation states them.
TELEPORT_DISTANCE = 2000.0
CHEATER_CHAMPIONS = frozenset({"Nox"})
REPEAT_CLICK = timedelta(seconds=60)
# A page kind of user_journeys' page_views: home, subhome/<category> or places.
PAGE = re.compile(r"/(home|subhome/[a-z_]+|places)(/[0-9]+)?")
# How Spark's to_json and ISO-8601 readers write an instant inside a document.
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
# Float columns are computed in another order by Spark (sums, sqrt): equal up to rounding.
REL_TOL = 1e-9


@dataclass(frozen=True)
class Declared:
    """One output dataset as schemas/datasets/<source>.yml declares it."""

    source: str
    name: str
    kind: str
    destination: str
    key: tuple[str, ...]
    types: dict[str, str]  # column -> declared type, in the declared order


@dataclass(frozen=True)
class DayExpected:
    raw_count: int  # raw lake rows of the day: the reconciliation's raw side
    datasets: dict[str, list[Row]]  # by dataset name


def declarations(source: str) -> dict[str, Declared]:
    """The datasets of `source`, by name, read straight from the YAML file."""
    document = yaml.safe_load((SCHEMAS / "datasets" / f"{source}.yml").read_text("utf-8"))
    return {
        spec["name"]: Declared(
            source=source,
            name=spec["name"],
            kind=spec["kind"],
            destination=spec["destination"],
            key=tuple(spec["key"]),
            types={name: kind for column in spec["columns"] for name, kind in column.items()},
        )
        for spec in document["datasets"]
    }


# --- the raw day -------------------------------------------------------------------------------


def _property_types(source: str) -> dict[str, str]:
    """Each event property's JSON type, `date-time` for timestamps (schemas/events)."""
    schema = json.loads((SCHEMAS / "events" / f"{source}.json").read_text("utf-8"))
    types = {}
    for name, spec in schema["properties"].items():
        declared = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
        (scalar,) = [kind for kind in declared if kind != "null"]
        types[name] = "date-time" if spec.get("format") == "date-time" else scalar
    return types


def _typed(value: Any, kind: str) -> Any:
    """A JSON value as the lake holds it (integers are longs, numbers doubles)."""
    if value is None:
        return None
    if kind == "date-time":
        return datetime.fromisoformat(value).astimezone(UTC)
    return {"integer": int, "number": float, "boolean": bool, "string": str}[kind](value)


def raw_day(
    source: str,
    config: Mapping[str, Any],
    timezone: str,
    day: date,
    late_ids: Collection[str] = frozenset(),
) -> list[Row]:
    """The lake's raw rows of `source` at dt=`day`: the simulator's valid, de-duplicated events
    whose event time falls on `day` in the platform time zone, every property typed, with
    event_id and dt.

    `config` is the event API's config (the lab's /etc/bdp/collectors/event-api.json).
    `late_ids` are events the lake writer put in /lake/late instead: which ones arrive after
    their day completed depends on delivery timing, which the stream alone does not decide.
    """
    zone = ZoneInfo(timezone)
    types = _property_types(source)
    rows = []
    for event_id, known in expected(source, config).valid.items():
        row = {name: _typed(known.event.get(name), kind) for name, kind in types.items()}
        dt = row["event_time"].astimezone(zone).date()
        if dt == day and event_id not in late_ids:
            rows.append({**row, "event_id": event_id, "dt": dt})
    return rows


# --- shared rules ------------------------------------------------------------------------------


def _groups(rows: Iterable[Row], *columns: str) -> dict[tuple[Any, ...], list[Row]]:
    groups: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[c] for c in columns)].append(row)
    return groups


def _in_event_order(rows: Iterable[Row]) -> list[Row]:
    """Rows by event time, ties broken by event id: the order every "latest" and list uses."""
    return sorted(rows, key=lambda r: (r["event_time"], r["event_id"]))


def _latest(rows: Sequence[Row], column: str, skip_nulls: bool = False) -> Any:
    candidates = [r for r in rows if not skip_nulls or r[column] is not None]
    return _in_event_order(candidates)[-1][column] if candidates else None


def _count(rows: Iterable[Row], condition: Callable[[Row], bool]) -> int:
    return sum(1 for row in rows if condition(row))


def _sorted_counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _present(document: Row) -> Row:
    """The document without its null fields, as Spark's to_json writes it."""
    return {name: value for name, value in document.items() if value is not None}


# --- game --------------------------------------------------------------------------------------


def _training_set(events: list[Row]) -> list[Row]:
    """Each event with its step from the account's previous event in the room that day, in
    match-clock order (in_game_time, then event time and id)."""
    rows = []
    for match in _groups(events, "dt", "room_id", "account").values():
        previous = None
        for event in sorted(
            match, key=lambda e: (e["in_game_time"], e["event_time"], e["event_id"])
        ):
            distance = seconds = None
            if previous is not None:
                distance = math.hypot(event["x"] - previous["x"], event["y"] - previous["y"])
                seconds = event["in_game_time"] - previous["in_game_time"]
            rows.append(
                {
                    **event,
                    "step_distance": distance,
                    "step_seconds": seconds,
                    "teleport": distance is not None and distance >= TELEPORT_DISTANCE,
                    "is_cheater": event["champion"] in CHEATER_CHAMPIONS,
                }
            )
            previous = event
    return rows


def _match_features(steps: list[Row]) -> list[Row]:
    rows = []
    for (dt, room_id, account), match in _groups(steps, "dt", "room_id", "account").items():
        distances = [s["step_distance"] for s in match if s["step_distance"] is not None]
        span = max(s["in_game_time"] for s in match) - min(s["in_game_time"] for s in match)
        champion = _latest(match, "champion")
        rows.append(
            {
                "dt": dt,
                "room_id": room_id,
                "account": account,
                "champion": champion,
                "moves": _count(match, lambda s: s["method"] == "/move"),
                "max_move_distance": max(distances, default=0.0),
                "avg_move_speed": sum(distances) / span if span > 0 else 0.0,
                "teleport_moves": _count(match, lambda s: s["teleport"]),
                "buys": _count(match, lambda s: s["method"] == "/buyItem"),
                # death_count is cumulative per room: the highest is the match's so far.
                "deaths": max(s["death_count"] for s in match),
                "is_cheater": champion in CHEATER_CHAMPIONS,
            }
        )
    return rows


def _player_profiles(events: list[Row], matches: list[Row]) -> list[Row]:
    methods = _groups(events, "dt", "account")
    rows = []
    for (dt, account), played in _groups(matches, "dt", "account").items():
        actions = _sorted_counts(e["method"] for e in methods[(dt, account)])
        suspected = any(m["teleport_moves"] > 0 for m in played)
        features = ["room_id", "champion", "moves", "max_move_distance", "avg_move_speed"]
        features += ["teleport_moves", "buys", "deaths"]
        per_match = [
            {f: m[f] for f in features} for m in sorted(played, key=lambda m: m["room_id"])
        ]
        rows.append(
            {
                "account": account,
                "dt": dt,
                "matches": len(played),
                "deaths": sum(m["deaths"] for m in played),
                "champions": _sorted_counts(m["champion"] for m in played),
                "actions": actions,
                "suspected_cheater": suspected,
                "profile": {
                    "account": account,
                    "dt": dt.isoformat(),
                    "matches": per_match,
                    "actions": actions,
                    "suspected_cheater": suspected,
                },
            }
        )
    return rows


def _game(events: list[Row]) -> dict[str, list[Row]]:
    steps = _training_set(events)
    matches = _match_features(steps)
    return {
        "player_match_features": matches,
        "player_profiles": _player_profiles(events, matches),
        "training_set": steps,
    }


# --- lodging -----------------------------------------------------------------------------------


def _booked(event: Row) -> bool:
    return event["method"].startswith("/buy/places/") and event["status"] == 1


def _daily_funnel(events: list[Row]) -> list[Row]:
    def view(e: Row) -> bool:
        return e["method"].startswith("/places/")

    def refund(e: Row) -> bool:
        return e["method"].startswith("/refund/places/")

    counted = [
        e for e in events if e["category"] is not None and (view(e) or _booked(e) or refund(e))
    ]
    return [
        {
            "dt": dt,
            "category": category,
            "gender": gender,
            "age_band": age_band,
            "views": _count(group, view),
            "buys": _count(group, _booked),
            "refunds": _count(group, refund),
        }
        for (dt, category, gender, age_band), group in _groups(
            counted, "dt", "category", "gender", "age_band"
        ).items()
    ]


def _journey_session(session_id: str, events: list[Row]) -> Row:
    ordered = _in_event_order(events)
    fields = ("event_id", "method", "category", "place_id", "status", "rating")
    return {
        "started_at": ordered[0]["event_time"],
        "session_id": session_id,
        "ended_at": ordered[-1]["event_time"],
        "steps": [_present({"at": e["event_time"], **{f: e[f] for f in fields}}) for e in ordered],
    }


def _user_journeys(events: list[Row]) -> list[Row]:
    rows = []
    for (dt, account), mine in _groups(events, "dt", "account").items():
        sessions = [
            _journey_session(session_id, steps)
            for (session_id,), steps in _groups(mine, "session_id").items()
        ]
        pages = [m.group(1) for e in mine if (m := PAGE.fullmatch(e["method"]))]
        rows.append(
            {
                "account": account,
                "dt": dt,
                "gender": _latest(mine, "gender"),
                "age_band": _latest(mine, "age_band"),
                "session_count": len(sessions),
                "page_views": _sorted_counts(pages),
                "booked_places": sorted(
                    {str(e["place_id"]) for e in mine if _booked(e) and e["place_id"] is not None}
                ),
                "refunds": _count(mine, lambda e: e["method"].startswith("/refund/")),
                "sessions": sorted(sessions, key=lambda s: (s["started_at"], s["session_id"])),
            }
        )
    return rows


def _with_text(events: list[Row], text: str, columns: Sequence[str]) -> list[Row]:
    """The lake's text datasets: one row per event carrying `text`."""
    return [{c: e[c] for c in columns} for e in events if e[text] is not None]


def _lodging(events: list[Row]) -> dict[str, list[Row]]:
    review = ["dt", "event_id", "event_time", "account", "session_id", "place_id", "category"]
    return {
        "daily_funnel": _daily_funnel(events),
        "user_journeys": _user_journeys(events),
        "reviews": _with_text(events, "review_text", [*review, "rating", "review_text"]),
    }


# --- raid --------------------------------------------------------------------------------------


def _outcomes(events: list[Row]) -> dict[tuple[Any, ...], bool | None]:
    """(dt, session_id) -> the session's outcome that day, from whichever member closed it."""
    return {
        key: _latest(group, "success", skip_nulls=True)
        for key, group in _groups(events, "dt", "session_id").items()
    }


def _session_summaries(
    events: list[Row], outcomes: Mapping[tuple[Any, ...], bool | None]
) -> list[Row]:
    rows = []
    for (dt, session_id), group in _groups(events, "dt", "session_id").items():
        times = [e["event_time"] for e in group]
        classes = _groups(group, "user_class")
        mix = {c: len({e["account"] for e in classes[(c,)]}) for (c,) in sorted(classes)}
        rows.append(
            {
                "dt": dt,
                "session_id": session_id,
                "boss_name": _latest(group, "boss_name"),
                "duration_s": (max(times) - min(times)) // timedelta(seconds=1),
                "success": bool(outcomes[(dt, session_id)]),
                "class_mix": mix,
                "players": len({e["account"] for e in group}),
            }
        )
    return rows


def _raid_history(session_id: str, events: list[Row], success: bool | None) -> Row:
    ordered = _in_event_order(events)
    steps = [
        _present(
            {
                "at": e["event_time"],
                **{f: e[f] for f in ("event_id", "method", "x", "y", "chat_text")},
            }
        )
        for e in ordered
    ]
    return _present(
        {
            "first_at": ordered[0]["event_time"],
            "session_id": session_id,
            "last_at": ordered[-1]["event_time"],
            "boss_name": _latest(events, "boss_name"),
            "user_class": _latest(events, "user_class"),
            "item_level": _latest(events, "item_level"),
            "success": success,
            "events": steps,
        }
    )


def _account_history(
    events: list[Row], outcomes: Mapping[tuple[Any, ...], bool | None]
) -> list[Row]:
    rows = []
    for (dt, account), mine in _groups(events, "dt", "account").items():
        history = sorted(
            (
                _raid_history(session_id, group, outcomes[(dt, session_id)])
                for (session_id,), group in _groups(mine, "session_id").items()
            ),
            key=lambda s: (s["first_at"], s["session_id"]),
        )
        rows.append(
            {
                "account": account,
                "dt": dt,
                "user_class": _latest(mine, "user_class"),
                "raid_sessions": len(history),
                "boss_attempts": _sorted_counts(s["boss_name"] for s in history),
                "boss_kills": _sorted_counts(s["boss_name"] for s in history if s.get("success")),
                "chat_messages": _count(mine, lambda e: e["method"] == "/chat"),
                "history": history,
            }
        )
    return rows


def _raid(events: list[Row]) -> dict[str, list[Row]]:
    outcomes = _outcomes(events)
    chat = ["dt", "event_id", "event_time", "session_id", "account", "user_class", "boss_name"]
    return {
        "session_summaries": _session_summaries(events, outcomes),
        "account_history": _account_history(events, outcomes),
        "chat_messages": _with_text(events, "chat_text", [*chat, "chat_text"]),
    }


# --- ads ---------------------------------------------------------------------------------------


def _counted_clicks(events: list[Row]) -> set[str]:
    """Event ids of the clicks that count: not within 60 s after the same viewer's previous
    click on the same ad, counted or not. Over the whole input (one raw day in the ETL)."""
    counted = set()
    for group in _groups(events, "account", "ad_id").values():
        previous = None
        for event in _in_event_order(group):
            if not event["click"]:
                continue
            if previous is None or event["event_time"] - previous >= REPEAT_CLICK:
                counted.add(event["event_id"])
            previous = event["event_time"]
    return counted


def _exact_sum(values: Iterable[float]) -> Decimal:
    """The sum of the values as written: adding doubles can land a half just below it."""
    return sum((Decimal(repr(v)) for v in values), Decimal(0))


def _whole_seconds(values: Iterable[float]) -> int:
    """The exact sum rounded half up."""
    return int(_exact_sum(values).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ad_performance(events: list[Row], counted: set[str]) -> list[Row]:
    rows = []
    for (dt, ad_id, gender, age_band), group in _groups(
        events, "dt", "ad_id", "gender", "age_band"
    ).items():
        clicks = _count(group, lambda e: e["event_id"] in counted)
        rows.append(
            {
                "dt": dt,
                "ad_id": ad_id,
                "ad_name": _latest(group, "ad_name"),
                "genre": _latest(group, "genre"),
                "gender": gender,
                "age_band": age_band,
                "impressions": len(group),
                "clicks": clicks,
                "ctr": clicks / len(group),
                "avg_viewing_time_s": math.fsum(e["viewing_time"] for e in group) / len(group),
            }
        )
    return rows


def _viewer_profiles(events: list[Row], counted: set[str]) -> list[Row]:
    rows = []
    for (dt, account), mine in _groups(events, "dt", "account").items():
        ads = [
            {
                "ad_id": ad_id,
                "genre": _latest(group, "genre"),
                "impressions": len(group),
                "clicks": _count(group, lambda e: e["event_id"] in counted),
                "viewing_time_s": float(_exact_sum(e["viewing_time"] for e in group)),
            }
            for (ad_id,), group in sorted(_groups(mine, "ad_id").items())
        ]
        genres = _groups(mine, "genre")
        profile = {
            "account": account,
            "dt": dt.isoformat(),
            "gender": _latest(mine, "gender"),
            "age_band": _latest(mine, "age_band"),
            "impressions": len(mine),
            "clicks": sum(ad["clicks"] for ad in ads),
            "ads": ads,
        }
        rows.append(
            {
                **profile,
                "dt": dt,
                "viewing_seconds": {
                    genre: _whole_seconds(e["viewing_time"] for e in genres[(genre,)])
                    for (genre,) in sorted(genres)
                },
                "clicked_ads": [ad["ad_id"] for ad in ads if ad["clicks"] > 0],
                "profile": profile,
            }
        )
    return rows


def _ad_texts(events: list[Row], counted: set[str]) -> list[Row]:
    return [
        {
            "dt": dt,
            "ad_id": ad_id,
            "ad_name": _latest(group, "ad_name"),
            "genre": _latest(group, "genre"),
            "ad_text": _latest(group, "ad_text", skip_nulls=True),
            "impressions": len(group),
            "clicks": _count(group, lambda e: e["event_id"] in counted),
        }
        for (dt, ad_id), group in _groups(events, "dt", "ad_id").items()
    ]


def _ads(events: list[Row]) -> dict[str, list[Row]]:
    counted = _counted_clicks(events)
    return {
        "ad_performance": _ad_performance(events, counted),
        "viewer_profiles": _viewer_profiles(events, counted),
        "ad_texts": _ad_texts(events, counted),
    }


SOURCES: dict[str, Callable[[list[Row]], dict[str, list[Row]]]] = {
    "game": _game,
    "lodging": _lodging,
    "raid": _raid,
    "ads": _ads,
}


# --- entry points ------------------------------------------------------------------------------


def _conform(dataset: Declared, rows: list[Row]) -> list[Row]:
    """The rows cut to the declared columns, in order (run_id aside). Raises when a row lacks
    one or two rows share a key, so this module cannot drift from the declarations unnoticed."""
    columns = [name for name in dataset.types if name != RUN_ID]
    shaped = []
    for row in rows:
        if not set(columns) <= set(row):
            missing = sorted(set(columns) - set(row))
            raise ValueError(f"{dataset.source}.{dataset.name}: rows lack {', '.join(missing)}")
        shaped.append({name: row[name] for name in columns})
    keys = Counter(tuple(row[k] for k in dataset.key) for row in shaped)
    repeated = [key for key, n in keys.items() if n > 1]
    if repeated:
        raise ValueError(
            f"{dataset.source}.{dataset.name}: expected rows share keys {repeated[:3]}"
        )
    return shaped


def expected_outputs(source: str, events: list[Row]) -> dict[str, list[Row]]:
    """Every declared dataset of `source` computed from raw rows (as `raw_day` gives them);
    one raw day in, as the ETL reads it: the 60-second click window does not reach back into
    the previous day."""
    computed = SOURCES[source](events)
    declared = declarations(source)
    if set(computed) != set(declared):
        raise ValueError(f"{source}: declared {sorted(declared)}, computed {sorted(computed)}")
    return {name: _conform(dataset, computed[name]) for name, dataset in declared.items()}


def expected_day(
    source: str,
    config: Mapping[str, Any],
    timezone: str,
    day: date,
    late_ids: Collection[str] = frozenset(),
) -> DayExpected:
    """The raw count and every dataset's rows the ETL run for `day` must produce."""
    events = raw_day(source, config, timezone, day, late_ids)
    return DayExpected(len(events), expected_outputs(source, events))


# --- comparing with what a store holds ---------------------------------------------------------


def _instant(value: datetime | str) -> datetime:
    """An aware UTC datetime; naive ones are taken as UTC (what Cassandra's driver returns)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _document(value: Any) -> Any:
    """A JSON document with its instants as UTC datetimes, whatever offset wrote them."""
    if isinstance(value, dict):
        return {str(k): _document(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_document(v) for v in value]
    if isinstance(value, datetime) or (isinstance(value, str) and INSTANT.fullmatch(value)):
        return _instant(value)
    return value


def canonical(value: Any, declared: str) -> Any:
    """A value of a column of type `declared` in one form, whichever store returned it: dates
    as YYYY-MM-DD, timestamps aware UTC, JSON parsed, a Cassandra null collection empty,
    arrays sorted, MySQL's 0/1 booleans as bools."""
    if value is None:
        return {"map<string,int>": {}, "array<string>": []}.get(declared)
    if declared == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if declared == "timestamp":
        return _instant(value)
    if declared == "json":
        return _document(json.loads(value) if isinstance(value, str) else value)
    if declared == "map<string,int>":
        return {str(k): int(v) for k, v in dict(value).items()}
    if declared == "array<string>":
        return sorted(str(v) for v in value)
    converters: dict[str, Callable[[Any], Any]] = {"boolean": bool, "double": float}
    converters |= {"int": int, "bigint": int, "string": str}
    return converters[declared](value)


def _same_scalar(expected_value: Any, actual: Any) -> bool:
    """Equal, floats up to REL_TOL (a bool is no number here: True is not 1)."""
    numbers = [v for v in (expected_value, actual) if isinstance(v, int | float)]
    if len(numbers) == 2 and not any(isinstance(v, bool) for v in numbers):
        return math.isclose(expected_value, actual, rel_tol=REL_TOL, abs_tol=REL_TOL)
    return type(expected_value) is type(actual) and expected_value == actual


def _difference(expected_value: Any, actual: Any, path: str) -> str | None:
    """Where two canonical values first differ, or None; `path` names the place found."""
    if isinstance(expected_value, dict) and isinstance(actual, dict):
        if expected_value.keys() != actual.keys():
            missing, extra = (
                expected_value.keys() - actual.keys(),
                actual.keys() - expected_value.keys(),
            )
            return f"{path}: fields missing {sorted(missing)}, unexpected {sorted(extra)}"
        pairs = [(f"{path}.{name}", v, actual[name]) for name, v in expected_value.items()]
    elif isinstance(expected_value, list) and isinstance(actual, list):
        if len(expected_value) != len(actual):
            return f"{path}: expected {len(expected_value)} items, found {len(actual)}"
        pairs = [(f"{path}[{i}]", v, actual[i]) for i, v in enumerate(expected_value)]
    elif _same_scalar(expected_value, actual):
        return None
    else:
        return f"{path}: expected {_short(expected_value)}, found {_short(actual)}"
    return next((d for p, v, w in pairs if (d := _difference(v, w, p))), None)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def compare(
    dataset: Declared, expected_rows: Iterable[Row], actual_rows: Iterable[Row], limit: int = 20
) -> list[str]:
    """How a store's rows of one dataset and day differ from the expected ones, readably
    (at most `limit` lines, then how many more); empty when they agree.

    Rows pair up by the declared key; missing, unexpected and repeated keys are differences.
    The expected rows' columns are compared (so run_id is not), by their declared types (see
    `canonical`), floats up to a relative 1e-9, JSON documents field by field.
    """
    where = f"{dataset.source}.{dataset.name}"

    def keyed(rows: Iterable[Row]) -> dict[tuple[Any, ...], list[Row]]:
        by_key: dict[tuple[Any, ...], list[Row]] = defaultdict(list)
        for row in rows:
            by_key[tuple(canonical(row[k], dataset.types[k]) for k in dataset.key)].append(row)
        return by_key

    wanted, found = keyed(expected_rows), keyed(actual_rows)
    differences = [
        f"{where} {k}: {len(rows)} {side} rows"
        for side, by_key in (("expected", wanted), ("actual", found))
        for k, rows in by_key.items()
        if len(rows) > 1
    ]
    differences += [f"{where} {k}: missing" for k in wanted if k not in found]
    differences += [f"{where} {k}: unexpected" for k in found if k not in wanted]
    for key, (row, *_) in wanted.items():
        if key not in found:
            continue
        actual = found[key][0]
        for name, value in row.items():
            if name not in actual:
                differences.append(f"{where} {key}: no column {name}")
                continue
            kind = dataset.types[name]
            problem = _difference(canonical(value, kind), canonical(actual[name], kind), name)
            if problem:
                differences.append(f"{where} {key}: {problem}")
    if len(differences) > limit:
        return [*differences[:limit], f"... and {len(differences) - limit} more"]
    return differences
