"""The collector's main loop: poll a page, validate, deliver, then store the cursor."""

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bdp_collectors.collector.backoff import Backoff
from bdp_collectors.collector.client import ApiError, Page, fetch_page
from bdp_collectors.collector.config import CollectorConfig
from bdp_collectors.collector.cursor import CursorStore
from bdp_collectors.collector.records import Record, Topics, page_records
from bdp_collectors.collector.sink import Sink
from bdp_collectors.collector.stats import Stats
from bdp_collectors.events import utc_iso
from bdp_collectors.validation import EventSchema

log = logging.getLogger("bdp_collectors.collector")
# endpoint, cursor, limit, headers, time budget (s), most body bytes
Fetch = Callable[[str, int, int, dict[str, str], float, int], Page]
# Failures that a smaller page may avoid: halve the limit for the retry.
SHRINK_ON = ("oversized_response", "stalled_response")


def stall_kind(page: Page, cursor: int) -> str | None:
    """Why a page polled at `cursor` should have moved it and did not; None if it is fine.

    The same page again (events, cursor kept) or nothing while more is claimed (no events, not
    the end, `available` beyond the cursor). An empty page at the end is plain idling."""
    if page.next_cursor != cursor:
        return None
    if page.events:
        return "cursor_stalled"
    if not page.end and page.available > cursor:
        return "empty_pages"
    return None


@dataclass(frozen=True)
class Hooks:
    """What tests replace: the HTTP call, sleeping, and the clocks."""

    fetch: Fetch = fetch_page
    sleep: Callable[[float], None] | None = None  # None: sleeps that SIGTERM interrupts
    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    rng: random.Random | None = None


