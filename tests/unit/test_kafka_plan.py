"""The kafka role's planning filters, on real kafka-* command output captured from Kafka 4.3."""

import importlib.util

from bdp_testkit.helpers import REPO

_spec = importlib.util.spec_from_file_location(
    "kafka_plan", REPO / "roles" / "kafka" / "filter_plugins" / "kafka_plan.py"
)
kafka_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kafka_plan)

DESCRIBE = (
    "Topic: game.events\tTopicId: B07eJB53S6iWzG1rlrTwgw\tPartitionCount: 6\tReplicationFactor: 3"
    "\tConfigs: min.insync.replicas=2,retention.ms=604800000\n"
    "\tTopic: game.events\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tElr: \n"
    "Topic: game.dlq\tTopicId: A07eJB53S6iWzG1rlrTwgw\tPartitionCount: 1\tReplicationFactor: 3"
    "\tConfigs: \n"
)
ACLS = """Current ACLs for resource \
`ResourcePattern(resourceType=GROUP, name=lake-writer, patternType=PREFIXED)`:
\t(principal=User:lake-writer, host=*, operation=READ, permissionType=ALLOW)

Current ACLs for resource \
`ResourcePattern(resourceType=TOPIC, name=game.events, patternType=LITERAL)`:
\t(principal=User:collector, host=*, operation=WRITE, permissionType=ALLOW)
\t(principal=User:collector, host=*, operation=DESCRIBE, permissionType=ALLOW)
\t(principal=User:lake-writer, host=*, operation=READ, permissionType=DENY)
"""


def topic(name, partitions=6, rf=3, **config):
    return {"name": name, "partitions": partitions, "replication_factor": rf, "config": config}


def test_topics_state_reads_partitions_rf_and_configs():
    state = kafka_plan.kafka_topics_state(DESCRIBE)
    assert state["game.events"] == {
        "partitions": 6,
        "replication_factor": 3,
        "config": {"min.insync.replicas": "2", "retention.ms": "604800000"},
    }
    assert state["game.dlq"]["config"] == {}


def test_nothing_to_do_when_declarations_match():
    declared = [topic("game.events", **{"retention.ms": 604800000}), topic("game.dlq", 1)]
    plan = kafka_plan.kafka_topic_changes(declared, DESCRIBE)
    assert plan == {"create": [], "partitions": [], "config": [], "errors": []}


def test_missing_topic_is_created_and_changes_are_planned():
    declared = [
        topic("game.events", 8, **{"retention.ms": 1000}),
        topic("game.dlq", 1),
        topic("platform-logs", 3),
    ]
    plan = kafka_plan.kafka_topic_changes(declared, DESCRIBE)
    assert [t["name"] for t in plan["create"]] == ["platform-logs"]
    assert [t["name"] for t in plan["partitions"]] == ["game.events"]
    assert plan["config"] == [{"name": "game.events", "config": {"retention.ms": "1000"}}]
    assert plan["errors"] == []


def test_refuses_fewer_partitions_and_other_replication_factor():
    plan = kafka_plan.kafka_topic_changes([topic("game.events", 3, rf=2)], DESCRIBE)
    assert len(plan["errors"]) == 2
    assert "game.events: replication factor is 3, declared 2" in plan["errors"][0]
    assert "cannot remove partitions" in plan["errors"][1]


def test_acl_changes_add_only_what_is_missing():
    clients = [
        {"user": "collector", "produce": ["game.events", "game.dlq"]},
        {"user": "lake-writer", "consume": ["game.events"], "groups": ["lake-writer"]},
    ]
    changes = kafka_plan.kafka_acl_changes(clients, ACLS)
    assert changes == [
        {
            "resource_type": "GROUP",
            "names": ["lake-writer"],
            "pattern_type": "PREFIXED",
            "principal": "User:lake-writer",
            "operations": ["DESCRIBE"],
        },
        {
            "resource_type": "TOPIC",
            "names": ["game.dlq"],
            "pattern_type": "LITERAL",
            "principal": "User:collector",
            "operations": ["WRITE", "DESCRIBE"],
        },
        {
            "resource_type": "TOPIC",
            "names": ["game.events"],
            "pattern_type": "LITERAL",
            "principal": "User:lake-writer",
            "operations": ["READ", "DESCRIBE"],
        },
    ]  # a DENY entry never counts as granted


def test_acl_changes_share_one_call_per_principal_and_operations():
    clients = [{"user": "collector", "produce": ["a.events", "a.dlq", "b.events"]}]
    changes = kafka_plan.kafka_acl_changes(clients, "")
    assert changes == [
        {
            "resource_type": "TOPIC",
            "names": ["a.dlq", "a.events", "b.events"],
            "pattern_type": "LITERAL",
            "principal": "User:collector",
            "operations": ["WRITE", "DESCRIBE"],
        },
    ]


def test_scram_users():
    output = (
        "SCRAM credential configs for user-principal 'admin' are SCRAM-SHA-512=iterations=4096\n"
        "SCRAM credential configs for user-principal 'lake-writer' are SCRAM-SHA-512=iterations=1\n"
    )
    assert kafka_plan.kafka_scram_users(output) == ["admin", "lake-writer"]
