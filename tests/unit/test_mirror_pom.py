import xml.etree.ElementTree as ET

from bdp.mirror.coordinates import Coordinate
from bdp.mirror.pom import render_pom


def fields(element):
    return {child.tag: child.text for child in element}


def test_pom_lists_every_root_with_type_and_classifier():
    roots = [
        Coordinate("org.apache.hadoop", "hadoop-hdfs", "3.5.0"),
        Coordinate("io.netty", "netty-transport-native-epoll", "4.1.1", "jar", "linux-x86_64"),
        Coordinate("org.opensearch.plugin", "opensearch-security", "2.19.4.0", "zip"),
    ]
    project = ET.fromstring(render_pom("hadoop-hdfs", roots, ()))
    assert project.find("artifactId").text == "hadoop-hdfs"
    assert project.find("packaging").text == "pom"
    assert project.find("dependencyManagement") is None
    deps = [fields(d) for d in project.findall("dependencies/dependency")]
    assert deps == [
        {"groupId": "org.apache.hadoop", "artifactId": "hadoop-hdfs", "version": "3.5.0"},
        {
            "groupId": "io.netty",
            "artifactId": "netty-transport-native-epoll",
            "version": "4.1.1",
            "classifier": "linux-x86_64",
        },
        {
            "groupId": "org.opensearch.plugin",
            "artifactId": "opensearch-security",
            "version": "2.19.4.0",
            "type": "zip",
        },
    ]


def test_boms_are_imported():
    bom = Coordinate("org.apache.hadoop", "hadoop-project", "3.5.0", "pom")
    project = ET.fromstring(render_pom("x", [Coordinate("g", "a", "1")], [bom]))
    imports = project.findall("dependencyManagement/dependencies/dependency")
    assert [fields(d) for d in imports] == [
        {
            "groupId": "org.apache.hadoop",
            "artifactId": "hadoop-project",
            "version": "3.5.0",
            "type": "pom",
            "scope": "import",
        }
    ]


def test_values_are_escaped():
    text = render_pom("a&b", [Coordinate("g<", "a", "1")], ())
    project = ET.fromstring(text)
    assert project.find("artifactId").text == "a&b"
    assert project.find("dependencies/dependency/groupId").text == "g<"
