"""`bdp demo`, the last step of `make demo`, on the lab: it waits for the simulated days to be
ingested and for the daily ETL's runs (unpaused by tests/lab/test_3b_daily_etl_starts.py),
then its report must match the simulator's events. It runs before the ingest tests, whose
late probe event adds to the game source what the simulator never served."""

import re

import pytest

from bdp.sources import platform_sources
from bdp_testkit.helpers import run_tool

pytestmark = pytest.mark.lab

SOURCES = list(platform_sources())
WAIT_S = 1800


@pytest.mark.slow  # waits for ingest and the ETL catch-up (about 7 min): make test-all
def test_bdp_demo_reports_exactly_the_simulators_events(tmp_path):
    page = tmp_path / "demo-report.html"
    result = run_tool(
        "bdp", "demo", "--html", str(page), "--timeout", str(WAIT_S), timeout=2 * WAIT_S + 600
    )
    print(result.stdout, flush=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "The platform holds exactly the simulator's events." in result.stdout
    for source in SOURCES:
        assert re.search(rf"^{source}\s.*\syes$", result.stdout, re.M), source
        for day in ("2026-11-01", "2026-11-02"):
            assert re.search(
                rf"^{source}\s+{day}\s+yes\s+\d+\s+\d+\s+published$", result.stdout, re.M
            )
    assert re.search(r"^lodging_daily_funnel\s+2026-11-02\s+[1-9]\d*$", result.stdout, re.M)
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "<circle" in html and 'fill="#e15759"' in html
