"""Every command and sub-command answers --help, and errors are one clear line."""

import pytest

from bdp.cli import build_parser, main
from bdp_testkit.helpers import REPO, run_tool

COMMANDS = [
    [],
    ["deploy"],
    ["lab"],
    *[
        ["lab", action]
        for action in (
            "create",
            "start",
            "stop",
            "destroy",
            "status",
            "kill",
            "isolate",
            "restore",
            "exec",
        )
    ],
    ["logs"],
    ["logs", "search"],
    ["mirror"],
    ["mirror", "build"],
    ["mirror", "verify"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bdp")
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: bdp" in capsys.readouterr().out


@pytest.mark.parametrize("inventory", ["inventories/lab", "inventories/production"])
def test_unreachable_opensearch_is_a_clear_error(inventory, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("BDP_OPENSEARCH_PASSWORD", "not-used")
    monkeypatch.chdir(tmp_path)  # no lab vault here: the given password must be enough
    url = "http://127.0.0.1:9"  # the discard port: nothing listens
    assert main(["logs", "search", "--url", url, "-i", f"{REPO}/{inventory}"]) == 1
    assert f"OpenSearch at {url} is unreachable" in capsys.readouterr().err


def test_unknown_lab_host_is_a_clear_error(capsys):
    assert main(["lab", "exec", "no-such-host", "--", "true"]) == 1
    assert "unknown lab host(s) no-such-host" in capsys.readouterr().err


def test_installed_entry_point_runs():
    result = run_tool("bdp", "--help")
    assert result.returncode == 0
    assert "lab" in result.stdout
