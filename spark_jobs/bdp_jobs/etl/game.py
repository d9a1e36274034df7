"""game: per-player-per-match features, player profiles and the labelled training set.

Input: raw game events of one or more days (the lake's columns: the schema's properties,
`event_id`, `dt`). Every output is grouped by the lake's `dt`, never by a date recomputed
here, so the platform time zone decides the day once (in the lake writer).
"""

from __future__ import annotations

from collections.abc import Collection

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from bdp_jobs.etl.frames import count_where, document_row, latest, sorted_list, sorted_map

# The simulator's cheating champion: its players are the positive class of the training data.
CHEATER_CHAMPIONS = frozenset({"Nox"})
# Honest moves go at most 350 map units and teleports at least 4000; a threshold far from both
# still holds when a lost event merges two honest moves into one step (700).
TELEPORT_DISTANCE = 2000.0
_MATCH = ("dt", "room_id", "account")


def training_set(
    events: DataFrame,
    teleport_distance: float = TELEPORT_DISTANCE,
    cheater_champions: Collection[str] = CHEATER_CHAMPIONS,
) -> DataFrame:
    """One row per raw event with its movement step and the cheater label (lake, model input).

    Grain: (dt, event_id). Columns: dt, event_id, event_time, room_id, account, champion,
    method, input_key, status, x, y, in_game_time, death_count, step_distance,
    step_seconds, teleport, is_cheater.

    Rules: an account's events in a room and day are ordered by in_game_time, then event_time,
    then event_id (in_game_time first: it is the match clock, which a late event keeps);
    step_distance is the straight-line distance from the previous event's (x, y) and
    step_seconds the in-game seconds since it, both null on the first event; every event
    carries a position, so a jump shows on whichever event first reports it; teleport is
    step_distance >= teleport_distance; is_cheater is the champion being one of
    cheater_champions (the label, independent of what the moves show).
    """
    order = Window.partitionBy(*_MATCH).orderBy("in_game_time", "event_time", "event_id")
    distance = F.sqrt(
        (F.col("x") - F.lag("x").over(order)) ** 2 + (F.col("y") - F.lag("y").over(order)) ** 2
    )
    return (
        events.withColumn("step_distance", distance)
        .withColumn("step_seconds", F.col("in_game_time") - F.lag("in_game_time").over(order))
        .select(
            "dt",
            "event_id",
            "event_time",
            "room_id",
            "account",
            "champion",
            "method",
            "input_key",
            "status",
            "x",
            "y",
            "in_game_time",
            "death_count",
            "step_distance",
            "step_seconds",
            F.coalesce(F.col("step_distance") >= teleport_distance, F.lit(False)).alias("teleport"),
            F.col("champion").isin(sorted(cheater_champions)).alias("is_cheater"),
        )
    )


def player_match_features(
    events: DataFrame,
    teleport_distance: float = TELEPORT_DISTANCE,
    cheater_champions: Collection[str] = CHEATER_CHAMPIONS,
) -> DataFrame:
    """Anomaly-detection features per account and match (MySQL game_player_match_features).

    Grain: (dt, room_id, account). Columns: dt, room_id, account, champion, moves,
    max_move_distance, avg_move_speed, teleport_moves, buys, deaths, is_cheater.

    Rules (steps as in `training_set`): champion is the one on the account's latest event;
    moves and buys count the /move and /buyItem events whatever their status (the request is
    the behaviour); max_move_distance is the longest step (0 with a single event);
    avg_move_speed is the summed step distance over the in-game seconds from the first to the
    last event, in map units per second (0 when no in-game time passed); teleport_moves
    counts teleport steps; deaths is the highest death_count seen (it is cumulative per room,
    so a match spanning midnight reports its deaths so far); is_cheater as in training_set.
    """
    steps = training_set(events, teleport_distance, cheater_champions)
    span = F.max("in_game_time") - F.min("in_game_time")
    return steps.groupBy(*_MATCH).agg(
        latest("champion").alias("champion"),
        count_where(F.col("method") == "/move").alias("moves"),
        F.coalesce(F.max("step_distance"), F.lit(0.0)).alias("max_move_distance"),
        F.when(span > 0, F.coalesce(F.sum("step_distance"), F.lit(0.0)) / span)
        .otherwise(F.lit(0.0))
        .alias("avg_move_speed"),
        count_where(F.col("teleport")).alias("teleport_moves"),
        count_where(F.col("method") == "/buyItem").alias("buys"),
        F.max("death_count").alias("deaths"),
        latest("is_cheater").alias("is_cheater"),
    )


def player_profiles(
    events: DataFrame,
    run_id: str,
    teleport_distance: float = TELEPORT_DISTANCE,
) -> DataFrame:
    """One profile document per account and day (Cassandra marts.game_player_profiles).

    Grain: (account, dt). Columns: account, dt, matches, deaths, champions, actions,
    suspected_cheater, profile, run_id.

    Rules: matches is the number of rooms played; deaths sums the per-match deaths of
    `player_match_features`; champions maps a champion to the matches played with it;
    actions maps a method to its event count; suspected_cheater is any teleport step seen
    (what the moves show, not the label); profile is the JSON document {account, dt,
    matches: [per-match features, by room_id], actions, suspected_cheater}; run_id is the
    ETL run writing the row.
    """
    matches = player_match_features(events, teleport_distance)
    per_champion = matches.groupBy("dt", "account", "champion").agg(F.count("*").alias("n"))
    champions = per_champion.groupBy("dt", "account").agg(
        sorted_map(F.col("champion"), F.col("n").cast("int")).alias("champions")
    )
    per_method = events.groupBy("dt", "account", "method").agg(F.count("*").alias("n"))
    actions = per_method.groupBy("dt", "account").agg(
        sorted_map(F.col("method"), F.col("n").cast("int")).alias("actions")
    )
    summary = matches.groupBy("dt", "account").agg(
        F.count("*").cast("int").alias("matches"),
        F.sum("deaths").cast("int").alias("deaths"),
        (F.sum("teleport_moves") > 0).alias("suspected_cheater"),
        sorted_list(
            "room_id",
            "champion",
            "moves",
            "max_move_distance",
            "avg_move_speed",
            "teleport_moves",
            "buys",
            "deaths",
        ).alias("match_list"),
    )
    joined = summary.join(champions, ["dt", "account"]).join(actions, ["dt", "account"])
    document = F.struct(
        "account",
        F.col("dt").cast("string").alias("dt"),
        F.col("match_list").alias("matches"),
        "actions",
        "suspected_cheater",
    )
    columns = ["account", "dt", "matches", "deaths", "champions", "actions", "suspected_cheater"]
    return document_row(joined, columns, "profile", document, run_id)
