"""The platform's event sources, listed in one place: the event schemas.

A source exists when `schemas/events/<source>.json` does. The schema's `x-bdp.position`
orders the sources wherever the platform lists them (collector placement and status ports,
Kafka topics and grants, the lake writer's topics, the ETL's DAGs): a new source takes the
next position, so it comes last and every other source keeps its host and port.
`ansible/group_vars/all/sources.yml` derives the roles' `bdp_sources` from the same files by
the same rule. See docs/adding-a-source.md.
"""

import json
import re
from pathlib import Path

from bdp.errors import BdpError
from bdp.paths import repo_root

EVENTS_DIR = Path("schemas") / "events"
# A source name is part of topic, file, systemd unit, DAG and table names: keep it plain.
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def registered_sources(events_dir: Path) -> tuple[str, ...]:
    """The sources with an event schema in `events_dir`, by x-bdp position, then name.

    Ties are ordered by name, as the Ansible side orders them; the unit tests keep the
    repository's positions distinct.
    """
    entries: list[tuple[int, str]] = []
    for path in sorted(events_dir.glob("*.json")):
        try:
            meta = json.loads(path.read_text(encoding="utf-8")).get("x-bdp")
        except (OSError, ValueError, AttributeError) as exc:
            raise BdpError(f"{path}: not a readable event schema: {exc}") from exc
        if not isinstance(meta, dict):
            raise BdpError(f"{path}: no x-bdp object")
        position = meta.get("position")
        if not SOURCE_NAME.match(path.stem) or meta.get("source") != path.stem:
            raise BdpError(
                f"{path}: the file name must be the x-bdp source, matching {SOURCE_NAME.pattern}"
            )
        # bool is an int to Python, but not a position.
        if not isinstance(position, int) or isinstance(position, bool):
            raise BdpError(f"{path}: x-bdp position must be an integer, got {position!r}")
        entries.append((position, path.stem))
    return tuple(name for _, name in sorted(entries))


def platform_sources() -> tuple[str, ...]:
    """The sources registered in the checkout this command runs from."""
    return registered_sources(repo_root() / EVENTS_DIR)
