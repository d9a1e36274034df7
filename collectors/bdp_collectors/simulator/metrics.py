"""The event API's request counters and their bdp_event_api_* metric families."""

import threading
from collections import Counter
from collections.abc import Iterable, Mapping

from bdp_runtime.exposition import MetricFamily, Sample

# (source, HTTP status) -> requests; source "" for a request naming no served source
RequestKey = tuple[str, int]


def api_families(
    requests: Mapping[RequestKey, int], served: Mapping[str, int]
) -> list[MetricFamily]:
    """The families of the counts (pure). An empty source label is the same as none to
    Prometheus: /healthz, unknown paths and unknown sources are counted without one."""
    request_samples = tuple(
        Sample(count, {"source": source, "status": str(status)})
        for (source, status), count in sorted(requests.items())
    )
    served_samples = tuple(
        Sample(count, {"source": source}) for source, count in sorted(served.items())
    )
    return [
        MetricFamily(
            "bdp_event_api_requests_total",
            "counter",
            "HTTP requests answered (other than /metrics), by source and status.",
            request_samples,
        ),
        MetricFamily(
            "bdp_event_api_events_served_total",
            "counter",
            "Events sent in pages, by source (a page served again counts again).",
            served_samples,
        ),
    ]


class ApiCounters:
    """Counts of the handler threads; every series of a served source starts at 0, so a rate
    over it counts its first request too."""

    def __init__(self, sources: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._served = Counter(dict.fromkeys(sources, 0))
        self._requests: Counter[RequestKey] = Counter({(s, 200): 0 for s in self._served})

    def request(self, source: str, status: int) -> None:
        with self._lock:
            self._requests[(source, status)] += 1

    def served(self, source: str, events: int) -> None:
        with self._lock:
            self._served[source] += events

    def families(self) -> list[MetricFamily]:
        with self._lock:
            requests, served = dict(self._requests), dict(self._served)
        return api_families(requests, served)
