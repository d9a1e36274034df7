"""site.yml benchmark on the lab: wall time of `ansible-playbook -i inventories/lab site.yml`
on fresh hosts, then of the idempotent re-run, and how many tasks that re-run changed.

1. With --fresh-lab: `bdp lab destroy` then `bdp lab create`, as the lab test suite starts.
   This deletes every lab host and all its data (HDFS, Kafka, the warehouse, Cassandra, ...),
   so it needs the flag and warns first. Then site.yml on the fresh hosts.
2. site.yml again: with idempotent roles it changes nothing. Its changed count is reported,
   not asserted (a benchmark has nothing to assert; the lab test asserts it).

Without --fresh-lab only step 2 runs, against the lab as it is (deployed already, or the
changed count says it was not).

Run: `.venv/bin/python bench/deploy.py --help` (against the lab, as root).
"""

from __future__ import annotations

import argparse
import sys
import time

from labhost import report, say
from playbook_profile import task_times, totals

from bdp_testkit.helpers import play_recap, playbook_report, run_site_yml, run_tool

WARNING_PAUSE = 10
WARNING = (
    "WARNING: --fresh-lab destroys the lab: every host and everything on it (HDFS, Kafka,\n"
    "the warehouse, Cassandra, Airflow's database) is deleted, then the hosts are created\n"
    "empty. Press Ctrl-C within {seconds} s to keep the lab."
)


def bdp_lab(action: str) -> float:
    """Seconds of `bdp lab <action>`; a failure ends the benchmark with its output."""
    say(f"bdp lab {action}")
    started = time.monotonic()
    result = run_tool("bdp", "lab", action)
    if result.returncode != 0:
        sys.exit(f"bench: bdp lab {action} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return time.monotonic() - started


def site_yml(what: str) -> tuple[float, dict[str, int], dict[str, dict[str, float]]]:
    """Seconds of one site.yml run, the changed count of each host that changed anything,
    and where the time went (seconds per role and per kind of task)."""
    say(f"site.yml, {what}")
    started = time.monotonic()
    result = run_site_yml()
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"bench: site.yml ({what}) failed:\n{playbook_report(result)}")
    recap = play_recap(result.stdout)
    changed = {host: counts["changed"] for host, counts in recap.items() if counts["changed"]}
    times = task_times(result.stdout)
    profile = {by: dict(totals(times, by)) for by in ("role", "kind")}
    for by, seconds_by in profile.items():
        say(f"{what}, seconds per {by}: " + ", ".join(f"{k} {v}" for k, v in seconds_by.items()))
    return seconds, changed, profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fresh-lab",
        action="store_true",
        help="destroy and re-create the lab first (DELETES ALL LAB DATA), then time site.yml"
        " on the fresh hosts too",
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    results: dict[str, object] = {}
    if args.fresh_lab:
        print(WARNING.format(seconds=WARNING_PAUSE), file=sys.stderr, flush=True)
        time.sleep(WARNING_PAUSE)
        bdp_lab("destroy")
        results["lab_create_s"] = round(bdp_lab("create"), 1)
        fresh_seconds, _, results["site_yml_fresh_profile"] = site_yml("fresh hosts")
        results["site_yml_fresh_s"] = round(fresh_seconds, 1)
    seconds, changed, results["site_yml_rerun_profile"] = site_yml("idempotent re-run")
    if changed:
        say(f"the re-run changed tasks on: {changed}")
    results["site_yml_rerun_s"] = round(seconds, 1)
    results["site_yml_rerun_changed"] = sum(changed.values())
    report(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
