from pathlib import Path

import pytest

from bdp.mirror.components import LAYOUT_REVISION, plan
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.versions import load_versions
from bdp.mirror.wheelhouse import AIRFLOW_LOCK, COLLECTORS_LOCK, lock_id
from bdp.paths import repo_root

VERSIONS = {
    "hadoop": "3.5.0",
    "spark": "4.3.0",
    "spark_hadoop_profile": "hadoop3",
    "spark_scala": "2.13",
    "spark_kafka_connector": "4.2.0",
    "spark_kafka_clients": "3.9.2",
    "spark_commons_pool2": "2.13.1",
    "mariadb_jdbc": "3.5.11",
    "jmx_exporter": "0.20.0",
    "kafka": "4.4.0",
    "kafka_scala": "2.13",
    "cassandra": "5.0.9",
    "opensearch": "2.19.4",
    "opensearch_security": "2.19.4.0",
    "opensearch_job_scheduler": "2.19.4.0",
    "confluent_kafka": "2.16.1",
    "airflow": "3.3.2",
}
SOURCE = Path("ansible/group_vars/all/versions.yml")
AIRFLOW_LOCK_ID = lock_id(AIRFLOW_LOCK)
COLLECTORS_LOCK_ID = lock_id(COLLECTORS_LOCK)


def by_name(versions=VERSIONS, only=None):
    return {c.name: c for c in plan(versions, SOURCE, only)}


def test_archive_paths_repeat_the_official_download_paths():
    components = by_name()
    assert {name: (c.archive, c.top_dir) for name, c in components.items()} == {
        "hadoop": ("apache/hadoop/common/hadoop-3.5.0/hadoop-3.5.0.tar.gz", "hadoop-3.5.0"),
        "kafka": ("apache/kafka/4.4.0/kafka_2.13-4.4.0.tgz", "kafka_2.13-4.4.0"),
        "cassandra": (
            "apache/cassandra/5.0.9/apache-cassandra-5.0.9-bin.tar.gz",
            "apache-cassandra-5.0.9",
        ),
        "opensearch": (
            "opensearch/releases/bundle/opensearch/2.19.4/opensearch-2.19.4-linux-x64.tar.gz",
            "opensearch-2.19.4",
        ),
        "spark": (
            "apache/spark/spark-4.3.0/spark-4.3.0-bin-hadoop3.tgz",
            "spark-4.3.0-bin-hadoop3",
        ),
        "spark-kafka": (
            "apache/spark/spark-4.3.0/spark-kafka-4.3.0.tgz",
            "spark-kafka-4.3.0",
        ),
        "mariadb-jdbc": (
            "mariadb/connector-j/3.5.11/mariadb-jdbc-3.5.11.tgz",
            "mariadb-jdbc-3.5.11",
        ),
        "jmx-exporter": (
            "prometheus/jmx_exporter/0.20.0/jmx-exporter-0.20.0.tgz",
            "jmx-exporter-0.20.0",
        ),
        "librdkafka": (
            "librdkafka/2.16.1/librdkafka-2.16.1-linux-x86_64.tar.gz",
            "librdkafka-2.16.1",
        ),
        "airflow": (
            f"pypi/airflow/3.3.2/airflow-wheelhouse-3.3.2-{AIRFLOW_LOCK_ID}-cp311-linux-x86_64.tar.gz",
            f"airflow-wheelhouse-3.3.2-{AIRFLOW_LOCK_ID}",
        ),
        "collectors": (
            f"pypi/collectors/2.16.1/collectors-wheelhouse-2.16.1-{COLLECTORS_LOCK_ID}"
            "-cp311-linux-x86_64.tar.gz",
            f"collectors-wheelhouse-2.16.1-{COLLECTORS_LOCK_ID}",
        ),
    }


def test_paths_follow_the_versions():
    changed = {**VERSIONS, "kafka": "4.5.1", "kafka_scala": "2.12"}
    kafka = by_name(changed)["kafka"]
    assert kafka.archive == "apache/kafka/4.5.1/kafka_2.12-4.5.1.tgz"
    assert kafka.resolve[0].coordinates[0] == Coordinate("org.apache.kafka", "kafka_2.12", "4.5.1")


def test_only_keeps_the_fixed_order():
    assert [c.name for c in plan(VERSIONS, SOURCE, ["spark", "hadoop"])] == ["hadoop", "spark"]


def test_unknown_component_is_named():
    with pytest.raises(MirrorError, match=r"unknown component\(s\) flink"):
        plan(VERSIONS, SOURCE, ["flink"])


def test_missing_key_names_key_and_file():
    versions = {k: v for k, v in VERSIONS.items() if k != "opensearch_security"}
    with pytest.raises(MirrorError) as caught:
        plan(versions, SOURCE, ["opensearch"])
    assert str(caught.value) == f"{SOURCE}: missing key bdp_versions.opensearch_security"
    # A component that does not need the key still plans.
    assert [c.name for c in plan(versions, SOURCE, ["kafka"])] == ["kafka"]


