"""lodging: the daily booking funnel, per-user journeys and the review text.

Input: raw lodging events (the schema's properties, `event_id`, `dt`). Page kinds follow the
`method` pattern of the event schema: /home, /subhome/<category>, /places/N, /buy/places/N,
/refund/places/N, /review/places/N.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bdp_jobs.etl.frames import count_where, document_row, latest, sorted_list, sorted_map


def _is(prefix: str) -> Column:
    return F.col("method").startswith(prefix)


def _booked() -> Column:
    return _is("/buy/places/") & (F.col("status") == 1)


def daily_funnel(events: DataFrame) -> DataFrame:
    """Views, bookings and refunds per category and audience (MySQL lodging_daily_funnel).

    Grain: (dt, category, gender, age_band). Columns: dt, category, gender, age_band, views,
    buys, refunds.

    Rules: views counts place pages (/places/N), buys counts bookings (/buy/places/N with
    status 1, the schema's "booked"), refunds counts /refund/places/N; the category is the
    event's (the place's category); events of other kinds, and events without a category,
    are in no row; a group gets a row when one of its counts is positive.
    """
    counted = _is("/places/") | _booked() | _is("/refund/places/")
    return (
        events.where(counted & F.col("category").isNotNull())
        .groupBy("dt", "category", "gender", "age_band")
        .agg(
            count_where(_is("/places/")).alias("views"),
            count_where(_booked()).alias("buys"),
            count_where(_is("/refund/places/")).alias("refunds"),
        )
    )


def user_journeys(events: DataFrame, run_id: str) -> DataFrame:
    """Each account's day as ordered sessions of steps (Cassandra marts.lodging_user_journeys).

    Grain: (account, dt). Columns: account, dt, gender, age_band, session_count, page_views,
    booked_places, refunds, sessions, run_id.

    Rules: gender and age_band are those of the account's latest event; session_count counts
    distinct session_id; page_views maps a page kind ("home", "subhome/<category>",
    "places") to its views; booked_places lists the place ids booked (status 1), sorted as
    text; refunds counts /refund events; sessions is a JSON list of {started_at, session_id,
    ended_at, steps} ordered by start then id, whose steps {at, event_id, method, category,
    place_id, status, rating} are ordered by event time then event id (null fields left
    out); run_id is the ETL run writing the row. A session crossing midnight is split by dt.
    """
    page = F.regexp_extract("method", r"^/(home|subhome/[a-z_]+|places)(/[0-9]+)?$", 1)
    # Every account gets a map, empty when it only bought, refunded or reviewed.
    views = (
        events.withColumn("page", page)
        .groupBy("dt", "account", "page")
        .agg(F.count("*").cast("int").alias("n"))
        .groupBy("dt", "account")
        .agg(
            F.map_filter(sorted_map(F.col("page"), F.col("n")), lambda k, _: k != "").alias(
                "page_views"
            )
        )
    )
    sessions = (
        events.groupBy("dt", "account", "session_id")
        .agg(
            F.min("event_time").alias("started_at"),
            F.max("event_time").alias("ended_at"),
            sorted_list(
                F.col("event_time").alias("at"),
                "event_id",
                "method",
                "category",
                "place_id",
                "status",
                "rating",
            ).alias("steps"),
        )
        .groupBy("dt", "account")
        .agg(
            F.count("*").cast("int").alias("session_count"),
            sorted_list("started_at", "session_id", "ended_at", "steps").alias("session_list"),
        )
    )
    people = events.groupBy("dt", "account").agg(
        latest("gender").alias("gender"),
        latest("age_band").alias("age_band"),
        F.array_sort(F.collect_set(F.when(_booked(), F.col("place_id").cast("string")))).alias(
            "booked_places"
        ),
        count_where(_is("/refund/")).cast("int").alias("refunds"),
    )
    joined = people.join(sessions, ["dt", "account"]).join(views, ["dt", "account"])
    columns = ["account", "dt", "gender", "age_band", "session_count", "page_views"]
    columns += ["booked_places", "refunds"]
    return document_row(joined, columns, "sessions", F.col("session_list"), run_id)


def reviews(events: DataFrame) -> DataFrame:
    """Review texts for analysis (lake /lake/curated/lodging/reviews).

    Grain: (dt, event_id), one row per event with review text. Columns: dt, event_id,
    event_time, account, session_id, place_id, category, rating, review_text.
    """
    return events.where(F.col("review_text").isNotNull()).select(
        "dt",
        "event_id",
        "event_time",
        "account",
        "session_id",
        "place_id",
        "category",
        "rating",
        "review_text",
    )
