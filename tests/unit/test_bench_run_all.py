"""Which benchmarks `make bench` runs, in which order, with which arguments (bench/run_all.py)."""

from run_all import parser, plan


def planned(*argv):
    return plan(parser().parse_args(argv))


def test_by_default_ingest_then_etl_with_their_own_defaults():
    assert planned() == [("ingest", []), ("etl", [])]


def test_the_site_yml_benchmark_runs_first_and_only_when_asked():
    assert planned("--deploy")[0] == ("deploy", [])
    assert planned("--fresh-lab") == [("deploy", ["--fresh-lab"]), ("ingest", []), ("etl", [])]


def test_sizes_go_to_their_benchmark():
    assert planned("--ingest-events", "5000", "--etl-events", "200000") == [
        ("ingest", ["--events", "5000"]),
        ("etl", ["--events", "200000"]),
    ]