def test_hadoop_trees_and_version_management():
    hadoop = by_name()["hadoop"]
    trees = {tree.name: [c.artifact for c in tree.coordinates] for tree in hadoop.resolve}
    assert list(trees) == ["common", "hdfs", "yarn", "mapreduce"]
    assert trees["hdfs"] == ["hadoop-hdfs", "hadoop-hdfs-client"]
    assert "hadoop-yarn-server-nodemanager" in trees["yarn"]
    assert hadoop.boms == (Coordinate("org.apache.hadoop", "hadoop-project", "3.5.0", "pom"),)
    assert "maven:org.apache.hadoop:hadoop-hdfs:3.5.0:jar:tests" in hadoop.sources


def test_sources_and_inputs():
    kafka = by_name()["kafka"]
    assert "maven:org.apache.kafka:kafka-tools:4.4.0" in kafka.sources
    assert kafka.inputs() == {
        "component": "kafka",
        "versions": {"kafka": "4.4.0", "kafka_scala": "2.13"},
        "sources": kafka.sources,
        "layout_revision": LAYOUT_REVISION,
    }
    opensearch = by_name()["opensearch"]
    assert opensearch.sources == [
        "maven:org.opensearch.distribution.integ-test-zip:opensearch:2.19.4:zip",
        "maven:org.opensearch.plugin:opensearch-security:2.19.4.0:zip",
        "maven:org.opensearch.plugin:opensearch-job-scheduler:2.19.4.0:zip",
    ]
    assert by_name()["spark"].sources == ["pypi:pyspark==4.3.0"]


def test_inputs_change_with_a_version():
    before = by_name()["cassandra"].inputs()
    after = by_name({**VERSIONS, "cassandra": "5.0.10"})["cassandra"].inputs()
    assert before != after


def test_the_repository_versions_file_plans_every_component():
    root = repo_root([Path(__file__).resolve().parent])
    source = root / SOURCE
    versions = load_versions(source)
    assert [c.name for c in plan(versions, source, None)] == [
        "hadoop",
        "kafka",
        "cassandra",
        "opensearch",
        "spark",
        "spark-kafka",
        "mariadb-jdbc",
        "jmx-exporter",
        "librdkafka",
        "airflow",
        "collectors",
    ]


def test_the_airflow_wheel_house_is_rebuilt_when_its_lock_changes(monkeypatch):
    from bdp.mirror import components

    before = by_name()["airflow"]
    monkeypatch.setattr(components, "lock_id", lambda lock: "0" * 12)
    after = by_name()["airflow"]
    assert after.inputs() != before.inputs() and after.archive != before.archive


def test_opensearch_plugins_follow_their_versions_and_missing_names_the_gaps():
    opensearch = by_name({**VERSIONS, "opensearch_job_scheduler": "2.19.4.1"})["opensearch"]
    distribution, *plugins = opensearch.fetch
    assert distribution.group == "org.opensearch.distribution.integ-test-zip"
    assert [(c.artifact, c.version, c.type) for c in plugins] == [
        ("opensearch-security", "2.19.4.0", "zip"),
        ("opensearch-job-scheduler", "2.19.4.1", "zip"),
    ]
    assert dict(opensearch.versions)["opensearch_job_scheduler"] == "2.19.4.1"
    missing = "\n".join(opensearch.missing)
    for absent in ["lang-painless", "analysis-common", "ingest-common", "reindex"]:
        assert absent in missing
    assert "org.opensearch.plugin:opensearch-index-management:2.19.4.1:zip" in missing
    assert "opensearch-job-scheduler" not in missing
    assert "opensearch-security" not in missing


def test_spark_kafka_carries_the_connector_and_the_jars_spark_lacks():
    component = by_name({**VERSIONS, "spark_kafka_connector": "4.2.1"})["spark-kafka"]
    assert [str(c) for c in component.fetch] == [
        "org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.1",
        "org.apache.spark:spark-token-provider-kafka-0-10_2.13:4.2.1",
        "org.apache.kafka:kafka-clients:3.9.2",
        "org.apache.commons:commons-pool2:2.13.1",
    ]
    # Named after the Spark it serves, where the role looks for it.
    assert component.archive == "apache/spark/spark-4.3.0/spark-kafka-4.3.0.tgz"
    assert dict(component.versions)["spark_kafka_connector"] == "4.2.1"
    assert component.inputs() != by_name()["spark-kafka"].inputs()


def test_mariadb_jdbc_carries_the_driver_and_names_its_optional_dependencies():
    component = by_name({**VERSIONS, "mariadb_jdbc": "3.5.12"})["mariadb-jdbc"]
    assert [str(c) for c in component.fetch] == ["org.mariadb.jdbc:mariadb-java-client:3.5.12"]
    # The artifact role installs it as /opt/bdp/mariadb-jdbc-<v>, its top directory stripped.
    assert component.archive == "mariadb/connector-j/3.5.12/mariadb-jdbc-3.5.12.tgz"
    assert component.top_dir == "mariadb-jdbc-3.5.12"
    assert component.versions == (("mariadb_jdbc", "3.5.12"),)
    assert component.inputs() != by_name()["mariadb-jdbc"].inputs()
    missing = "\n".join(component.missing)
    for optional in ["waffle-jna", "jna", "software.amazon.awssdk:rds", "slf4j-api"]:
        assert optional in missing
