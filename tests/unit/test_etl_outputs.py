"""Every declared dataset against its transform: declared columns and types, unique keys, no
nulls in MySQL-bound rows, the reconciliation rules holding on the tests' events, empty input."""

import pytest
import test_etl_ads
import test_etl_game
import test_etl_lodging
import test_etl_raid
from etl_fixtures import raw_frame

from bdp_jobs.etl.datasets import load_all, transform_of
from bdp_jobs.etl.frames import mismatches
from bdp_jobs.etl.quality import check_sides, duplicate_keys
from bdp_testkit.helpers import REPO

ROWS = {
    "ads": test_etl_ads.ROWS,
    "game": test_etl_game.ROWS,
    "lodging": test_etl_lodging.ROWS,
    "raid": test_etl_raid.ROWS,
}
DECLARED = load_all(REPO / "schemas")


def produce(dataset, events):
    transform = transform_of(dataset)
    return transform(events, run_id="run-1") if dataset.needs_run_id else transform(events)


@pytest.mark.parametrize("source", sorted(ROWS))
def test_outputs_fit_their_declarations_and_reconcile_with_raw(spark, source):
    events = raw_frame(spark, source, ROWS[source]).cache()
    for dataset in DECLARED[source]:
        output = produce(dataset, events).cache()
        assert mismatches(output.schema, dataset) == []
        assert duplicate_keys(dataset, output) == 0, dataset.name
        for check in dataset.checks:
            raw_side, output_side = check_sides(check, dataset, events, output)
            assert raw_side == output_side > 0, (dataset.name, check)
        if dataset.kind == "structured":  # the MySQL columns are NOT NULL
            any_null = " OR ".join(f"{name} IS NULL" for name in dataset.column_names)
            assert output.where(any_null).count() == 0, dataset.name
        output.unpersist()
    events.unpersist()


@pytest.mark.parametrize("source", sorted(ROWS))
def test_an_empty_day_gives_empty_outputs_of_the_declared_shape(spark, source):
    events = raw_frame(spark, source, [])
    for dataset in DECLARED[source]:
        output = produce(dataset, events)
        assert mismatches(output.schema, dataset) == []
        assert output.isEmpty(), dataset.name
