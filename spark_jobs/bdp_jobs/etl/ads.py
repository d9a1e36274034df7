"""ads: daily ad performance, viewer profiles and the ad text.

Input: raw ads events (the schema's properties, `event_id`, `dt`). Every event is one
impression; `click` marks a click, which counts only under the repeat-click rule.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from bdp_jobs.etl.frames import (
    EVENT_ORDER,
    count_where,
    document_row,
    latest,
    sorted_list,
    sorted_map,
)

# A click less than this long after the viewer's previous click on the ad repeats it.
REPEAT_CLICK_SECONDS = 60
# Viewing times are summed as decimals, exact whatever order the partitions add up in: in
# doubles 17.423 + 1.412 + 11.665 makes 30.499999999999996, which would round down.
_SECONDS = "decimal(28,6)"


def counted_clicks(events: DataFrame, window_seconds: int = REPEAT_CLICK_SECONDS) -> DataFrame:
    """The events with a boolean `counted_click`: the click counts once (the 60-second rule).

    Rule: a click counts unless the same account clicked the same ad_id less than
    window_seconds before it, whether or not that earlier click counted (a burst of repeats
    is one click); exactly window_seconds apart counts again; equal times are ordered by
    event_id. The window spans days present in the input: clicks of the previous day are
    only seen if the caller passes them.
    """
    order = Window.partitionBy("account", "ad_id").orderBy(*EVENT_ORDER)
    previous = F.last(F.when(F.col("click"), F.col("event_time")), ignorenulls=True).over(
        order.rowsBetween(Window.unboundedPreceding, -1)
    )
    gap_ms = F.unix_millis("event_time") - F.unix_millis(previous)
    repeat = F.coalesce(gap_ms < window_seconds * 1000, F.lit(False))
    return events.withColumn("counted_click", F.col("click") & ~repeat)


def ad_performance(events: DataFrame, window_seconds: int = REPEAT_CLICK_SECONDS) -> DataFrame:
    """Impressions, counted clicks, CTR and viewing time per ad and audience (MySQL
    ads_daily_performance).

    Grain: (dt, ad_id, gender, age_band). Columns: dt, ad_id, ad_name, genre, gender,
    age_band, impressions, clicks, ctr, avg_viewing_time_s.

    Rules: impressions counts events; clicks counts clicks under `counted_clicks`; ctr is
    clicks / impressions; avg_viewing_time_s is the mean viewing_time; ad_name and genre are
    those of the group's latest event.
    """
    return (
        counted_clicks(events, window_seconds)
        .groupBy("dt", "ad_id", "gender", "age_band")
        .agg(
            latest("ad_name").alias("ad_name"),
            latest("genre").alias("genre"),
            F.count("*").alias("impressions"),
            count_where(F.col("counted_click")).alias("clicks"),
            F.avg("viewing_time").alias("avg_viewing_time_s"),
        )
        .select(
            "dt",
            "ad_id",
            "ad_name",
            "genre",
            "gender",
            "age_band",
            "impressions",
            "clicks",
            (F.col("clicks") / F.col("impressions")).alias("ctr"),
            "avg_viewing_time_s",
        )
    )


def viewer_profiles(
    events: DataFrame, run_id: str, window_seconds: int = REPEAT_CLICK_SECONDS
) -> DataFrame:
    """One profile per viewer and day (Cassandra marts.ads_viewer_profiles).

    Grain: (account, dt). Columns: account, dt, gender, age_band, impressions, clicks,
    viewing_seconds, clicked_ads, profile, run_id.

    Rules: gender and age_band are those of the latest event; impressions counts events and
    clicks the counted clicks; viewing_seconds maps a genre to its summed viewing_time
    rounded to whole seconds (half up; the table holds ints); clicked_ads lists the ad ids
    with a counted click, sorted; profile is the JSON document {account, dt, gender,
    age_band, impressions, clicks, ads: [{ad_id, genre, impressions, clicks,
    viewing_time_s (exact sum)}] by ad_id}; run_id is the ETL run writing the row. Sums of
    viewing_time are exact (to the microsecond), so a half second rounds up in any order.
    """
    marked = counted_clicks(events, window_seconds)
    per_ad = marked.groupBy("dt", "account", "ad_id").agg(
        latest("genre").alias("genre"),
        F.count("*").cast("int").alias("impressions"),
        count_where(F.col("counted_click")).cast("int").alias("clicks"),
        F.sum(F.col("viewing_time").cast(_SECONDS)).cast("double").alias("viewing_time_s"),
    )
    genres = (
        marked.groupBy("dt", "account", "genre")
        .agg(F.round(F.sum(F.col("viewing_time").cast(_SECONDS))).cast("int").alias("seconds"))
        .groupBy("dt", "account")
        .agg(sorted_map(F.col("genre"), F.col("seconds")).alias("viewing_seconds"))
    )
    viewers = (
        per_ad.groupBy("dt", "account")
        .agg(
            F.sum("impressions").cast("int").alias("impressions"),
            F.sum("clicks").cast("int").alias("clicks"),
            F.array_sort(F.collect_list(F.when(F.col("clicks") > 0, F.col("ad_id")))).alias(
                "clicked_ads"
            ),
            sorted_list("ad_id", "genre", "impressions", "clicks", "viewing_time_s").alias("ads"),
        )
        .join(
            marked.groupBy("dt", "account").agg(
                latest("gender").alias("gender"), latest("age_band").alias("age_band")
            ),
            ["dt", "account"],
        )
        .join(genres, ["dt", "account"])
    )
    document = F.struct(
        "account",
        F.col("dt").cast("string").alias("dt"),
        "gender",
        "age_band",
        "impressions",
        "clicks",
        "ads",
    )
    columns = ["account", "dt", "gender", "age_band", "impressions", "clicks"]
    columns += ["viewing_seconds", "clicked_ads"]
    return document_row(viewers, columns, "profile", document, run_id)


def ad_texts(events: DataFrame, window_seconds: int = REPEAT_CLICK_SECONDS) -> DataFrame:
    """Each ad's text with its day's reach, for text analysis (lake /lake/curated/ads/ad_texts).

    Grain: (dt, ad_id). Columns: dt, ad_id, ad_name, genre, ad_text, impressions, clicks.

    Rules: ad_name and genre are those of the latest event; ad_text is the latest non-null
    one (null when no event carried text); impressions and clicks as in `ad_performance`.
    """
    return (
        counted_clicks(events, window_seconds)
        .groupBy("dt", "ad_id")
        .agg(
            latest("ad_name").alias("ad_name"),
            latest("genre").alias("genre"),
            latest("ad_text", skip_nulls=True).alias("ad_text"),
            F.count("*").alias("impressions"),
            count_where(F.col("counted_click")).alias("clicks"),
        )
    )
