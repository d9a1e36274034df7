"""Which schema migrations to apply; no I/O here.

Migrations are files `V<number>__<description>.sql`, applied once each in version order and
recorded with their SHA-256. A recorded migration whose file changed since is a conflict:
applying it again is impossible and ignoring it would leave the schema unlike the files.
"""

import hashlib
import re
from dataclasses import dataclass

from . import WarehouseError

_FILE_NAME = re.compile(r"^V(\d+)__([a-z0-9_]+)\.sql$")
# A statement ends with `;` at the end of a line; `--` lines are comments.
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*--.*$", re.MULTILINE)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str  # the file name, which messages show
    checksum: str  # SHA-256 of the file's bytes, hex
    sql: str


def migration(name: str, content: bytes) -> Migration:
    """The migration in file `name` with this content."""
    match = _FILE_NAME.match(name)
    if not match:
        raise WarehouseError(
            f"warehouse migration {name!r}: the name must look like "
            "V001__lower_case_description.sql"
        )
    return Migration(
        version=int(match[1]),
        name=name,
        checksum=hashlib.sha256(content).hexdigest(),
        sql=content.decode("utf-8"),
    )


def statements(sql: str) -> list[str]:
    """The statements of a migration, one per `;` that ends a line."""
    text = _COMMENT_LINE.sub("", sql)
    return [part.strip() for part in _STATEMENT_END.split(text) if part.strip()]


def pending(applied: dict[int, str], files: list[Migration]) -> list[Migration]:
    """The migrations still to apply, in version order.

    `applied` maps each recorded version to the checksum it was applied with. Fails when
    two files share a version, a recorded migration's file changed or is gone, or a new file
    sorts before one already applied (its place in the history is taken).
    """
    by_version: dict[int, Migration] = {}
    for item in sorted(files, key=lambda m: (m.version, m.name)):
        if item.version in by_version:
            raise WarehouseError(
                f"warehouse migrations {by_version[item.version].name} and {item.name} "
                f"share version {item.version}; give each file its own number"
            )
        by_version[item.version] = item
    for version, item in by_version.items():
        if version in applied and applied[version] != item.checksum:
            raise WarehouseError(
                f"warehouse migration conflict: {item.name} was applied with SHA-256 "
                f"{applied[version]} but the file now has SHA-256 {item.checksum}; "
                "migrations are never edited once applied: restore the file and add a new "
                "migration with the change"
            )
    missing = sorted(set(applied) - set(by_version))
    if missing:
        raise WarehouseError(
            f"warehouse migration version(s) {', '.join(map(str, missing))} are recorded as "
            "applied but have no file; is this an older checkout of the schemas?"
        )
    todo = [item for version, item in by_version.items() if version not in applied]
    newest = max(applied, default=0)
    late = [item.name for item in todo if item.version < newest]
    if late:
        raise WarehouseError(
            f"warehouse migration(s) {', '.join(late)} come before version {newest}, which is "
            "already applied; renumber them after it"
        )
    return todo
