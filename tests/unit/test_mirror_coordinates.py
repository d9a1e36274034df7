import pytest

from bdp.mirror.coordinates import Coordinate, from_repository_path
from bdp.mirror.errors import MirrorError


@pytest.mark.parametrize(
    "text",
    [
        "org.apache.kafka:kafka-clients:4.4.0",
        "org.opensearch.plugin:opensearch-security:2.19.4.0:zip",
        "io.netty:netty-transport-native-epoll:4.1.130.Final:jar:linux-x86_64",
    ],
)
def test_parse_and_format_round_trip(text):
    assert str(Coordinate.parse(text)) == text


def test_file_name():
    assert Coordinate.parse("a.b:c:1.0:zip").file_name == "c-1.0.zip"
    assert Coordinate("a", "jffi", "1.3.11", classifier="native").file_name == (
        "jffi-1.3.11-native.jar"
    )


@pytest.mark.parametrize("text", ["a:b", "a::1", "a:b:c:d:e:f"])
def test_bad_coordinate(text):
    with pytest.raises(MirrorError, match="bad Maven coordinate"):
        Coordinate.parse(text)


def test_from_repository_path():
    assert from_repository_path(
        "org/apache/hadoop/hadoop-common/3.5.0/hadoop-common-3.5.0.jar"
    ) == Coordinate("org.apache.hadoop", "hadoop-common", "3.5.0")
    assert from_repository_path(
        "io/netty/netty-transport-native-epoll/4.1.130.Final/"
        "netty-transport-native-epoll-4.1.130.Final-linux-x86_64.jar"
    ) == Coordinate(
        "io.netty", "netty-transport-native-epoll", "4.1.130.Final", "jar", "linux-x86_64"
    )


@pytest.mark.parametrize(
    "path",
    [
        "a/b/1.0/b-2.0.jar",
        "a/b/1.0/b-1.0x.jar",
        "b/1.0/b-1.0.jar",
    ],
)
def test_from_repository_path_rejects_mismatches(path):
    with pytest.raises(MirrorError):
        from_repository_path(path)
