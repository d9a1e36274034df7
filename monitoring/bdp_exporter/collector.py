"""The probes and one collection of them: each probe's samples, or none and a reason.

A probe either succeeds and contributes all its samples, or fails and contributes none:
a partial or zero value for something that could not be read would look like a real
measurement. Each probe's outcome is bdp_exporter_probe_success{probe}. A collection is
reused for `cache_seconds`, so scrapes close together (or from two Prometheus servers) probe
once.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bdp_exporter import days, opensearch, tls
from bdp_exporter.config import Config
from bdp_exporter.etl import Report, ReportError, etl_samples, newest_published, parse_report
from bdp_exporter.etl import still_needed as etl_day_needed
from bdp_exporter.lake import lake_samples
from bdp_exporter.metrics import PROBE_SUCCESS, NamedSample, sample
from bdp_exporter.webhdfs import Deadline, WebHdfs
from bdp_jobs.lake.layout import LakePaths, parse_day_dir
from bdp_runtime.spnego import Negotiator

log = logging.getLogger(__name__)

Warn = Callable[[str], None]
# A probe: (the collection's instant, a sink for warnings that do not fail it) -> samples.
ProbeRun = Callable[[datetime, Warn], list[NamedSample]]


@dataclass(frozen=True)
class Probe:
    name: str
    run: ProbeRun


def etl_runs_dir(lake: str, source: str) -> str:
    """<lake>/_etl/runs/<source>, where the ETL writes its run reports."""
    return f"{lake.rstrip('/')}/_etl/runs/{source}"


def _day_dirs(client: WebHdfs, path: str) -> list[tuple[date, str]]:
    """(day, folder) of the dt=YYYY-MM-DD folders in `path`, newest first."""
    found = [(parse_day_dir(name), name) for name in client.list_names(path) or []]
    return sorted(((day, name) for day, name in found if day), reverse=True)


def read_reports(
    client: WebHdfs, lake: str, source: str, today: date, window_days: int, warn: Warn
) -> dict[date, list[Report]]:
    """The parsed reports of the days the ETL samples need, newest day first. A report that
    is missing or does not parse (the ETL may be rewriting it) is left out with a warning."""
    runs = etl_runs_dir(lake, source)
    reports: dict[date, list[Report]] = {}
    published_found = False
    for day, folder in _day_dirs(client, runs):
        if not etl_day_needed(day, published_found, today, window_days):
            break
        parsed = []
        for name in client.list_names(f"{runs}/{folder}") or []:
            if not name.endswith(".json"):
                continue
            path = f"{runs}/{folder}/{name}"
            try:
                document = client.read_json(path)
                if document is not None:
                    parsed.append(parse_report(document))
            except (ReportError, ValueError) as exc:
                warn(f"run report {path} left out: {exc}")
        reports[day] = parsed
        published_found = published_found or newest_published({day: parsed}) is not None
    return reports


def first_raw_day(client: WebHdfs, paths: LakePaths, source: str) -> date | None:
    found = _day_dirs(client, paths.raw(source))
    return found[-1][0] if found else None


def hdfs_probe(config: Config) -> ProbeRun:
    context = ssl.create_default_context(cafile=config.ca_file)
    https = config.namenode_url.startswith("https:")
    paths = LakePaths(config.lake, config.lake_writer_checkpoint)

    def run(now: datetime, warn: Warn) -> list[NamedSample]:
        client = WebHdfs(
            config.namenode_url,
            config.hdfs_user,
            Deadline(config.probe_timeout_seconds),
            context if https else None,
            Negotiator(config.kerberos) if config.kerberos else None,
        )
        samples = []
        state = client.read_json(paths.latest())
        if state is None:
            warn(f"no lake writer state at {paths.latest()} (has the writer run?)")
        else:
            samples += lake_samples(state, config.sources, config.timezone, config.raw_grace)
        today = days.today(now, config.timezone)
        for source in config.sources:
            reports = read_reports(
                client, config.lake, source, today, config.quality_window_days, warn
            )
            raw_day = None if newest_published(reports) else first_raw_day(client, paths, source)
            samples += etl_samples(
                source,
                reports,
                raw_day,
                today,
                config.quality_window_days,
                config.timezone,
                config.publish_grace,
            )
        return samples

    return run


def opensearch_probe(config: Config) -> ProbeRun:
    settings = config.opensearch
    assert settings is not None
    context = ssl.create_default_context(cafile=settings.ca_file)

    def run(now: datetime, warn: Warn) -> list[NamedSample]:
        health = opensearch.fetch_health(
            settings.url,
            settings.user,
            settings.password(),
            context,
            config.probe_timeout_seconds,
        )
        return opensearch.status_samples(health)

    return run


def tls_probe(config: Config, endpoint: str) -> ProbeRun:
    context = tls.context(config.ca_file)

    def run(now: datetime, warn: Warn) -> list[NamedSample]:
        der = tls.peer_certificate(endpoint, context, config.probe_timeout_seconds)
        return tls.expiry_samples(endpoint, der)

    return run


def probes(config: Config) -> list[Probe]:
    found = [Probe("hdfs", hdfs_probe(config))]
    if config.opensearch is not None:
        found.append(Probe("opensearch", opensearch_probe(config)))
    found += [Probe(f"tls:{e}", tls_probe(config, e)) for e in config.tls_endpoints]
    return found


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Collector:
    """Runs the probes in parallel, each bounded by the probe timeout, and caches the result."""

    def __init__(
        self,
        probes: list[Probe],
        timeout_seconds: float,
        cache_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.probes = probes
        self.timeout_seconds = timeout_seconds
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, list[NamedSample]] | None = None
        self._failures: dict[str, str] = {}  # probe -> reason logged for its current failure
        self._warned: set[str] = set()

    def collect(self) -> list[NamedSample]:
        with self._lock:  # a scrape arriving during a collection waits for it
            if self._cached and time.monotonic() - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            samples = self._collect()
            self._cached = (time.monotonic(), samples)
            return samples

    def _collect(self) -> list[NamedSample]:
        now = self.clock()
        warnings: dict[str, list[str]] = {probe.name: [] for probe in self.probes}
        outcomes: dict[str, list[NamedSample] | BaseException] = {}
        if self.probes:
            pool = ThreadPoolExecutor(len(self.probes), thread_name_prefix="probe")
            futures = {
                probe.name: pool.submit(probe.run, now, warnings[probe.name].append)
                for probe in self.probes
            }
            # The probes bound their own calls; this bounds a probe that does not.
            wait(futures.values(), timeout=self.timeout_seconds + 1)
            pool.shutdown(wait=False, cancel_futures=True)
            for name, future in futures.items():
                if not future.done():
                    outcomes[name] = TimeoutError(
                        f"probe did not finish within {self.timeout_seconds:g} s"
                    )
                else:
                    outcomes[name] = future.exception() or future.result()
        self._log_warnings(warnings)
        samples: list[NamedSample] = []
        for probe in self.probes:
            outcome = outcomes[probe.name]
            if isinstance(outcome, BaseException):
                samples.append(sample(PROBE_SUCCESS, 0, probe=probe.name))
                self._failed(probe.name, outcome)
            else:
                samples.append(sample(PROBE_SUCCESS, 1, probe=probe.name))
                samples += outcome
                self._succeeded(probe.name)
        return samples

    def _failed(self, name: str, exc: BaseException) -> None:
        reason = _reason(exc)
        if self._failures.get(name) != reason:
            log.warning("probe %s failed: %s", name, reason)
            self._failures[name] = reason
        else:
            log.debug("probe %s still failing: %s", name, reason)

    def _succeeded(self, name: str) -> None:
        if self._failures.pop(name, None) is not None:
            log.info("probe %s succeeds again", name)

    def _log_warnings(self, warnings: dict[str, list[str]]) -> None:
        """Each warning once while it persists, again after it went away and came back."""
        current = {f"probe {name}: {text}" for name, texts in warnings.items() for text in texts}
        for text in sorted(current - self._warned):
            log.warning("%s", text)
        self._warned = current
