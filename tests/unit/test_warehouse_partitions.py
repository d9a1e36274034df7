"""Planning the warehouse's daily partitions: future days, retention, boundaries."""

from datetime import date

import pytest

from bdp_runtime.warehouse import WarehouseError
from bdp_runtime.warehouse.partitions import Partition, partition, plan

HISTORY = Partition("p_history", date(1970, 1, 1))


def daily(*days: date) -> list[Partition]:
    return [Partition(f"p{day:%Y%m%d}", date.fromordinal(day.toordinal() + 1)) for day in days]


def test_information_schema_descriptions_are_parsed():
    assert partition("p20261122", "'2026-11-23'") == Partition("p20261122", date(2026, 11, 23))
    assert partition("pmax", "MAXVALUE") == Partition("pmax", None)
    with pytest.raises(WarehouseError, match="bound '738000' is not a day"):
        partition("p1", "738000")


def test_a_new_table_gets_the_whole_window_at_once():
    result = plan("t", [HISTORY], date(2026, 11, 22), future=7, retention=3)
    assert result.add[0] == date(2026, 11, 19) and result.add[-1] == date(2026, 11, 29)
    assert len(result.add) == 11 and result.drop == () and result.existing_through is None
    assert result.statements() == [
        "ALTER TABLE `t` ADD PARTITION ("
        + ", ".join(
            f"PARTITION p202611{day:02d} VALUES LESS THAN ('2026-11-{day + 1:02d}')"
            for day in range(19, 30)
        )
        + ")"
    ]


def test_an_empty_partition_list_plans_the_same_window():
    assert (
        plan("t", [], date(2026, 11, 22), 7, 3).add
        == plan("t", [HISTORY], date(2026, 11, 22), 7, 3).add
    )


def test_a_maintained_table_changes_nothing_the_same_day():
    existing = [HISTORY, *daily(*(date(2026, 11, d) for d in range(19, 30)))]
    result = plan("t", existing, date(2026, 11, 22), 7, 3)
    assert result.statements() == []
    assert result.existing_through == date(2026, 11, 29)


def test_the_next_day_adds_one_partition_and_drops_the_expired_one():
    existing = [HISTORY, *daily(*(date(2026, 11, d) for d in range(19, 30)))]
    result = plan("t", existing, date(2026, 11, 23), 7, 3)
    assert result.statements() == [
        "ALTER TABLE `t` ADD PARTITION (PARTITION p20261130 VALUES LESS THAN ('2026-12-01'))",
        "ALTER TABLE `t` DROP PARTITION p20261119",
    ]


def test_future_days_cross_the_year_boundary():
    existing = daily(date(2026, 12, 27), date(2026, 12, 28))
    result = plan("t", existing, date(2026, 12, 28), future=5, retention=10)
    assert [f"{d:%Y%m%d}" for d in result.add] == [
        "20261229",
        "20261230",
        "20261231",
        "20270101",
        "20270102",
    ]
    assert "PARTITION p20261231 VALUES LESS THAN ('2027-01-01')" in result.statements()[0]


def test_future_days_cross_february_in_a_leap_year():
    result = plan("t", daily(date(2028, 2, 27)), date(2028, 2, 27), future=2, retention=0)
    assert result.add == (date(2028, 2, 28), date(2028, 2, 29))
    assert "PARTITION p20280229 VALUES LESS THAN ('2028-03-01')" in result.statements()[0]


def test_retention_drops_across_a_month_boundary_and_keeps_foreign_partitions():
    existing = [
        HISTORY,
        Partition("p_manual", date(2026, 10, 1)),
        *daily(date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)),
    ]
    result = plan("t", existing, date(2026, 11, 2), future=0, retention=1)
    assert result.add == () and result.drop == ("p20261030", "p20261031")
    assert result.statements() == ["ALTER TABLE `t` DROP PARTITION p20261030, p20261031"]


def test_days_missed_while_maintenance_did_not_run_are_added_in_order():
    result = plan("t", daily(date(2026, 11, 20)), date(2026, 11, 23), future=1, retention=30)
    assert result.add == tuple(date(2026, 11, d) for d in (21, 22, 23, 24))


def test_partitions_beyond_the_window_mean_nothing_to_add():
    assert plan("t", daily(date(2027, 1, 1)), date(2026, 11, 22), 7, 30).add == ()


def test_a_maxvalue_partition_is_refused_with_the_cause():
    with pytest.raises(WarehouseError, match="table t: partition pmax is VALUES LESS THAN"):
        plan("t", [HISTORY, Partition("pmax", None)], date(2026, 11, 22), 7, 30)


def test_table_names_are_quoted():
    result = plan("odd`name", [], date(2026, 11, 22), 0, 0)
    assert result.statements()[0].startswith("ALTER TABLE `odd``name` ADD PARTITION")
