"""The event schemas are the one registry of sources, and every list of sources derives from it.

The Python side (`bdp.sources`) is checked on the repository's schemas and on broken copies.
The Ansible side is checked end to end: a copy of the registry gets a fifth source, and
ansible-playbook renders the kafka, collectors, lake_writer and etl roles (their real defaults,
vars, templates, filters and argument specs; only their tasks are replaced by rendering ones)
with the real ansible/group_vars/all files. Everything a source needs must include the new one.
"""

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from bdp.errors import BdpError
from bdp.sources import EVENTS_DIR, SOURCE_NAME, platform_sources, registered_sources
from bdp_testkit.helpers import REPO, run_tool

NEW = "chess"
ROLES = ("kafka", "collectors", "lake_writer", "etl")
COLLECTORS = ("c1", "c2", "c3")
# Per role: the variables and the templates the tests read (collector.json.j2 once per source).
RENDER = {
    "kafka": (["bdp_sources", "kafka_sources", "kafka_topics", "kafka_clients"], []),
    "collectors": (
        ["collectors_sources", "collectors_placement", "collectors_host_sources"],
        ["bdp-event-api.service.j2"],
    ),
    "lake_writer": (["lake_writer_sources"], ["bdp-lake-writer.service.j2"]),
    "etl": (["etl_sources"], ["etl.json.j2"]),
}
RENDER_TASKS = [
    {
        "name": "Write the variables the test reads",
        "ansible.builtin.copy": {
            "dest": "{{ render_out }}/{{ role_name }}-{{ inventory_hostname }}.json",
            "content": "{{ dict(names | zip(query('ansible.builtin.vars', *names))) | to_json }}",
            "mode": "0644",
        },
        "vars": {"names": "{{ render[role_name][0] }}"},
    },
    {
        "name": "Render the templates the test reads",
        "ansible.builtin.template": {
            "src": "{{ template }}",
            "dest": "{{ render_out }}/{{ role_name }}-{{ inventory_hostname }}-{{ template }}",
            "mode": "0644",
        },
        "loop": "{{ render[role_name][1] }}",
        "loop_control": {"loop_var": "template"},
    },
    {
        "name": "Render the configuration of each source collected here",
        "ansible.builtin.template": {
            "src": "collector.json.j2",
            "dest": "{{ render_out }}/collector-{{ item }}.json",
            "mode": "0644",
        },
        "loop": "{{ collectors_host_sources }}",
        "when": "role_name == 'collectors'",
    },
]
# What the roles need from an inventory beyond the registry; secrets are placeholders.
EXTRA_VARS = {
    "ansible_python_interpreter": sys.executable,
    "java_home": "/usr/lib/jvm/java-17",
    "kafka_heap_mb": 1024,
    "apache_archive_base_url": "https://archive.example",
    "bdp_mirror_base_url": "https://mirror.example",
    "bdp_wheelhouse_base_url": "https://mirror.example/pypi",
    "bdp_timezone": "UTC",
    "bdp_max_future_skew_seconds": 300,
    "collectors_lock_file": str(REPO / "requirements-collectors.lock"),
    "ansible_managed": "managed",
    **{
        f"vault_{name}": "secret"
        for name in (
            "kafka_admin_password",
            "kafka_controller_password",
            "kafka_collector_password",
            "kafka_lake_writer_password",
            "kafka_log_shipper_password",
            "tls_keystore_password",
            "event_api_token",
            "mysql_etl_writer_password",
            "cassandra_etl_writer_password",
        )
    },
}


def schema_of(source: str, position: int) -> dict:
    """A new source's event schema: the game schema under another name and position."""
    document = json.loads((REPO / EVENTS_DIR / "game.json").read_text())
    document["$id"] = f"urn:bdp:events:{source}:1"
    document["title"] = f"{source}: a source added by the test"
    document["x-bdp"] = document["x-bdp"] | {"source": source, "position": position}
    return document


def copy_registry(target: Path) -> Path:
    events = target / EVENTS_DIR
    shutil.copytree(REPO / EVENTS_DIR, events)
    return events


# ---- the Python side -------------------------------------------------------------------


