"""The micro-batch handler (foreachBatch): land one Kafka batch in the lake, exactly once.

Exactly-once design. Spark's checkpoint records batch N's Kafka offsets before running it and
commits N only after the handler returns, so after a crash it runs N again with the very same
records. Every side effect of N is therefore idempotent per batch id:

1. State file `<checkpoint>/bdp-state/b<N>.json` present: N's data is already in the lake;
   only the completion step (idempotent, below) runs again.
2. Otherwise any files an interrupted attempt of N left are deleted first: every file of N is
   named `part-b<N>-<k>.parquet`, in raw/, late/ and rejects/ alike.
3. Per source: parse (rows that fail go to rejects/, counted), keep one row per event_id,
   drop ids already stored for the touched days (raw/ and late/, whose files of N are gone),
   and route each row by the complete days known *before* N (the newest state file below N,
   plus `_SUCCESS` markers of touched days, which only earlier batches wrote), so an attempt
   and its replay route identically. Spark writes under `_staging/`; the files are renamed
   into `raw/<source>/dt=D/` and `late/<source>/dt=D/` under N's names.
4. State N is written (then `latest.json`): the previous state advanced by N's counts and
   offsets. Its presence is what step 1 tests.
5. Completion: every day directory up to the new `complete_through` without `_SUCCESS` is
   compacted and marked (see `compaction`), which is itself resumable. Complete days without
   any event get no directory and no mark; state N counts them (`days.empty_days`).

Event times later than the record's Kafka time (or the writer's clock) plus the allowed
future skew are rejected to rejects/, and the watermark moves at most to the writer's clock
plus that skew, so a source with a wrong clock cannot complete days that have not happened.

Deleting the checkpoint directory deletes the state with it; the lake still stays free of
duplicates after a restart from earliest offsets, because step 3 drops stored ids and routes
days that have `_SUCCESS` to late/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bdp_jobs.hadoopfs import HadoopFS
from bdp_jobs.lake.compaction import complete_day
from bdp_jobs.lake.days import days_to_complete, empty_days
from bdp_jobs.lake.files import day_dirs, drop_batch_files, land, stored_ids
from bdp_jobs.lake.layout import SUCCESS, LakePaths, day_dir_name, state_batch_id
from bdp_jobs.lake.state import (
    BatchCounts,
    SourceState,
    advance,
    hold_empty_days,
    parse_state,
    render_state,
)
from bdp_jobs.lake.transforms import (
    DAY,
    FUTURE,
    LATE,
    REASON,
    accepted,
    dedupe_batch,
    drop_stored,
    mark_late,
    parse_events,
    rejected,
)
from bdp_jobs.sparkschema import EventSchema

TIMEZONE_KEY = "spark.sql.session.timeZone"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def topic_of(source: str) -> str:
    return f"{source}.events"


@dataclass(frozen=True)
class LakeConfig:
    lake: str
    checkpoint: str
    schemas: dict[str, EventSchema]  # by source
    timezone: str
    lateness: timedelta
    target_file_bytes: int
    max_future_skew: timedelta
    paths: LakePaths = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", LakePaths(self.lake, self.checkpoint))


class LakeWriter:
    """`handle` is the foreachBatch function; `report` receives one progress record per batch."""

    def __init__(
        self, config: LakeConfig, fs: HadoopFS, report: Callable[[dict[str, Any]], None]
    ) -> None:
        self.config = config
        self.fs = fs
        self.report = report

    def handle(self, batch: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = batch.sparkSession
        zone = spark.conf.get(TIMEZONE_KEY)
        if zone != self.config.timezone:
            raise ValueError(
                f"{TIMEZONE_KEY} is {zone!r}, but the lake's days are in {self.config.timezone!r}"
            )
        paths = self.config.paths
        now = datetime.now(UTC)
        before = self._state_before(batch_id)
        replayed = self.fs.exists(paths.state(batch_id))
        if replayed:
            document = self.fs.read_json(paths.state(batch_id))
            # The crash may have come between the batch's state file and latest.json.
            self.fs.write_json(paths.latest(), document)
            counts: dict[str, BatchCounts] = {}
            rows_in = None
        else:
            counts, rows_in = self._land(batch, batch_id, before, now)
        dirs = {source: day_dirs(self.fs, paths.raw(source)) for source in self.config.schemas}
        if replayed:
            after = parse_state(document)
        else:
            after = self._advance(before, counts, dirs, now + self.config.max_future_skew)
            document = render_state(batch_id, after, now)
            self.fs.write_json(paths.state(batch_id), document)
            self.fs.write_json(paths.latest(), document)
        completed = self._complete(after, dirs, batch)
        self.report(
            {
                "event": "lake-batch",
                "batch_id": batch_id,
                "replayed": replayed,
                "rows_in": rows_in,
                "sources": {
                    source: {
                        "raw": c.raw,
                        "late": c.late,
                        "duplicates": c.duplicates,
                        "rejected": c.rejected,
                        "future": c.future,
                    }
                    for source, c in counts.items()
                },
                "days_completed": {
                    s: [d.isoformat() for d in days] for s, days in completed.items()
                },
                "seconds": round(time.monotonic() - started, 3),
            }
        )

    def _state_before(self, batch_id: int) -> dict[str, SourceState]:
        """The newest state written by a batch before `batch_id` (none at the start)."""
        ids = [
            i
            for entry in self.fs.list(self.config.paths.state_dir())
            if (i := state_batch_id(entry.name)) is not None and i < batch_id
        ]
        if not ids:
            return {}
        return parse_state(self.fs.read_json(self.config.paths.state(max(ids))))

    def _advance(
        self,
        before: dict[str, SourceState],
        counts: dict[str, BatchCounts],
        dirs: dict[str, dict[date, bool]],
        not_after: datetime,
    ) -> dict[str, SourceState]:
        """Each source's state after the batch, with the days it completed without events."""
        after = {}
        for source in self.config.schemas:
            previous = before.get(source, SourceState())
            state = advance(
                previous, counts[source], self.config.timezone, self.config.lateness, not_after
            )
            held = empty_days(dirs[source], previous.complete_through, state.complete_through)
            after[source] = hold_empty_days(state, held)
        return after

    def _land(
        self, batch: DataFrame, batch_id: int, before: dict[str, SourceState], now: datetime
    ) -> tuple[dict[str, BatchCounts], int]:
        paths = self.config.paths
        areas = [
            area
            for source in self.config.schemas
            for area in (paths.raw(source), paths.late(source), paths.rejects(source))
        ]
        drop_batch_files(self.fs, areas, batch_id)
        self.fs.delete(paths.staging(batch_id))
        batch = batch.persist()
        try:
            offsets, rows = _read_positions(batch)
            counts = {
                source: self._land_source(
                    batch.where(F.col("topic") == topic_of(source)),
                    source,
                    batch_id,
                    before.get(source, SourceState()),
                    offsets[topic_of(source)],
                    now,
                )
                if topic_of(source) in offsets
                else BatchCounts()
                for source in self.config.schemas
            }
        finally:
            batch.unpersist()
        self.fs.delete(paths.staging(batch_id))
        return counts, sum(rows.values())

    def _land_source(
        self,
        rows: DataFrame,
        source: str,
        batch_id: int,
        before: SourceState,
        offsets: dict[str, int],
        now: datetime,
    ) -> BatchCounts:
        schema, paths, fs = self.config.schemas[source], self.config.paths, self.fs
        spark = rows.sparkSession
        staging = paths.staging(batch_id)
        parsed = parse_events(rows, schema, now, self.config.max_future_skew).persist()
        try:
            summary = parsed.agg(
                F.count(F.lit(1)).alias("rows"),
                F.count(F.when(F.col(REASON).isNull(), 1)).alias("good"),
                F.count(F.when(F.col(REASON).startswith(f"{FUTURE}:"), 1)).alias("future"),
                F.max(F.when(F.col(REASON).isNull(), F.unix_micros(schema.event_time))).alias(
                    "newest"
                ),
            ).first()
            assert summary is not None
            rejected_rows = summary["rows"] - summary["good"]
            if rejected_rows:
                land(
                    fs,
                    rejected(parsed),
                    f"{staging}/rejects/{source}",
                    paths.rejects(source),
                    batch_id,
                )
            events = dedupe_batch(accepted(parsed, schema))
            days = sorted(r[DAY] for r in events.select(DAY).distinct().collect())
            raw_area, late_area = paths.raw(source), paths.late(source)
            marked = [d for d in days if fs.exists(f"{raw_area}/{day_dir_name(d)}/{SUCCESS}")]
            fresh = drop_stored(events, stored_ids(spark, fs, [raw_area, late_area], days))
            routed = mark_late(fresh, before.complete_through, marked).persist()
            try:
                split = {r[LATE]: r["count"] for r in routed.groupBy(LATE).count().collect()}
                raw, late = split.get(False, 0), split.get(True, 0)
                for is_late, area, count in ((False, raw_area, raw), (True, late_area, late)):
                    if count:
                        chosen = routed.where(F.col(LATE) == is_late).drop(LATE)
                        name = "late" if is_late else "raw"
                        land(fs, chosen, f"{staging}/{name}/{source}", area, batch_id)
            finally:
                routed.unpersist()
        finally:
            parsed.unpersist()
        newest = summary["newest"]
        return BatchCounts(
            max_event_time=None if newest is None else EPOCH + timedelta(microseconds=newest),
            offsets={topic_of(source): offsets} if offsets else {},
            raw=raw,
            late=late,
            duplicates=summary["good"] - raw - late,
            rejected=rejected_rows,
            future=summary["future"],
        )

    def _complete(
        self,
        after: dict[str, SourceState],
        dirs: dict[str, dict[date, bool]],
        batch: DataFrame,
    ) -> dict[str, list[date]]:
        completed: dict[str, list[date]] = {}
        for source, state in after.items():
            area = self.config.paths.raw(source)
            due = days_to_complete(dirs.get(source, {}), state.complete_through)
            done = [
                day
                for day in due
                if complete_day(
                    batch.sparkSession,
                    self.fs,
                    f"{area}/{day_dir_name(day)}",
                    self.config.target_file_bytes,
                )
            ]
            if done:
                completed[source] = done
        return completed


def _read_positions(batch: DataFrame) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Per topic: the offset after the batch's last record of each partition, and the rows."""
    offsets: dict[str, dict[str, int]] = {}
    rows: dict[str, int] = {}
    grouped = batch.groupBy("topic", "partition").agg(
        F.max("offset").alias("last"), F.count(F.lit(1)).alias("rows")
    )
    for row in grouped.collect():
        offsets.setdefault(row["topic"], {})[str(row["partition"])] = int(row["last"]) + 1
        rows[row["topic"]] = rows.get(row["topic"], 0) + int(row["rows"])
    return offsets, rows
