"""Generate the throw-away Maven project whose dependencies are a component's jars."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from bdp.mirror.coordinates import Coordinate
from bdp.mirror.errors import MirrorError


def _dependency(coordinate: Coordinate, scope: str = "") -> str:
    fields = [
        ("groupId", coordinate.group),
        ("artifactId", coordinate.artifact),
        ("version", coordinate.version),
    ]
    if coordinate.type != "jar":
        fields.append(("type", coordinate.type))
    if coordinate.classifier:
        fields.append(("classifier", coordinate.classifier))
    if scope:
        fields.append(("scope", scope))
    inner = "".join(f"\n      <{tag}>{escape(value)}</{tag}>" for tag, value in fields)
    return f"    <dependency>{inner}\n    </dependency>\n"


def _indent(block: str) -> str:
    return "".join(f"  {line}\n" for line in block.splitlines())


def render_pom(name: str, coordinates: Iterable[Coordinate], boms: Iterable[Coordinate]) -> str:
    """A pom-packaged project `bdp-mirror:<name>:0` depending on `coordinates`.

    Each of `boms` (a pom) is imported into dependencyManagement, so transitive dependencies
    get the versions the project's own build pins rather than Maven's nearest-wins choice.
    """
    dependencies = "".join(_dependency(c) for c in coordinates)
    imports = "".join(_dependency(bom, "import") for bom in boms)
    management = (
        f"  <dependencyManagement>\n    <dependencies>\n{_indent(imports)}"
        "    </dependencies>\n  </dependencyManagement>\n"
        if imports
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<project>\n"
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>bdp-mirror</groupId>\n"
        f"  <artifactId>{escape(name)}</artifactId>\n"
        "  <version>0</version>\n"
        "  <packaging>pom</packaging>\n"
        f"{management}"
        "  <dependencies>\n"
        f"{dependencies}"
        "  </dependencies>\n"
        "</project>\n"
    )


_POM_NS = "{http://maven.apache.org/POM/4.0.0}"
_RUNTIME_SCOPES = {"", "compile", "runtime"}


def declared_dependencies(pom_text: str, source: str) -> dict[tuple[str, str], str]:
    """(group, artifact) -> version of a published POM's runtime dependencies.

    Optional dependencies are left out: Maven does not bring them to the POM's users either.
    Only literal versions count: a `${property}` would need the parent POM, so it is an error.
    """
    try:
        root = ElementTree.fromstring(pom_text)
    except ElementTree.ParseError as exc:
        raise MirrorError(f"{source} is not a readable POM: {exc}") from exc
    declared: dict[tuple[str, str], str] = {}
    for dependency in root.iterfind(f"{_POM_NS}dependencies/{_POM_NS}dependency"):
        fields = {
            child.tag.removeprefix(_POM_NS): (child.text or "").strip() for child in dependency
        }
        if fields.get("scope", "") not in _RUNTIME_SCOPES or fields.get("optional") == "true":
            continue
        key = (fields.get("groupId", ""), fields.get("artifactId", ""))
        version = fields.get("version", "")
        if not version or "${" in version:
            raise MirrorError(f"{source}: {key[0]}:{key[1]} has no literal version ({version!r})")
        declared[key] = version
    return declared
