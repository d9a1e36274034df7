"""Filters that turn kafka-* command output into the changes the kafka role must make.

Pure functions of text and declarations, so the role only runs a command when something
differs (a second deploy changes nothing) and tests can check them without a broker.
"""

import re
from typing import Any

_TOPIC_LINE = re.compile(
    r"^Topic: (?P<name>\S+)\s+TopicId: \S+\s+PartitionCount: (?P<partitions>\d+)\s+"
    r"ReplicationFactor: (?P<rf>\d+)\s+Configs: ?(?P<configs>.*)$"
)
_ACL_RESOURCE = re.compile(
    r"ResourcePattern\(resourceType=(?P<type>\w+), name=(?P<name>[^,]+), "
    r"patternType=(?P<pattern>\w+)\)"
)
_ACL_ENTRY = re.compile(
    r"\(principal=(?P<principal>[^,]+), host=(?P<host>[^,]+), "
    r"operation=(?P<operation>\w+), permissionType=(?P<permission>\w+)\)"
)
_SCRAM_USER = re.compile(r"user-principal '(?P<user>[^']+)'")


def kafka_topics_state(describe_output: str) -> dict[str, dict[str, Any]]:
    """Topics of `kafka-topics --describe`: partitions, replication factor, configs."""
    topics = {}
    for line in describe_output.splitlines():
        match = _TOPIC_LINE.match(line.strip())
        if match:
            configs = dict(
                item.split("=", 1) for item in match["configs"].split(",") if "=" in item
            )
            topics[match["name"]] = {
                "partitions": int(match["partitions"]),
                "replication_factor": int(match["rf"]),
                "config": configs,
            }
    return topics


def kafka_topic_changes(declared: list[dict[str, Any]], current_output: str) -> dict[str, list]:
    """What to create, grow and reconfigure; `errors` are changes the role refuses to make."""
    current = kafka_topics_state(current_output)
    changes: dict[str, list] = {"create": [], "partitions": [], "config": [], "errors": []}
    for topic in declared:
        name, config = topic["name"], {k: str(v) for k, v in (topic.get("config") or {}).items()}
        existing = current.get(name)
        if existing is None:
            changes["create"].append(topic)
            continue
        if int(topic["replication_factor"]) != existing["replication_factor"]:
            changes["errors"].append(
                f"topic {name}: replication factor is {existing['replication_factor']}, "
                f"declared {topic['replication_factor']}; changing it needs a partition "
                "reassignment (kafka-reassign-partitions), which the role does not do"
            )
        if int(topic["partitions"]) < existing["partitions"]:
            changes["errors"].append(
                f"topic {name}: has {existing['partitions']} partitions, declared "
                f"{topic['partitions']}; Kafka cannot remove partitions"
            )
        elif int(topic["partitions"]) > existing["partitions"]:
            changes["partitions"].append(topic)
        if any(existing["config"].get(key) != value for key, value in config.items()):
            changes["config"].append({"name": name, "config": config})
    return changes


def kafka_acls_state(list_output: str) -> set[tuple[str, str, str, str, str]]:
    """ALLOW ACLs of `kafka-acls --list` as (type, name, pattern, principal, operation)."""
    acls, resource = set(), None
    for line in list_output.splitlines():
        found = _ACL_RESOURCE.search(line)
        if found:
            resource = (found["type"], found["name"], found["pattern"])
            continue
        entry = _ACL_ENTRY.search(line)
        if entry and resource and entry["permission"] == "ALLOW" and entry["host"] == "*":
            acls.add((*resource, entry["principal"], entry["operation"]))
    return acls


def _wanted_acls(client: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    principal = f"User:{client['user']}"
    grants = [
        ("TOPIC", topic, "LITERAL", ("WRITE", "DESCRIBE")) for topic in client.get("produce", [])
    ]
    grants += [
        ("TOPIC", topic, "LITERAL", ("READ", "DESCRIBE")) for topic in client.get("consume", [])
    ]
    grants += [
        ("GROUP", group, "PREFIXED", ("READ", "DESCRIBE")) for group in client.get("groups", [])
    ]
    return [
        (kind, name, pattern, principal, operation)
        for kind, name, pattern, operations in grants
        for operation in operations
    ]


def kafka_acl_changes(clients: list[dict[str, Any]], list_output: str) -> list[dict[str, Any]]:
    """Missing ACLs as kafka-acls --add calls: one per principal, resource kind and operations."""
    current = kafka_acls_state(list_output)
    missing: dict[tuple[str, str, str, str], list[str]] = {}
    for client in clients:
        for acl in _wanted_acls(client):
            if acl not in current:
                missing.setdefault(acl[:4], []).append(acl[4])
    calls: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    for (kind, name, pattern, principal), operations in sorted(missing.items()):
        calls.setdefault((kind, pattern, principal, tuple(operations)), []).append(name)
    return [
        {
            "resource_type": kind,
            "names": names,
            "pattern_type": pattern,
            "principal": principal,
            "operations": list(operations),
        }
        for (kind, pattern, principal, operations), names in calls.items()
    ]


def kafka_scram_users(describe_output: str) -> list[str]:
    """Users that have SCRAM credentials, from `kafka-configs --describe --entity-type users`."""
    return _SCRAM_USER.findall(describe_output)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "kafka_topic_changes": kafka_topic_changes,
            "kafka_acl_changes": kafka_acl_changes,
            "kafka_scram_users": kafka_scram_users,
        }
