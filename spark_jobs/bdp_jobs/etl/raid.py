"""raid: session summaries, per-account raid history and the chat text.

Input: raw raid events (the schema's properties, `event_id`, `dt`). A raid's outcome is on
its closing event (`success` true or false); a raid that timed out has none.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bdp_jobs.etl.frames import count_where, document_row, latest, sorted_list, sorted_map

_SESSION = ("dt", "session_id")


def _outcomes(events: DataFrame) -> DataFrame:
    """(dt, session_id, outcome): the latest non-null success of the session that day, or null."""
    return events.groupBy(*_SESSION).agg(latest("success", skip_nulls=True).alias("outcome"))


def session_summaries(events: DataFrame) -> DataFrame:
    """One row per raid session and day (MySQL raid_session_summaries).

    Grain: (dt, session_id). Columns: dt, session_id, boss_name, duration_s, success,
    class_mix, players.

    Rules: boss_name is the one on the latest event; duration_s is the whole seconds (rounded
    down) from the first to the last event of the day; success is the outcome on the closing
    event, false when the day holds none (the raid timed out, or its closing event is on
    another day); class_mix is a JSON object of class -> distinct accounts, keys in order;
    players counts distinct accounts.
    """
    per_class = (
        events.groupBy(*_SESSION, "user_class")
        .agg(F.countDistinct("account").cast("int").alias("n"))
        .groupBy(*_SESSION)
        .agg(sorted_map(F.col("user_class"), F.col("n")).alias("mix"))
    )
    elapsed_ms = F.unix_millis(F.max("event_time")) - F.unix_millis(F.min("event_time"))
    sessions = events.groupBy(*_SESSION).agg(
        latest("boss_name").alias("boss_name"),
        F.floor(elapsed_ms / 1000).cast("bigint").alias("duration_s"),
        F.countDistinct("account").cast("int").alias("players"),
    )
    return (
        sessions.join(_outcomes(events), list(_SESSION))
        .join(per_class, list(_SESSION))
        .select(
            "dt",
            "session_id",
            "boss_name",
            "duration_s",
            F.coalesce("outcome", F.lit(False)).alias("success"),
            F.to_json("mix").alias("class_mix"),
            "players",
        )
    )


def account_history(events: DataFrame, run_id: str) -> DataFrame:
    """What each account did in the day's raids (Cassandra marts.raid_account_history).

    Grain: (account, dt). Columns: account, dt, user_class, raid_sessions, boss_attempts,
    boss_kills, chat_messages, history, run_id.

    Rules: user_class is the class on the account's latest event (a raider may bring another
    class to another raid; history has each); raid_sessions counts distinct sessions;
    boss_attempts maps a boss to the account's sessions against it; boss_kills maps a boss to
    those of its sessions whose outcome (from any member's closing event, as in
    `session_summaries`) is success, bosses without a kill left out; chat_messages counts
    /chat events; history is a JSON list of {first_at, session_id, last_at, boss_name,
    user_class, item_level, success, events} ordered by the account's first event then
    session id, success left out when unknown, events {at, event_id, method, x, y,
    chat_text} ordered by event time then event id; run_id is the ETL run writing the row.
    """
    sessions = (
        events.groupBy("dt", "account", "session_id")
        .agg(
            F.min("event_time").alias("first_at"),
            F.max("event_time").alias("last_at"),
            latest("boss_name").alias("boss_name"),
            latest("user_class").alias("user_class"),
            latest("item_level").alias("item_level"),
            sorted_list(
                F.col("event_time").alias("at"), "event_id", "method", "x", "y", "chat_text"
            ).alias("events"),
        )
        .join(_outcomes(events).withColumnRenamed("outcome", "success"), list(_SESSION))
    )
    bosses = (
        sessions.groupBy("dt", "account", "boss_name")
        .agg(
            F.count("*").cast("int").alias("attempts"),
            count_where(F.col("success")).cast("int").alias("kills"),
        )
        .groupBy("dt", "account")
        .agg(
            sorted_map(F.col("boss_name"), F.col("attempts")).alias("boss_attempts"),
            F.map_filter(sorted_map(F.col("boss_name"), F.col("kills")), lambda _, v: v > 0).alias(
                "boss_kills"
            ),
        )
    )
    history = sessions.groupBy("dt", "account").agg(
        F.count("*").cast("int").alias("raid_sessions"),
        sorted_list(
            "first_at",
            "session_id",
            "last_at",
            "boss_name",
            "user_class",
            "item_level",
            "success",
            "events",
        ).alias("sessions"),
    )
    accounts = events.groupBy("dt", "account").agg(
        latest("user_class").alias("user_class"),
        count_where(F.col("method") == "/chat").cast("int").alias("chat_messages"),
    )
    joined = accounts.join(history, ["dt", "account"]).join(bosses, ["dt", "account"])
    columns = ["account", "dt", "user_class", "raid_sessions", "boss_attempts", "boss_kills"]
    columns.append("chat_messages")
    return document_row(joined, columns, "history", F.col("sessions"), run_id)


def chat_messages(events: DataFrame) -> DataFrame:
    """Chat texts for analysis (lake /lake/curated/raid/chat_messages).

    Grain: (dt, event_id), one row per event with chat text. Columns: dt, event_id,
    event_time, session_id, account, user_class, boss_name, chat_text.
    """
    return events.where(F.col("chat_text").isNotNull()).select(
        "dt",
        "event_id",
        "event_time",
        "session_id",
        "account",
        "user_class",
        "boss_name",
        "chat_text",
    )
