import pytest

from bdp.mirror.assemble.jars import check_complete
from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError
from bdp.mirror.pom import declared_dependencies

RDS = """
    <dependency>
      <groupId>software.amazon.awssdk</groupId><artifactId>rds</artifactId>
      <optional>true</optional>
    </dependency>"""
# The shape of mariadb-java-client 3.5.x's POM: a test jar and an optional jar whose versions
# a BOM manages, an optional jar with a version, and a dependency only a profile declares.
POM = f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <dependencies>
    <dependency>
      <groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter-engine</artifactId>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId>
      <version>2.0.19</version><optional>true</optional>
    </dependency>{RDS}
  </dependencies>
  <profiles>
    <profile>
      <id>default</id>
      <dependencies>
        <dependency>
          <groupId>com.github.waffle</groupId><artifactId>waffle-jna</artifactId>
          <version>${{waffle-jna.version}}</version><optional>true</optional>
        </dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
"""
NEEDED = """
    <dependency>
      <groupId>com.example</groupId><artifactId>needed</artifactId>
      <version>1.2.3</version><scope>runtime</scope>
    </dependency>"""


def declared(pom: str = POM) -> dict[tuple[str, str], str]:
    return declared_dependencies(pom, "x.pom")


def test_optional_test_and_profile_dependencies_are_left_out():
    assert declared() == {}


def test_a_required_dependency_without_a_literal_version_is_still_an_error():
    required = POM.replace(RDS, RDS.replace("<optional>true</optional>", ""))
    with pytest.raises(MirrorError, match=r"x\.pom: software\.amazon\.awssdk:rds has no"):
        declared(required)


def test_the_driver_alone_is_complete_when_the_pom_requires_nothing():
    check_complete("mariadb-jdbc", declared(), [], "x.pom")


def test_a_required_dependency_left_out_is_named_with_its_version():
    with pytest.raises(MirrorError) as caught:
        check_complete("mariadb-jdbc", declared(POM.replace(RDS, RDS + NEEDED)), [], "x.pom")
    message = str(caught.value)
    assert "x.pom declares runtime dependencies the mariadb-jdbc archive lacks" in message
    assert "com.example:needed 1.2.3" in message


def test_a_bundled_dependency_passes_only_at_the_declared_version():
    needed = declared(POM.replace(RDS, RDS + NEEDED))
    check_complete("mariadb-jdbc", needed, [Coordinate("com.example", "needed", "1.2.3")], "x.pom")
    with pytest.raises(MirrorError, match=r"com\.example:needed 1\.2\.4 \(the POM says 1\.2\.3\)"):
        check_complete(
            "mariadb-jdbc", needed, [Coordinate("com.example", "needed", "1.2.4")], "x.pom"
        )


def test_a_bundled_jar_the_pom_does_not_declare_is_an_error():
    with pytest.raises(MirrorError, match=r"com\.example:extra 1\.0 \(the POM says None\)"):
        check_complete(
            "mariadb-jdbc", declared(), [Coordinate("com.example", "extra", "1.0")], "x.pom"
        )
