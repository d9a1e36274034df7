from bdp.mirror.maven_output import error_lines, failure_message, missing_artifacts

NOT_FOUND = (
    "\x1b[0m\x1b[0m[ERROR] Failed to execute goal on project bdp-mirror:kafka-libs: Could not"
    " resolve dependencies for project bdp-mirror:kafka-libs:pom:0: Could not find artifact"
    " org.apache.kafka:kafka-tools:jar:4.4.0 in central (https://example.invalid/maven2)"
    " -> [Help 1]\n[ERROR] \n[ERROR] To see the full stack trace, re-run Maven with -e.\n"
)
CACHED_MISS = (
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get"
    " (default-cli) on project standalone-pom: Couldn't download artifact:"
    " org.apache.spark:spark-network-yarn_2.13:jar:4.3.0 was not found in"
    " https://example.invalid/maven2 during a previous attempt.\n"
)
NETWORK = (
    "[ERROR] Failed to execute goal on project bdp-mirror:x: Could not resolve dependencies:"
    " The following artifacts could not be resolved: a.b:c:jar:1.0: Could not transfer"
    " artifact a.b:c:jar:1.0 from/to central: Connection refused\n"
)


def test_error_lines_strip_prefix_and_colour():
    lines = error_lines(NOT_FOUND)
    assert len(lines) == 2
    assert lines[0].startswith("Failed to execute goal")


def test_missing_artifacts_names_the_artifact_not_the_project():
    assert missing_artifacts(NOT_FOUND) == ["org.apache.kafka:kafka-tools:jar:4.4.0"]
    assert missing_artifacts(CACHED_MISS) == ["org.apache.spark:spark-network-yarn_2.13:jar:4.3.0"]


def test_network_failure_is_not_reported_as_missing():
    assert missing_artifacts(NETWORK) == []


def test_failure_message_names_component_and_coordinate():
    message = failure_message("kafka", "resolving libs", NOT_FOUND)
    assert message == (
        "kafka: Maven could not resolve org.apache.kafka:kafka-tools:jar:4.4.0 while resolving libs"
    )


def test_failure_message_without_missing_artifact_shows_maven_errors():
    message = failure_message("hadoop", "resolving common", NETWORK)
    assert message.startswith("hadoop: Maven failed while resolving common:\n")
    assert "Connection refused" in message
