"""What each mirrored component is made of: archive path, top directory, registry sources.

Everything here is a pure function of `bdp_versions`. Archive paths repeat the official
download sites' paths, so a role can fetch `<base_url>/<archive>` from either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.versions import require
from bdp.mirror.wheelhouse import AIRFLOW_LOCK, COLLECTORS_LOCK, lock_id

# Bump when an assembler changes what it puts in an archive, so cached archives are rebuilt.
LAYOUT_REVISION = 3


@dataclass(frozen=True)
class SubTree:
    """One Maven resolution: its root coordinates (their dependencies come along)."""

    name: str
    coordinates: tuple[Coordinate, ...]


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    archive: str
    top_dir: str
    versions: tuple[tuple[str, str], ...]
    resolve: tuple[SubTree, ...] = ()
    boms: tuple[Coordinate, ...] = ()
    fetch: tuple[Coordinate, ...] = ()
    pypi: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def sources(self) -> list[str]:
        """Every registry input, as written in MANIFEST.json and BUILD-INFO.txt."""
        found = [f"maven:{c}" for tree in self.resolve for c in tree.coordinates]
        found += [f"maven:{c} (dependency versions)" for c in self.boms]
        found += [f"maven:{c}" for c in self.fetch]
        found += [f"pypi:{r}" for r in self.pypi]
        return found

    def inputs(self) -> dict[str, Any]:
        """What the cached archive depends on; a change means a rebuild."""
        return {
            "component": self.name,
            "versions": dict(self.versions),
            "sources": self.sources,
            "layout_revision": LAYOUT_REVISION,
        }


def _maven(group: str, version: str, *artifacts: str) -> tuple[Coordinate, ...]:
    return tuple(Coordinate(group, artifact, version) for artifact in artifacts)


def hadoop(v: Callable[[str], str]) -> Component:
    version = v("hadoop")
    group = "org.apache.hadoop"
    return Component(
        name="hadoop",
        version=version,
        archive=f"apache/hadoop/common/hadoop-{version}/hadoop-{version}.tar.gz",
        top_dir=f"hadoop-{version}",
        versions=(("hadoop", version),),
        resolve=(
            SubTree("common", _maven(group, version, "hadoop-common")),
            SubTree("hdfs", _maven(group, version, "hadoop-hdfs", "hadoop-hdfs-client")),
            SubTree(
                "yarn",
                _maven(
                    group,
                    version,
                    "hadoop-yarn-server-resourcemanager",
                    "hadoop-yarn-server-nodemanager",
                    "hadoop-yarn-server-web-proxy",
                    "hadoop-yarn-server-applicationhistoryservice",
                    "hadoop-yarn-server-timelineservice",
                    "hadoop-yarn-client",
                ),
            ),
            SubTree(
                "mapreduce",
                _maven(
                    group,
                    version,
                    "hadoop-mapreduce-client-app",
                    "hadoop-mapreduce-client-jobclient",
                    "hadoop-mapreduce-client-shuffle",
                    "hadoop-mapreduce-client-core",
                ),
            ),
        ),
        boms=(Coordinate(group, "hadoop-project", version, "pom"),),
        # Only Hadoop's tests jar carries the HDFS web UIs (share/hadoop/hdfs/webapps).
        fetch=(Coordinate(group, "hadoop-hdfs", version, "jar", "tests"),),
        missing=(
            "bin/, sbin/ and libexec/ scripts (not on Maven Central; roles run `java -cp`)",
            "etc/hadoop/ default configuration files (roles write their own)",
            "lib/native/ (libhadoop.so and friends are not on Maven Central)",
            "share/hadoop/client, share/hadoop/tools, HttpFS, KMS, NFS gateway, RBF, docs",
            "third-party jars appear once, in the first of common, hdfs, yarn, mapreduce"
            " that needs them (the official archive repeats some in hdfs/lib)",
            "share/hadoop/hdfs/webapps/ comes from the hadoop-hdfs tests jar; as in the"
            " official archive, share/hadoop/hdfs itself must be on the HDFS daemons' classpath",
        ),
    )


def kafka(v: Callable[[str], str]) -> Component:
    version, scala = v("kafka"), v("kafka_scala")
    group = "org.apache.kafka"
    return Component(
        name="kafka",
        version=version,
        archive=f"apache/kafka/{version}/kafka_{scala}-{version}.tgz",
        top_dir=f"kafka_{scala}-{version}",
        versions=(("kafka", version), ("kafka_scala", scala)),
        resolve=(
            SubTree(
                "libs",
                _maven(
                    group,
                    version,
                    f"kafka_{scala}",
                    "kafka-server",
                    "kafka-storage",
                    "kafka-metadata",
                    "kafka-raft",
                    "kafka-group-coordinator",
                    "kafka-transaction-coordinator",
                    "kafka-share-coordinator",
                    "kafka-clients",
                    "kafka-tools",
                ),
            ),
        ),
        missing=(
            "bin/ scripts and config/*.properties samples (roles run `java -cp` and write config)",
            "Kafka Connect, Kafka Streams, Trogdor and site-docs",
        ),
    )


def cassandra(v: Callable[[str], str]) -> Component:
    version = v("cassandra")
    return Component(
        name="cassandra",
        version=version,
        archive=f"apache/cassandra/{version}/apache-cassandra-{version}-bin.tar.gz",
        top_dir=f"apache-cassandra-{version}",
        versions=(("cassandra", version),),
        resolve=(SubTree("lib", _maven("org.apache.cassandra", version, "cassandra-all")),),
        boms=(Coordinate("org.apache.cassandra", "cassandra-parent", version, "pom"),),
        missing=(
            "bin/ (cassandra, nodetool, cqlsh) and tools/ scripts",
            "conf/ files: no Maven artifact carries cassandra.yaml, jvm*-server.options"
            " or logback.xml (conf/ is empty; roles write their own)",
            "pylib/ and the Python driver zips in lib/ that cqlsh uses",
            "lib/sigar-bin/ native libraries",
        ),
    )


def opensearch(v: Callable[[str], str]) -> Component:
    version = v("opensearch")
    security, job_scheduler = v("opensearch_security"), v("opensearch_job_scheduler")
    plugins = "org.opensearch.plugin"
    return Component(
        name="opensearch",
        version=version,
        archive=(
            f"opensearch/releases/bundle/opensearch/{version}/opensearch-{version}-linux-x64.tar.gz"
        ),
        top_dir=f"opensearch-{version}",
        versions=(
            ("opensearch", version),
            ("opensearch_security", security),
            ("opensearch_job_scheduler", job_scheduler),
        ),
        # The distribution first, then the plugin zips in install order.
        fetch=(
            Coordinate("org.opensearch.distribution.integ-test-zip", "opensearch", version, "zip"),
            Coordinate(plugins, "opensearch-security", security, "zip"),
            Coordinate(plugins, "opensearch-job-scheduler", job_scheduler, "zip"),
        ),
        missing=(
            "jdk/ (no bundled JDK: the services run on the host's Java 17)",
            "modules other than transport-netty4: Maven Central has no module zips (at most a"
            " module's bare jar, without plugin-descriptor.properties or plugin-security.policy),"
            " so there is no lang-painless, analysis-common, ingest-common, mapper-extras,"
            " reindex, parent-join, aggs-matrix-stats, percolator, rank-eval,"
            " search-pipeline-common, geo, systemd, ...",
            f"plugins/opensearch-index-management (ISM): {plugins}:opensearch-index-management:"
            f"{job_scheduler}:zip is not on Maven Central, so no _plugins/_ism API",
            "the bundle's other plugins (alerting, sql, ml-commons, ...)",
        ),
    )


def spark(v: Callable[[str], str]) -> Component:
    version, profile = v("spark"), v("spark_hadoop_profile")
    name = f"spark-{version}-bin-{profile}"
    return Component(
        name="spark",
        version=version,
        archive=f"apache/spark/spark-{version}/{name}.tgz",
        top_dir=name,
        versions=(("spark", version), ("spark_hadoop_profile", profile)),
        pypi=(f"pyspark=={version}",),
        missing=(
            "python/pyspark/ sources (python/lib/pyspark.zip carries the same package)",
            "R/, kubernetes/, examples/jars/ and conf/*.template files",
        ),
    )


def spark_kafka(v: Callable[[str], str]) -> Component:
    """Spark's Kafka source: the jars it needs that the Spark distribution does not ship.

    `fetch` holds the connector first; the assembler checks that the connector's POM declares
    the kafka-clients and commons-pool2 versions that `bdp_versions` pins.
    """
    spark_version, scala = v("spark"), v("spark_scala")
    connector = v("spark_kafka_connector")
    name = f"spark-kafka-{spark_version}"
    return Component(
        name="spark-kafka",
        version=spark_version,
        archive=f"apache/spark/spark-{spark_version}/{name}.tgz",
        top_dir=name,
        versions=(
            ("spark", spark_version),
            ("spark_scala", scala),
            ("spark_kafka_connector", connector),
            ("spark_kafka_clients", v("spark_kafka_clients")),
            ("spark_commons_pool2", v("spark_commons_pool2")),
        ),
        fetch=(
            *_maven(
                "org.apache.spark",
                connector,
                f"spark-sql-kafka-0-10_{scala}",
                f"spark-token-provider-kafka-0-10_{scala}",
            ),
            Coordinate("org.apache.kafka", "kafka-clients", v("spark_kafka_clients")),
            Coordinate("org.apache.commons", "commons-pool2", v("spark_commons_pool2")),
        ),
        missing=(
            "everything but jars/: this is no official archive, only what spark-submit --jars"
            " needs besides the Spark distribution, whose jars/ already carries the"
            " connector's other runtime dependencies (zstd-jni, lz4-java, snappy-java,"
            " slf4j-api, jsr305, spark-tags, scala-parallel-collections)",
        ),
    )


def _jars_only(
    v: Callable[[str], str], key: str, path: str, group: str, artifact: str, *missing: str
) -> Component:
    """One Maven jar under jars/, at the version `key` in bdp_versions; the component is
    named after `key` (with hyphens) and archived under `path`."""
    version = v(key)
    name = key.replace("_", "-")
    return Component(
        name=name,
        version=version,
        archive=f"{path}/{version}/{name}-{version}.tgz",
        top_dir=f"{name}-{version}",
        versions=((key, version),),
        fetch=(Coordinate(group, artifact, version),),
        missing=missing,
    )


def mariadb_jdbc(v: Callable[[str], str]) -> Component:
    """MariaDB Connector/J for the Spark ETL jobs' `--jars`.

    `fetch` holds the driver first; the assembler checks that the driver's POM declares no
    runtime dependency besides the other jars in `fetch` (as of 3.5.x it declares none).
    """
    return _jars_only(
        v,
        "mariadb_jdbc",
        "mariadb/connector-j",
        "org.mariadb.jdbc",
        "mariadb-java-client",
        "everything but jars/: this is no official archive, only the driver jar that"
        " spark-submit --jars needs",
        "the driver's optional dependencies: waffle-jna and its jna (Windows SSPI"
        " authentication; JNA also backs unix-socket and named-pipe connections, so only"
        " TCP connections work), software.amazon.awssdk:rds (AWS IAM authentication) and"
        " slf4j-api (logging through SLF4J; Spark's jars/ has it)",
    )


def jmx_exporter(v: Callable[[str], str]) -> Component:
    """Prometheus's JMX exporter Java agent, loaded by every JVM service (`-javaagent`).

    The agent jar is shaded: its POM declares no runtime dependency, which the assembler checks.
    """
    return _jars_only(
        v,
        "jmx_exporter",
        "prometheus/jmx_exporter",
        "io.prometheus.jmx",
        "jmx_prometheus_javaagent",
        "everything but jars/: only the Java agent jar, not the standalone HTTP server"
        " or the project's example configurations",
    )


def librdkafka(v: Callable[[str], str]) -> Component:
    version = v("confluent_kafka")
    return Component(
        name="librdkafka",
        version=version,
        archive=f"librdkafka/{version}/librdkafka-{version}-linux-x86_64.tar.gz",
        top_dir=f"librdkafka-{version}",
        versions=(("confluent_kafka", version),),
        pypi=(f"confluent-kafka=={version} ({LIBRDKAFKA_WHEEL.format(version=version)})",),
        missing=(
            "headers, static library and pkg-config files: lib/librdkafka.so.1 only, the"
            " self-contained build that the confluent-kafka wheel bundles (rsyslog's omkafka"
            " loads it in place of the distribution's older librdkafka)",
        ),
    )


LIBRDKAFKA_WHEEL = "confluent_kafka-{version}-cp311-cp311-manylinux_2_28_x86_64.whl"


@dataclass(frozen=True)
class WheelHouse:
    """A hash-pinned lock whose `project` must be pinned at bdp_versions[`version_key`]."""

    lock: str
    project: str
    version_key: str


WHEEL_HOUSES = {
    "airflow": WheelHouse(AIRFLOW_LOCK, "apache-airflow", "airflow"),
    "collectors": WheelHouse(COLLECTORS_LOCK, "confluent-kafka", "confluent_kafka"),
}


def _wheel_house(name: str, v: Callable[[str], str]) -> Component:
    house = WHEEL_HOUSES[name]
    version, lock = v(house.version_key), lock_id(house.lock)
    top_dir = f"{name}-wheelhouse-{version}-{lock}"
    return Component(
        name=name,
        version=version,
        archive=f"pypi/{name}/{version}/{top_dir}-cp311-linux-x86_64.tar.gz",
        top_dir=top_dir,
        versions=((house.version_key, version),),
        pypi=(f"{house.lock} (id {lock})",),
        missing=(
            f"nothing of {house.project} itself; the wheels fit CPython 3.11 on x86_64 Linux"
            " only (Debian 12's Python), and sdist-only requirements are built into wheels",
        ),
    )


def airflow(v: Callable[[str], str]) -> Component:
    return _wheel_house("airflow", v)


def collectors(v: Callable[[str], str]) -> Component:
    return _wheel_house("collectors", v)


FACTORIES: dict[str, Callable[[Callable[[str], str]], Component]] = {
    "hadoop": hadoop,
    "kafka": kafka,
    "cassandra": cassandra,
    "opensearch": opensearch,
    "spark": spark,
    "spark-kafka": spark_kafka,
    "mariadb-jdbc": mariadb_jdbc,
    "jmx-exporter": jmx_exporter,
    "librdkafka": librdkafka,
    "airflow": airflow,
    "collectors": collectors,
}


def plan(versions: Mapping[str, str], source: Path, only: list[str] | None) -> list[Component]:
    """The components to build, in a fixed order; `only` must name known components."""
    names = only or list(FACTORIES)
    unknown = sorted(set(names) - set(FACTORIES))
    if unknown:
        raise MirrorError(
            f"unknown component(s) {', '.join(unknown)}; choose from {', '.join(FACTORIES)}"
        )
    return [
        FACTORIES[name](lambda key: require(versions, key, source))
        for name in FACTORIES
        if name in names
    ]
