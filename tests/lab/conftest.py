"""One lab for the whole lab suite: fresh hosts at the start, destroyed at the end.

BDP_LAB_REUSE=1 runs the tests against the lab that is already up and leaves it up;
BDP_LAB_KEEP=1 leaves the lab the tests created up at the end (CI, whose machine is discarded).

The suite's files are numbered because they build on each other: deploy first, then
what needs a deployed platform, then the failure commands (9).
"""

import logging
import os
import shutil
import time
from collections import defaultdict
from pathlib import Path

import pytest

from labkit import LAB, STAGES, bdp_lab, stage

# The Kafka client logs every reconnect, and the drills stop brokers on purpose: its lines
# buried the tests' own output (assertions say what went wrong).
logging.getLogger("kafka").setLevel(logging.CRITICAL)


@pytest.fixture(scope="session", autouse=True)
def lab():
    if os.geteuid() != 0 or not shutil.which("systemd-nspawn"):
        pytest.fail("the lab tests need root and systemd-nspawn: run `make setup` as root")
    if os.environ.get("BDP_LAB_REUSE") == "1":  # iterate on tests against a running lab
        yield LAB
        return
    bdp_lab("destroy")  # start from fresh hosts; the base image is kept as a cache
    started = time.monotonic()
    created = bdp_lab("create")
    assert created.returncode == 0, created.stdout + created.stderr
    stage("bdp lab create (13 hosts)", started)
    yield LAB
    if os.environ.get("BDP_LAB_KEEP") == "1":  # CI: the machine is discarded after the run
        return
    started = time.monotonic()
    destroyed = bdp_lab("destroy")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    stage("bdp lab destroy", started)


# Wall seconds per test module (setup, call and teardown of its tests), in the order run.
_MODULE_SECONDS: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _MODULE_SECONDS[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    """Where the lab run's time went: per module, then the named stages inside them. With
    BDP_STAGE_LOG set (.ci/run), the per-module rows also go to that file for CI's table."""
    if not _MODULE_SECONDS:
        return
    write = terminalreporter.write_line
    write("\n== lab time per test module (seconds)")
    for module, seconds in _MODULE_SECONDS.items():
        write(f"{Path(module).name:<48} {seconds:8.0f}")
    write("\n== lab stages (seconds)")
    for name, seconds in STAGES:
        write(f"{name:<72} {seconds:8.0f}")
    if log := os.environ.get("BDP_STAGE_LOG"):
        with open(log, "a") as rows:
            for module, seconds in _MODULE_SECONDS.items():
                rows.write(f"lab: {Path(module).name}\t{seconds:.0f}\n")
