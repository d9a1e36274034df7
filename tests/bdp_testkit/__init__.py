"""What the tests and the benchmarks (bench/) share: running the pinned toolchain and reading
ansible-playbook's output (`helpers`), the second event stream of the ingest benchmark and
drills (`streamkit`).

A package installed with the project (pyproject.toml), so the benchmark scripts import it the
way the tests do. Helpers only the tests use stay beside them (tests/eventkit.py,
tests/lab/labkit.py, ...), on pytest's pythonpath.
"""
