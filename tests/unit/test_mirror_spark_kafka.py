import pytest

from bdp.mirror.assemble.jars import check_pinned
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.pom import declared_dependencies

POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId>
      <version>3.9.2</version><scope>compile</scope>
    </dependency>
    <dependency>
      <groupId>org.apache.commons</groupId><artifactId>commons-pool2</artifactId>
      <version>2.13.1</version>
    </dependency>
    <dependency>
      <groupId>org.apache.spark</groupId><artifactId>spark-sql_2.13</artifactId>
      <version>4.2.0</version><scope>provided</scope>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>3.9.2</version><scope>test</scope>
    </dependency>
  </dependencies>
</project>
"""
PINNED = [
    Coordinate("org.apache.kafka", "kafka-clients", "3.9.2"),
    Coordinate("org.apache.commons", "commons-pool2", "2.13.1"),
]


def test_runtime_dependencies_of_a_published_pom():
    assert declared_dependencies(POM, "x.pom") == {
        ("org.apache.kafka", "kafka-clients"): "3.9.2",
        ("org.apache.commons", "commons-pool2"): "2.13.1",
    }


def test_a_property_version_is_an_error_naming_the_dependency():
    pom = POM.replace("<version>2.13.1</version>", "<version>${pool.version}</version>")
    with pytest.raises(MirrorError, match=r"x\.pom: org\.apache\.commons:commons-pool2 has no"):
        declared_dependencies(pom, "x.pom")


def test_an_unreadable_pom_is_named():
    with pytest.raises(MirrorError, match=r"x\.pom is not a readable POM"):
        declared_dependencies("<project>", "x.pom")


def test_pins_matching_the_pom_pass():
    check_pinned(declared_dependencies(POM, "x.pom"), PINNED, "x.pom")


def test_a_pin_that_differs_from_the_pom_is_named_with_both_versions():
    pinned = [PINNED[0], Coordinate("org.apache.commons", "commons-pool2", "2.12.0")]
    with pytest.raises(MirrorError) as caught:
        check_pinned(declared_dependencies(POM, "x.pom"), pinned, "x.pom")
    assert "commons-pool2 2.12.0 (the POM says 2.13.1)" in str(caught.value)
    assert "kafka-clients" not in str(caught.value)
