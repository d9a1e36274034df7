"""The warehouse tools' launcher (the mariadb role's bdp-warehouse), rendered by Ansible and
run through links named as on the host, with the repository's package and a stand-in for
PyMySQL (not installed here) in its tools directory."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bdp_testkit.helpers import REPO, run_tool

PYTHON = Path("/usr/bin/python3")  # the launcher's interpreter, as on the host
COMMANDS = ("bdp-warehouse-migrate", "bdp-warehouse-partitions")
PYMYSQL_STUB = """
class MySQLError(Exception):
    pass


class connections:
    Connection = object


def connect(**kwargs):
    raise MySQLError(2002, "no server (stand-in)")
"""

pytestmark = pytest.mark.skipif(not PYTHON.exists(), reason=f"no {PYTHON}")


@pytest.fixture(scope="module")
def tools(tmp_path_factory) -> Path:
    """The tools directory as the role lays it out; the commands' links in its bin/."""
    tools = tmp_path_factory.mktemp("bdp-warehouse")
    (tools / "warehouse").symlink_to(REPO / "runtime" / "bdp_runtime" / "warehouse")
    (tools / "pymysql.py").write_text(PYMYSQL_STUB)
    result = run_tool(
        "ansible",
        "-i", "localhost,",
        "-c", "local",
        "localhost",
        "-m", "ansible.builtin.template",
        "-a", f"src={REPO}/roles/mariadb/templates/bdp-warehouse.j2"
        f" dest={tools}/bdp-warehouse mode=0755",
        "-e", f"mariadb_tools_dir={tools}",
        "-e", f"ansible_python_interpreter={sys.executable}",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (tools / "bin").mkdir()
    for name in COMMANDS:
        (tools / "bin" / name).symlink_to(tools / "bdp-warehouse")
    return tools


def run(command: Path | str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(command), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )


def test_the_launcher_is_a_shell_script_that_edits_no_module_path(tools):
    text = (tools / "bdp-warehouse").read_text()
    assert text.startswith("#!/bin/sh\n")
    assert "sys.path" not in text
    assert f"PYTHONPATH={tools}\n" in text


@pytest.mark.parametrize("name", COMMANDS)
def test_each_link_runs_its_command(tools, name):
    result = run(tools / "bin" / name, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {name} ")
    assert "--dry-run" in result.stdout


def test_a_wrong_option_is_a_usage_error(tools):
    result = run(tools / "bin" / "bdp-warehouse-migrate", "--today", "2026-11-01")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: bdp-warehouse-migrate ")


def test_a_failed_run_says_so_with_exit_status_1_and_relative_paths_stay_relative(tools, tmp_path):
    config = {"socket": "/nowhere.sock", "database": "warehouse", "timezone": "UTC"}
    (tmp_path / "tools.json").write_text(json.dumps(config))
    result = run(tools / "bin" / "bdp-warehouse-partitions", "--config", "tools.json", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "bdp-warehouse-partitions: cannot reach the MySQL server as root on socket /nowhere.sock"
    )


def test_any_other_name_is_refused(tools):
    result = run(tools / "bdp-warehouse", "--help")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "run this program as bdp-warehouse-migrate or bdp-warehouse-partitions, not bdp-warehouse"
    )
    unnamed = subprocess.run(
        [str(PYTHON), "-m", "warehouse.host"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tools)},
        check=False,
    )
    assert unnamed.returncode == 1
    assert "run this program as bdp-warehouse-migrate or" in unnamed.stderr


def test_a_package_in_the_working_directory_is_not_imported(tools, tmp_path):
    version = run(PYTHON, "-c", "import sys; print(sys.version_info >= (3, 11))")
    if version.stdout.strip() != "True":
        pytest.skip("PYTHONSAFEPATH needs Python 3.11")
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse" / "__init__.py").write_text("raise SystemExit('imported from cwd')")
    result = run(tools / "bin" / "bdp-warehouse-partitions", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: bdp-warehouse-partitions ")