class Collector:
    def __init__(
        self,
        config: CollectorConfig,
        schema: EventSchema,
        sink: Sink,
        store: CursorStore,
        headers: dict[str, str],
        hooks: Hooks | None = None,
        log_interval_s: float = 5.0,
        dlq_raw_max_bytes: int = 262_144,
    ) -> None:
        self.config, self.schema, self.sink, self.store = config, schema, sink, store
        self.headers = headers  # holds the token: never logged
        self.hooks = hooks or Hooks()
        self.log_interval_s, self.dlq_raw_max_bytes = log_interval_s, dlq_raw_max_bytes
        self.topics = Topics(config.kafka.topic, config.kafka.dlq_topic)
        self.stats = Stats(config.source)
        self.api_backoff = Backoff(config.retry, self.hooks.rng)
        self.kafka_backoff = Backoff(config.retry, self.hooks.rng)
        self.stopping = threading.Event()
        self._last_metrics = float("-inf")
        self.limit = config.page_size  # smaller for a while after a page too big to arrive
        self.stalled_pages = 0  # pages in a row that should have moved the cursor and did not

    def request_stop(self) -> None:
        """Finish the page in hand (deliver it, store the cursor), then return from run().

        If Kafka is failing meanwhile, return at once without storing the cursor instead."""
        self.stopping.set()

    def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.hooks.sleep:
            self.hooks.sleep(seconds)
        else:
            self.stopping.wait(seconds)

    def run(self, stop_at_end: bool = False) -> int:
        """Collect until stopped (or, with stop_at_end, until the stream's end is delivered)."""
        cursor = self.store.load()
        self.stats.cursor = cursor
        log.info(
            "collector starting",
            extra={"context": {"source": self.config.source, "cursor": cursor}},
        )
        while not self.stopping.is_set():
            started = self.hooks.monotonic()
            page = self._poll(cursor)
            if page is None:
                continue
            self._polled(page)
            records = page_records(
                page.events,
                self.schema,
                self.topics,
                self.config.max_event_bytes,
                self.dlq_raw_max_bytes,
                cursor,
                self.hooks.now(),
                timedelta(seconds=self.config.max_future_skew_s),
            )
            if not self._deliver(records):
                break
            self.store.save(page.next_cursor)
            cursor = page.next_cursor
            self._delivered(records, cursor)
            if page.end and stop_at_end:
                break
            self._pace(started, len(page.events), idle=page.end or not page.events)
        self.stats.up = False
        self._log_metrics(force=True)
        log.info(
            "collector stopped", extra={"context": {"source": self.config.source, "cursor": cursor}}
        )
        return 0

    def _poll(self, cursor: int) -> Page | None:
        """The page at `cursor`, or None after a failure (logged, counted, waited out)."""
        try:
            page = self.hooks.fetch(
                self.config.endpoint,
                cursor,
                self.limit,
                self.headers,
                self.config.http_timeout_s,
                self.config.max_response_bytes,
            )
        except ApiError as error:
            if error.kind in SHRINK_ON:
                # A page of big events may be legitimately over the limits; the cursor stays, so
                # smaller pages collect the same events (a single-event page that still fails
                # keeps failing, counted and backed off, and is never skipped).
                self.limit = max(1, self.limit // 2)
            self._api_failure(error.kind, error.reason, error.retry_after, cursor)
            return None
        if page.next_cursor < cursor:
            reason = (
                f"API moved the cursor backwards from {cursor} to {page.next_cursor}; page refused"
            )
            self._api_failure("cursor_backwards", reason, None, cursor)
            return None
        return self._progressing(page, cursor)

    def _progressing(self, page: Page, cursor: int) -> Page | None:
        """The page, unless it is one too many in a row that should have moved the cursor.

        A few are taken (a glitch; delivering the same events again is harmless: same event ids,
        the lake drops duplicates); after that each one is a failure, backed off until the API
        moves on, instead of polling it again at full speed or every poll_interval_s."""
        kind = stall_kind(page, cursor)
        if kind is None:
            self.stalled_pages = 0
            self.limit = min(self.config.page_size, self.limit * 2)
            self.api_backoff.reset()
            return page
        self.stalled_pages += 1
        allowed = (
            self.config.max_stalled_pages
            if kind == "cursor_stalled"
            else self.config.max_empty_pages
        )
        if self.stalled_pages <= allowed:
            return page
        if kind == "cursor_stalled":
            what = f"sent {len(page.events)} events without moving the cursor"
        else:
            what = f"sent no events while claiming {page.available} available and no end"
        reason = f"API {what} at cursor {cursor}, {self.stalled_pages} pages in a row; page refused"
        self._api_failure(kind, reason, None, cursor)
        return None

    def _api_failure(self, kind: str, reason: str, retry_after: float | None, cursor: int) -> None:
        self.stats.api_failed(kind, reason)
        delay = self.api_backoff.next_delay(retry_after)
        context = {"source": self.config.source, "kind": kind, "reason": reason, "cursor": cursor}
        context["limit"] = self.limit
        context |= {"retry_in_s": round(delay, 3), "api_errors": self.stats.api_errors}
        log.warning("poll failed (%s), retrying in %.2f s", kind, delay, extra={"context": context})
        self._wait(delay)

    def _deliver(self, records: list[Record]) -> bool:
        """Send until every record is delivered; False if a stop came while Kafka was failing."""
        pending = records
        while pending:
            sent = self.hooks.monotonic()
            failures = self.sink.send(pending)  # returns once each record is confirmed or failed
            self.stats.delivery_took(self.hooks.monotonic() - sent)
            if not failures:
                break
            self.stats.kafka_errors += 1
            self.stats.last_error = f"kafka: {failures[0].error}"
            context = {"source": self.config.source, "undelivered": len(failures)}
            context |= {"error": failures[0].error}
            if self.stopping.is_set():
                # The cursor stays before the page, so a restart polls these records again.
                log.warning("stopping with undelivered records", extra={"context": context})
                return False
            delay = self.kafka_backoff.next_delay()
            context["retry_in_s"] = round(delay, 3)
            log.warning("kafka delivery failed, polling paused", extra={"context": context})
            pending = [failure.record for failure in failures]
            self._wait(delay)
        self.kafka_backoff.reset()
        return True

    def _polled(self, page: Page) -> None:
        self.stats.available = page.available
        self.stats.end = page.end
        self.stats.polled += len(page.events)
        self.stats.last_poll_at = utc_iso(self.hooks.now())
        self.stats.up = True

    def _delivered(self, records: list[Record], cursor: int) -> None:
        rejected = [record for record in records if record.topic == self.topics.dlq]
        for record in rejected:
            log.debug("rejected %s: %s", record.event_id, record.reason)
        self.stats.cursor = cursor
        self.stats.rejected += len(rejected)
        self.stats.produced += len(records) - len(rejected)
        self._log_metrics()

    def _log_metrics(self, force: bool = False) -> None:
        now = self.hooks.monotonic()
        if force or now - self._last_metrics >= self.log_interval_s:
            self._last_metrics = now
            log.info("collector metrics", extra={"context": self.stats.snapshot()})

    def _pace(self, started: float, count: int, idle: bool) -> None:
        """Keep under max_rate_per_s; wait poll_interval_s when there was nothing new."""
        if idle:
            self._wait(self.config.poll_interval_s)
        elif self.config.max_rate_per_s > 0:
            elapsed = self.hooks.monotonic() - started
            self._wait(count / self.config.max_rate_per_s - elapsed)
