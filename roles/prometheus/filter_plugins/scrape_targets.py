"""Prometheus scrape jobs derived from the inventory and the platform's list of targets.

`bdp_metrics_targets` says, per job, which inventory groups run the exporter and on which
port; this filter turns it into one target per host (or per source, for the collectors, which
spread the sources over their hosts), so a host added to a group is scraped without anyone
writing its address.
"""

from collections.abc import Mapping, Sequence
from typing import Any


def _hosts(groups: Mapping[str, Sequence[str]], names: Sequence[str]) -> list[str]:
    """Hosts of the groups, in inventory order, each once; a group the inventory lacks is an
    error, not an empty job."""
    missing = [name for name in names if name not in groups]
    if missing:
        raise ValueError(f"bdp_metrics_targets names groups the inventory lacks: {missing}")
    found: list[str] = []
    for name in names:
        found += [host for host in groups[name] if host not in found]
    return found


def scrape_jobs(
    targets: Mapping[str, Mapping[str, Any]],
    groups: Mapping[str, Sequence[str]],
    addresses: Mapping[str, str],
    sources: Sequence[str],
    excluded: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """[{job, targets: [{address, host, source?}]}] for every job not excluded, in order.

    A job with `per_source` runs source i on host i modulo the hosts' count, on port + i;
    one with `first_host` runs on the first host of its groups only.
    """
    jobs = []
    for job, target in targets.items():
        if job in excluded:
            continue
        hosts = _hosts(groups, target["groups"])
        port = int(target["port"])
        if target.get("per_source"):
            found = [
                {
                    "address": f"{addresses[hosts[i % len(hosts)]]}:{port + i}",
                    "host": hosts[i % len(hosts)],
                    "source": source,
                }
                for i, source in enumerate(sources)
            ]
        else:
            chosen = hosts[:1] if target.get("first_host") else hosts
            found = [{"address": f"{addresses[host]}:{port}", "host": host} for host in chosen]
        if found:
            jobs.append({"job": job, "targets": found})
    return jobs


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"scrape_jobs": scrape_jobs}
