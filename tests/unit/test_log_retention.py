"""The daily log retention: which indices it deletes."""

from datetime import date

import pytest

from bdp_runtime.log_retention import expired, index_day, main

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("logs-kafka-2026.12.05", date(2026, 12, 5)),
        ("logs-kafka-controller-2026.01.31", date(2026, 1, 31)),
        ("logs-lab-probe-2025.02.28", date(2025, 2, 28)),
        ("logs-kafka-2026.02.30", None),  # not a calendar day
        ("logs-kafka", None),
        ("logs-kafka-20261205", None),
        ("metrics-kafka-2026.12.05", None),
        (".opendistro_security", None),
        ("logs--2026.12.05", None),
    ],
)
def test_index_day(name, day):
    assert index_day(name, "logs") == day


def test_expired_keeps_the_retention_window_and_other_indices():
    names = [
        "logs-kafka-2026.11.05",  # 31 days old: expired with 30 days kept
        "logs-kafka-2026.11.06",  # 30 days old: kept
        "logs-airflow-2025.12.31",
        "logs-kafka-2026.12.06",
        "security-auditlog-2020.01.01",
        "logs-kafka-summary",
    ]
    assert expired(names, "logs", TODAY, 30) == ["logs-airflow-2025.12.31", "logs-kafka-2026.11.05"]
    assert expired(names, "logs", TODAY, 400) == []


def test_a_retention_below_one_day_is_refused():
    with pytest.raises(ValueError, match="at least 1 day"):
        expired(["logs-kafka-2026.12.06"], "logs", TODAY, 0)
    with pytest.raises(SystemExit):
        main(["--url", "https://x:9200", "--days", "0", "--ca", "c", "--cert", "c", "--key", "k"])
