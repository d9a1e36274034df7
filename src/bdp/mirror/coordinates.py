"""Maven coordinates: parsing, formatting, and reading them back from repository paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from bdp.mirror.errors import MirrorError


@dataclass(frozen=True, order=True)
class Coordinate:
    """A Maven artifact, written `group:artifact:version[:type[:classifier]]`."""

    group: str
    artifact: str
    version: str
    type: str = "jar"
    classifier: str = ""

    @classmethod
    def parse(cls, text: str) -> Coordinate:
        parts = text.split(":")
        if not 3 <= len(parts) <= 5 or not all(parts):
            raise MirrorError(
                f"bad Maven coordinate {text!r}:"
                " expected group:artifact:version[:type[:classifier]]"
            )
        return cls(*parts)

    def __str__(self) -> str:
        text = f"{self.group}:{self.artifact}:{self.version}"
        if self.classifier:
            return f"{text}:{self.type}:{self.classifier}"
        if self.type != "jar":
            return f"{text}:{self.type}"
        return text

    @property
    def file_name(self) -> str:
        """The artifact's file name in a Maven repository (and in official release trees)."""
        suffix = f"-{self.classifier}" if self.classifier else ""
        return f"{self.artifact}-{self.version}{suffix}.{self.type}"


def from_repository_path(relative: str) -> Coordinate:
    """Read the coordinate back from a path in Maven repository layout.

    `org/apache/kafka/kafka-clients/4.4.0/kafka-clients-4.4.0.jar` gives
    `org.apache.kafka:kafka-clients:4.4.0`; a classifier follows the version in the file name.
    """
    parts = PurePosixPath(relative).parts
    if len(parts) < 4:
        raise MirrorError(f"not a Maven repository path: {relative}")
    *group, artifact, version, file_name = parts
    prefix = f"{artifact}-{version}"
    stem, dot, extension = file_name.rpartition(".")
    if not dot or not stem.startswith(prefix):
        raise MirrorError(
            f"file name {file_name} does not match {artifact} {version} in {relative}"
        )
    rest = stem[len(prefix) :]
    if rest and not rest.startswith("-"):
        raise MirrorError(
            f"file name {file_name} does not match {artifact} {version} in {relative}"
        )
    return Coordinate(".".join(group), artifact, version, extension, rest[1:])
