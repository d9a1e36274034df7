import pytest

from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.layout import (
    extended_plugins,
    flat_layout,
    hadoop_layout,
    hdfs_webapps_target,
    parse_properties,
    plugin_folder,
    plugin_target,
    scala_binary_version,
    slf4j_binding,
    spark_target,
    under_top,
)

H = "org.apache.hadoop"


def c(text):
    return Coordinate.parse(text)


def test_hadoop_own_jars_in_tree_dir_and_the_rest_in_lib():
    trees = [
        ("common", [c(f"{H}:hadoop-common:3.5.0"), c(f"{H}:hadoop-auth:3.5.0"), c("g:guava:33")]),
        (
            "hdfs",
            [
                c(f"{H}:hadoop-common:3.5.0"),
                c(f"{H}:hadoop-hdfs:3.5.0"),
                c(f"{H}:hadoop-hdfs-client:3.5.0"),
                c("g:guava:33"),
                c("io.netty:netty-all:4.1"),
            ],
        ),
        ("yarn", [c(f"{H}:hadoop-yarn-api:3.5.0"), c(f"{H}:hadoop-registry:3.5.0")]),
    ]
    assert [(str(k), v) for k, v in hadoop_layout(trees)] == [
        (f"{H}:hadoop-common:3.5.0", "share/hadoop/common/hadoop-common-3.5.0.jar"),
        (f"{H}:hadoop-auth:3.5.0", "share/hadoop/common/lib/hadoop-auth-3.5.0.jar"),
        ("g:guava:33", "share/hadoop/common/lib/guava-33.jar"),
        (f"{H}:hadoop-hdfs:3.5.0", "share/hadoop/hdfs/hadoop-hdfs-3.5.0.jar"),
        (f"{H}:hadoop-hdfs-client:3.5.0", "share/hadoop/hdfs/hadoop-hdfs-client-3.5.0.jar"),
        ("io.netty:netty-all:4.1", "share/hadoop/hdfs/lib/netty-all-4.1.jar"),
        (f"{H}:hadoop-yarn-api:3.5.0", "share/hadoop/yarn/hadoop-yarn-api-3.5.0.jar"),
        (f"{H}:hadoop-registry:3.5.0", "share/hadoop/yarn/lib/hadoop-registry-3.5.0.jar"),
    ]


def test_hadoop_classifiers_are_distinct_jars():
    trees = [("common", [c("io.netty:epoll:4.1"), c("io.netty:epoll:4.1:jar:linux-x86_64")])]
    assert [path for _, path in hadoop_layout(trees)] == [
        "share/hadoop/common/lib/epoll-4.1.jar",
        "share/hadoop/common/lib/epoll-4.1-linux-x86_64.jar",
    ]


def test_hadoop_trees_disagreeing_on_a_version_fail():
    trees = [("common", [c("g:guava:33")]), ("yarn", [c("g:guava:30")])]
    with pytest.raises(MirrorError, match="common resolved g:guava:33 but yarn"):
        hadoop_layout(trees)


@pytest.mark.parametrize(
    ("entry", "target"),
    [
        ("webapps/hdfs/index.html", "hadoop-3.5.0/share/hadoop/hdfs/webapps/hdfs/index.html"),
        ("webapps/static/", "hadoop-3.5.0/share/hadoop/hdfs/webapps/static"),
        ("webapps/", None),
        ("org/apache/hadoop/hdfs/TestX.class", None),
        ("webapps/../../evil", None),
    ],
)
def test_hdfs_webapps_come_from_the_tests_jar(entry, target):
    assert hdfs_webapps_target(entry, "hadoop-3.5.0") == target


def test_flat_layout_sorts_by_file_name():
    jars = [c("org.apache.kafka:kafka-clients:4.4.0"), c("com.yammer.metrics:metrics-core:2.2.0")]
    assert [path for _, path in flat_layout(jars, "libs")] == [
        "libs/kafka-clients-4.4.0.jar",
        "libs/metrics-core-2.2.0.jar",
    ]


def test_flat_layout_refuses_clashing_file_names():
    with pytest.raises(MirrorError, match=r"a:x:1 and b:x:1 would both be lib/x-1\.jar"):
        flat_layout([c("a:x:1"), c("b:x:1")], "lib")


@pytest.mark.parametrize(
    ("slf4j", "binding"),
    [("1.7.36", "log4j-slf4j-impl"), ("2.0.17", "log4j-slf4j2-impl")],
)
def test_slf4j_binding_matches_the_api_major(slf4j, binding):
    jars = [c(f"org.slf4j:slf4j-api:{slf4j}"), c("org.apache.logging.log4j:log4j-core:2.25.5")]
    assert slf4j_binding(jars, "kafka") == c(f"org.apache.logging.log4j:{binding}:2.25.5")


def test_slf4j_binding_needs_log4j_core():
    with pytest.raises(MirrorError, match=r"kafka: org\.apache\.logging\.log4j:log4j-core is not"):
        slf4j_binding([c("org.slf4j:slf4j-api:1.7.36")], "kafka")


