"""The BUILD-INFO.txt placed at the top of every mirror-built archive."""

from __future__ import annotations

from bdp.mirror.components import Component


def _section(title: str, lines: list[str]) -> str:
    body = "".join(f"  - {line}\n" for line in lines) if lines else "  (none)\n"
    return f"{title}\n{body}"


def render_build_info(
    component: Component, sources: list[str], missing: list[str], artifacts: list[str]
) -> str:
    return (
        f"{component.top_dir}\n"
        "\n"
        "Assembled by `bdp mirror build` from package-registry artifacts (Maven Central,\n"
        "PyPI), not downloaded from the official release site. It keeps the official\n"
        "archive's directory layout for the parts it carries.\n"
        "\n"
        + _section("Registry sources:", sources)
        + "\n"
        + _section("Missing compared with the official archive:", [*component.missing, *missing])
        + "\n"
        + _section(f"Resolved artifacts ({len(artifacts)}):", artifacts)
    )