def test_every_schema_names_its_source_and_a_position_of_its_own():
    positions = {}
    for path in sorted((REPO / EVENTS_DIR).glob("*.json")):
        meta = json.loads(path.read_text())["x-bdp"]
        assert meta["source"] == path.stem and SOURCE_NAME.match(path.stem), path
        positions.setdefault(meta["position"], []).append(path.stem)
    shared = {position: names for position, names in positions.items() if len(names) > 1}
    assert not shared, f"sources sharing a position (give the newer the next free one): {shared}"
    assert platform_sources() == tuple(
        names[0] for _, names in sorted(positions.items(), key=lambda item: item[0])
    )


def test_a_new_schema_registers_a_source_after_the_others(tmp_path):
    events = copy_registry(tmp_path)
    (events / f"{NEW}.json").write_text(json.dumps(schema_of(NEW, 99)))
    assert registered_sources(events) == (*platform_sources(), NEW)


def test_equal_positions_are_ordered_by_name(tmp_path):
    for name in ("zeta", "alpha"):
        document = {"x-bdp": {"source": name, "position": 1}}
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    assert registered_sources(tmp_path) == ("alpha", "zeta")


@pytest.mark.parametrize(
    ("name", "document", "message"),
    [
        ("a", {"x-bdp": {"source": "b", "position": 1}}, "must be the x-bdp source"),
        ("Bad-Name", {"x-bdp": {"source": "Bad-Name", "position": 1}}, "must be the x-bdp"),
        ("a", {"x-bdp": {"source": "a"}}, "position must be an integer, got None"),
        ("a", {"x-bdp": {"source": "a", "position": True}}, "position must be an integer"),
        ("a", {"title": "no x-bdp"}, "no x-bdp object"),
        ("a", ["not", "an", "object"], "not a readable event schema"),
    ],
)
def test_a_broken_schema_is_named(tmp_path, name, document, message):
    (tmp_path / f"{name}.json").write_text(json.dumps(document))
    with pytest.raises(BdpError, match=message):
        registered_sources(tmp_path)


# ---- the Ansible side, with a fifth source -----------------------------------------------


def stub_role(role: str, roles_dir: Path) -> None:
    """The role with its real defaults, vars, templates, filters and argument spec, and tasks
    that only render; meta/main.yml (dependencies) is left out."""
    source, target = REPO / "roles" / role, roles_dir / role
    for part in ("defaults", "vars", "templates", "filter_plugins"):
        if (source / part).is_dir():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            (target / part).symlink_to(source / part)
    (target / "meta").mkdir()
    (target / "meta" / "argument_specs.yml").symlink_to(source / "meta" / "argument_specs.yml")
    (target / "tasks").mkdir()
    (target / "tasks" / "main.yml").write_text(yaml.safe_dump(RENDER_TASKS, sort_keys=False))


