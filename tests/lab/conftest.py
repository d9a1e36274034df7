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

import pytest

from labkit import LAB, bdp_lab, stage

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
