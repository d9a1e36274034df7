"""Every benchmark in one run (`make bench`), then one table of their results.

The site.yml benchmark (bench/deploy.py) runs only if asked (--deploy, or --fresh-lab, which
destroys the lab first); then bench/ingest.py and bench/etl.py. Each writes its JSON results
into one directory (default bench/results/<UTC time>/, git-ignored); the table is printed and
written there as table.md. The first benchmark that fails stops the run: the later ones would
measure a broken lab. Its rows, and theirs, show "not run".

Run: `.venv/bin/python bench/run_all.py --help` (against the lab, as root).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from labhost import REPO, say
from table import markdown, rows

BENCH = REPO / "bench"
BENCHMARKS = ("deploy", "ingest", "etl")


def plan(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """(benchmark, its own arguments) in the order they run; sizes only where given, so each
    benchmark's defaults stay in one place."""
    steps: list[tuple[str, list[str]]] = []
    if args.deploy or args.fresh_lab:
        steps.append(("deploy", ["--fresh-lab"] if args.fresh_lab else []))
    for name, events in (("ingest", args.ingest_events), ("etl", args.etl_events)):
        steps.append((name, [] if events is None else ["--events", str(events)]))
    return steps


def load(directory: Path) -> dict[str, dict[str, object] | None]:
    """Each benchmark's results in `directory`; None where it wrote none."""
    found: dict[str, dict[str, object] | None] = {}
    for name in BENCHMARKS:
        path = directory / f"{name}.json"
        found[name] = json.loads(path.read_text()) if path.exists() else None
    return found


def run(steps: list[tuple[str, list[str]]], directory: Path) -> int:
    """Run the benchmarks in order, each writing `<name>.json`; the first failure's exit code."""
    for number, (name, arguments) in enumerate(steps, 1):
        step = f"{number}/{len(steps)} {name} benchmark"
        say(f"{step}: started")
        started = time.monotonic()
        command = [sys.executable, str(BENCH / f"{name}.py"), *arguments]
        code = subprocess.run(
            [*command, "--json", str(directory / f"{name}.json")], check=False
        ).returncode
        minutes = (time.monotonic() - started) / 60
        if code != 0:
            say(f"{step}: FAILED (exit {code}) after {minutes:.1f} min")
            return code
        say(f"{step}: done in {minutes:.1f} min")
    return 0


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--deploy", action="store_true", help="also time the site.yml re-run")
    cli.add_argument(
        "--fresh-lab",
        action="store_true",
        help="also time site.yml on fresh hosts: DESTROYS AND RE-CREATES THE LAB (all its data)",
    )
    cli.add_argument("--ingest-events", type=int, metavar="N", help="bench/ingest.py --events")
    cli.add_argument("--etl-events", type=int, metavar="N", help="bench/etl.py --events")
    cli.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="results directory, new or empty (default: bench/results/<UTC time>/)",
    )
    cli.add_argument(
        "--table",
        type=Path,
        metavar="DIR",
        help="run nothing: print the table of an earlier run's results directory",
    )
    return cli


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.table:
        print(markdown(rows(load(args.table))))
        return 0
    directory = args.results or BENCH / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    # An earlier run's results there would show in this run's table as if measured now.
    if directory.is_dir() and any(directory.iterdir()):
        cli.error(f"{directory} is not empty: give a new results directory")
    directory.mkdir(parents=True, exist_ok=True)
    say(f"results in {directory}")
    code = run(plan(args), directory)
    table = markdown(rows(load(directory)))
    print(table)
    (directory / "table.md").write_text(table + "\n")
    say(f"table written to {directory / 'table.md'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