def inventory() -> dict:
    hosts = {host: {"bdp_address": f"10.0.0.{n}"} for n, host in enumerate(COLLECTORS, 1)}
    every = {host: {} for host in COLLECTORS}
    first = {COLLECTORS[0]: {}}
    return {
        "all": {
            "vars": {"ansible_connection": "local"},
            "hosts": hosts,
            "children": {
                "kafka": {"hosts": every},
                "collectors": {"hosts": every},
                **{
                    group: {"hosts": first}
                    for group in (
                        "lake_writer",
                        "hdfs_namenode",
                        "yarn_resourcemanager",
                        "mysql_warehouse",
                        "cassandra",
                        "airflow_worker",
                    )
                },
            },
        }
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """A checkout-shaped tree (ansible/ with the real group_vars, roles as above, the schemas
    plus a fifth source), rendered; returns the registry, the variables and the files."""
    tree = tmp_path_factory.mktemp("registry")
    events = copy_registry(tree)
    position = max(json.loads(p.read_text())["x-bdp"]["position"] for p in events.glob("*.json"))
    (events / f"{NEW}.json").write_text(json.dumps(schema_of(NEW, position + 1)))
    shutil.copytree(REPO / "ansible" / "group_vars", tree / "ansible" / "group_vars")
    for role in ROLES:
        stub_role(role, tree / "ansible" / "roles")
    plays = [
        {
            "name": f"Render {role}",
            "hosts": "collectors" if role == "collectors" else COLLECTORS[0],
            "gather_facts": False,
            "vars": {"render": RENDER},
            "roles": [role],
        }
        for role in ROLES
    ]
    (tree / "ansible" / "render.yml").write_text(yaml.safe_dump(plays, sort_keys=False))
    (tree / "hosts.yml").write_text(yaml.safe_dump(inventory()))
    (tree / "extra.json").write_text(json.dumps(EXTRA_VARS))
    out = tree / "out"
    out.mkdir()
    result = run_tool(
        "ansible-playbook",
        "-i",
        str(tree / "hosts.yml"),
        str(tree / "ansible" / "render.yml"),
        "-e",
        f"@{tree / 'extra.json'}",
        "-e",
        f"render_out={out}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        "registry": registered_sources(events),
        "vars": {
            path.stem: json.loads(path.read_text())
            for path in out.glob("*.json")
            if not path.name.startswith("collector-")
        },
        "files": {path.name: path.read_text() for path in out.iterdir()},
    }


def test_the_playbooks_registry_is_the_python_one_with_the_new_source_last(rendered):
    assert rendered["registry"] == (*platform_sources(), NEW)
    assert rendered["vars"][f"kafka-{COLLECTORS[0]}"]["bdp_sources"] == list(rendered["registry"])


def test_kafka_declares_the_topics_of_every_source_then_platform_logs(rendered):
    kafka = rendered["vars"][f"kafka-{COLLECTORS[0]}"]
    expected = [
        topic
        for source in rendered["registry"]
        for topic in (
            {"name": f"{source}.events", "partitions": 6, "replication_factor": 3,
             "config": {"retention.ms": 604800000}},
            {"name": f"{source}.dlq", "partitions": 1, "replication_factor": 3,
             "config": {"retention.ms": 2592000000}},
        )
    ]  # fmt: skip
    platform_logs = {
        "name": "platform-logs",
        "partitions": 3,
        "replication_factor": 3,
        "config": {"retention.ms": 259200000},
    }
    assert kafka["kafka_topics"] == [*expected, platform_logs]


def test_kafka_grants_the_collector_and_the_lake_writer_the_new_sources_topics(rendered):
    clients = {c["user"]: c for c in rendered["vars"][f"kafka-{COLLECTORS[0]}"]["kafka_clients"]}
    registry = rendered["registry"]
    assert clients["collector"]["produce"] == [
        f"{source}.{kind}" for source in registry for kind in ("events", "dlq")
    ]
    assert clients["lake-writer"]["consume"] == [f"{source}.events" for source in registry]
    assert clients["lake-writer"]["groups"] == ["lake-writer"]
    assert clients["log-shipper"]["produce"] == ["platform-logs"]


def test_the_new_source_gets_the_next_collector_host_and_status_port(rendered):
    registry = list(rendered["registry"])
    index = registry.index(NEW)
    host = COLLECTORS[index % len(COLLECTORS)]
    collectors = rendered["vars"][f"collectors-{host}"]
    assert collectors["collectors_sources"] == registry
    assert NEW in collectors["collectors_host_sources"]
    config = json.loads(rendered["files"][f"collector-{NEW}.json"])
    assert config["source"] == NEW
    assert config["endpoint"].endswith(f"/v1/{NEW}/events")
    assert config["schema_file"].endswith(f"/schemas/{NEW}.json")
    topics = (config["kafka"]["topic"], config["kafka"]["dlq_topic"])
    assert topics == (f"{NEW}.events", f"{NEW}.dlq")
    assert config["status"]["port"] == 8711 + index
    unit = rendered["files"][f"collectors-{COLLECTORS[0]}-bdp-event-api.service.j2"]
    named = ", ".join(registry[:-1]) + f" and {registry[-1]}"
    assert f"Description=Event API service: simulated {named} event streams\n" in unit


def test_the_lake_writer_reads_and_the_etl_processes_the_new_source(rendered):
    registry = list(rendered["registry"])
    assert rendered["vars"][f"lake_writer-{COLLECTORS[0]}"]["lake_writer_sources"] == registry
    unit = rendered["files"][f"lake_writer-{COLLECTORS[0]}-bdp-lake-writer.service.j2"]
    assert f"  --sources {','.join(registry)} \\\n" in unit
    assert rendered["vars"][f"etl-{COLLECTORS[0]}"]["etl_sources"] == registry
    settings = json.loads(rendered["files"][f"etl-{COLLECTORS[0]}-etl.json.j2"])
    assert settings["sources"] == registry