def test_plugin_zip_entries_go_where_the_plugin_installer_puts_them():
    top, plugin = "opensearch-2.19.4", "opensearch-security"
    assert plugin_target("opensearch-security-2.19.4.0.jar", top, plugin) == (
        "opensearch-2.19.4/plugins/opensearch-security/opensearch-security-2.19.4.0.jar"
    )
    assert plugin_target("tools/securityadmin.sh", top, plugin) == (
        "opensearch-2.19.4/plugins/opensearch-security/tools/securityadmin.sh"
    )
    assert plugin_target("config/roles.yml", top, plugin) == (
        "opensearch-2.19.4/config/opensearch-security/roles.yml"
    )
    assert (
        plugin_target("bin/tool", top, plugin) == "opensearch-2.19.4/bin/opensearch-security/tool"
    )
    with pytest.raises(MirrorError, match="unsafe zip entry"):
        plugin_target("../evil", top, plugin)
    with pytest.raises(MirrorError, match="intermediate opensearch/ directory"):
        plugin_target("opensearch/plugin-descriptor.properties", top, plugin)


DESCRIPTOR = """\
# OpenSearch plugin descriptor file
! another comment
description=OpenSearch Index Management Plugin
version=2.19.4.0
name=opensearch-index-management
opensearch.version=2.19.4
custom.foldername=
extended.plugins=opensearch-job-scheduler, other
"""


def test_parse_properties_skips_comments_and_blank_lines():
    assert parse_properties(DESCRIPTOR) == {
        "description": "OpenSearch Index Management Plugin",
        "version": "2.19.4.0",
        "name": "opensearch-index-management",
        "opensearch.version": "2.19.4",
        "custom.foldername": "",
        "extended.plugins": "opensearch-job-scheduler, other",
    }


def test_plugin_folder_is_the_name_or_the_custom_folder_name():
    descriptor = parse_properties(DESCRIPTOR)
    assert plugin_folder(descriptor, "2.19.4", "ism.zip") == "opensearch-index-management"
    custom = {**descriptor, "custom.foldername": "ism"}
    assert plugin_folder(custom, "2.19.4", "ism.zip") == "ism"
    assert extended_plugins(descriptor) == ["opensearch-job-scheduler", "other"]
    assert extended_plugins({"extended.plugins": ""}) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"opensearch.version": "2.19.1"},
            r"ism\.zip: plugin .* built for OpenSearch 2\.19\.1, not",
        ),
        ({"name": ""}, r"ism\.zip: plugin-descriptor\.properties has no name"),
        ({"custom.foldername": "../x"}, r"unsafe plugin folder name"),
    ],
)
def test_plugin_folder_refuses_foreign_or_unsafe_plugins(change, message):
    with pytest.raises(MirrorError, match=message):
        plugin_folder({**parse_properties(DESCRIPTOR), **change}, "2.19.4", "ism.zip")


def test_under_top_checks_the_top_directory():
    assert under_top("os-1/lib/x.jar", "os-1", "os.zip") == "os-1/lib/x.jar"
    for name in ["other/lib/x.jar", "/os-1/x", "os-1/../x"]:
        with pytest.raises(MirrorError, match=r"os\.zip: entry"):
            under_top(name, "os-1", "os.zip")


@pytest.mark.parametrize(
    ("entry", "target"),
    [
        ("pyspark-4.3.0/deps/jars/spark-core_2.13-4.3.0.jar", "S/jars/spark-core_2.13-4.3.0.jar"),
        ("pyspark-4.3.0/deps/bin/spark-submit", "S/bin/spark-submit"),
        ("pyspark-4.3.0/deps/sbin/start-history-server.sh", "S/sbin/start-history-server.sh"),
        ("pyspark-4.3.0/lib/py4j-0.10.9.9-src.zip", "S/python/lib/py4j-0.10.9.9-src.zip"),
        ("pyspark-4.3.0/lib/pyspark.zip", "S/python/lib/pyspark.zip"),
        ("pyspark-4.3.0/deps/examples/pi.py", "S/examples/src/main/python/pi.py"),
        ("pyspark-4.3.0/LICENSE", "S/LICENSE"),
        ("pyspark-4.3.0/deps/jars/", None),
        ("pyspark-4.3.0/pyspark/sql/functions.py", None),
        ("pyspark-4.3.0/setup.py", None),
        ("other-1/deps/jars/x.jar", None),
        ("pyspark-4.3.0/deps/jars/../../x", None),
    ],
)
def test_spark_sdist_mapping(entry, target):
    assert spark_target(entry, "pyspark-4.3.0", "S") == target


def test_scala_binary_version():
    names = ["py4j-0.10.9.9.jar", "spark-core_2.13-4.3.0.jar", "spark-sql_2.13-4.3.0.jar"]
    assert scala_binary_version(names, "4.3.0") == "2.13"
    with pytest.raises(MirrorError, match=r"no spark-core_<scala>-4\.4\.0\.jar"):
        scala_binary_version(names, "4.4.0")
