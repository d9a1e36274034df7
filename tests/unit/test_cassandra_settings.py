"""cassandra.yaml as the role renders it: extra settings by name, never one the role sets."""

import json
import sys
from pathlib import Path

import yaml

from bdp_testkit.helpers import REPO, run_tool

ROLE = REPO / "roles" / "cassandra"

# What the role derives from the inventory, for a node rendered on this machine.
NODE_VARS = {
    "bdp_address": "10.0.5.11",
    "cassandra_seeds": "10.0.5.11",
    "cassandra_keystore": "/etc/bdp/cassandra/tls/node.pem",
    "bdp_versions": {"cassandra": "5.0.4"},
    "ansible_python_interpreter": sys.executable,
}


def render(tmp_path: Path, extra_settings: dict):
    """Run the role's extra-settings check, then render cassandra.yaml into tmp_path."""
    playbook = tmp_path / "render.yml"
    # Outside the role, the check's template lookup searches the playbook's templates/.
    (tmp_path / "templates").symlink_to(ROLE / "templates")
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars_files": [
                        str(ROLE / "defaults/main.yml"),
                        str(REPO / "ansible/group_vars/all/pki.yml"),
                    ],
                    "vars": NODE_VARS,
                    "tasks": [
                        # The task file, not the role: the role's dependency would install Java.
                        {"ansible.builtin.include_tasks": str(ROLE / "tasks/extra_settings.yml")},
                        {
                            "ansible.builtin.template": {
                                "src": str(ROLE / "templates/cassandra.yaml.j2"),
                                "dest": str(tmp_path / "cassandra.yaml"),
                                "mode": "0644",
                            }
                        },
                    ],
                }
            ]
        )
    )
    settings = json.dumps({"cassandra_extra_settings": extra_settings})  # above the defaults
    return run_tool(
        "ansible-playbook", "-i", "localhost,", "-c", "local", "-e", settings, str(playbook)
    )


def test_without_extra_settings_the_file_has_only_the_roles_settings(tmp_path):
    result = render(tmp_path, {})
    assert result.returncode == 0, result.stdout[-3000:]
    text = (tmp_path / "cassandra.yaml").read_text()
    assert "cassandra_extra_settings" not in text and text.endswith("max_hint_window: 3h\n")


def test_extra_settings_are_rendered_last_as_yaml(tmp_path):
    extra = {"concurrent_compactors": 2, "compaction_throughput": "64MiB/s"}
    result = render(tmp_path, extra)
    assert result.returncode == 0, result.stdout[-3000:]
    rendered = yaml.safe_load((tmp_path / "cassandra.yaml").read_text())
    assert {name: rendered[name] for name in extra} == extra
    assert rendered["cluster_name"] == "bdp" and rendered["num_tokens"] == 16


def test_settings_the_role_renders_are_refused_by_name(tmp_path):
    result = render(
        tmp_path, {"concurrent_compactors": 2, "num_tokens": 8, "disk_failure_policy": "x"}
    )
    assert result.returncode != 0
    message = " ".join(result.stdout.split())
    expected = "cassandra_extra_settings sets disk_failure_policy, num_tokens, which the cassandra"
    assert f"{expected} role renders itself" in message, result.stdout[-3000:]
    assert not (tmp_path / "cassandra.yaml").exists()
