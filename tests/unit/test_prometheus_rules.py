"""The Prometheus alert and recording rules (roles/prometheus/files/rules/): promtool accepts
them, their promtool unit tests (rules-tests/) pass, every alert is tested firing and not
firing, and every alert has its runbook entry in docs/monitoring.md."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
FILES = REPO / "roles" / "prometheus" / "files"
RULES = sorted((FILES / "rules").glob("*.yml"))
RULE_TESTS = sorted((FILES / "rules-tests").glob("*.yml"))
DOC = REPO / "docs" / "monitoring.md"
# Where `make build/tools/usr/bin/promtool` unpacks Debian's prometheus package.
BUILT_PROMTOOL = REPO / "build" / "tools" / "usr" / "bin" / "promtool"


@pytest.fixture(scope="module")
def promtool() -> str:
    if BUILT_PROMTOOL.is_file():
        return str(BUILT_PROMTOOL)
    found = shutil.which("promtool")
    if found:
        return found
    pytest.fail(
        f"promtool not found at {BUILT_PROMTOOL.relative_to(REPO)} nor on PATH: run "
        "`make build/tools/usr/bin/promtool` (unpacks Debian's prometheus package there; "
        "`make test-unit` does it first)",
        pytrace=False,
    )


def run(promtool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [promtool, *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )


def rules_of(path: Path) -> list[dict]:
    return [rule for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]


def alerts() -> dict[str, dict]:
    found = {}
    for path in RULES:
        for rule in rules_of(path):
            if "alert" in rule:
                assert rule["alert"] not in found, f"alert {rule['alert']} defined twice"
                found[rule["alert"]] = rule
    return found


def test_the_rule_and_test_files_exist():
    assert RULES, "no rules files"
    assert RULE_TESTS, "no promtool test files"


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.name)
def test_promtool_check_rules(promtool, path):
    result = run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", RULE_TESTS, ids=lambda p: p.name)
def test_promtool_test_rules(promtool, path):
    result = run(promtool, "test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_not_firing():
    firing, quiet = set(), set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = set(alerts())
    assert not names - firing, f"alerts without a firing promtool test: {sorted(names - firing)}"
    assert not names - quiet, f"alerts without a not-firing promtool test: {sorted(names - quiet)}"
    unknown = (firing | quiet) - names
    assert not unknown, f"tests of alerts no rule defines: {sorted(unknown)}"


def test_every_recording_rule_is_tested():
    recorded = {rule["record"] for path in RULES for rule in rules_of(path) if "record" in rule}
    tested = " ".join(
        check["expr"]
        for path in RULE_TESTS
        for case in yaml.safe_load(path.read_text())["tests"]
        for check in case.get("promql_expr_test", [])
    )
    untested = sorted(name for name in recorded if name not in tested)
    assert not untested, f"recording rules without a promql_expr_test: {untested}"


@pytest.mark.parametrize("name", sorted(alerts()))
def test_alert_has_severity_annotations_and_runbook(name):
    rule = alerts()[name]
    assert rule.get("labels", {}).get("severity") in {"critical", "warning"}, name
    annotations = rule.get("annotations", {})
    for key in ("summary", "description", "runbook_url"):
        assert annotations.get(key), f"{name} has no {key}"
    assert annotations["runbook_url"] == f"docs/monitoring.md#{name.lower()}"
    headings = re.findall(r"^#{2,4} (\S+)\s*$", DOC.read_text(), flags=re.MULTILINE)
    assert name in headings, f"docs/monitoring.md has no runbook heading '### {name}'"


CONSOLES = FILES / "consoles"
CONSOLE_LIB = FILES / "console_libraries" / "bdp.lib"
PAGES = [
    "index.html",
    "hosts.html",
    "hdfs.html",
    "yarn.html",
    "kafka.html",
    "ingest.html",
    "etl.html",
    "cassandra.html",
    "opensearch.html",
    "stores.html",
]


def test_console_pages_exist_and_are_in_the_menu():
    """Each page is one of the menu's, and uses the library's head and tail (no other library
    needed). Whether they render is checked against a running Prometheus, not here."""
    assert sorted(p.name for p in CONSOLES.glob("*.html")) == sorted(PAGES)
    menu = re.findall(r'"bdp_menu_item" \(args \.Path "([^"]+)"', CONSOLE_LIB.read_text())
    assert menu == PAGES
    for page in PAGES:
        text = (CONSOLES / page).read_text().strip()
        assert text.startswith('{{ template "bdp_head" . }}'), page
        assert text.endswith('{{ template "bdp_tail" . }}'), page
