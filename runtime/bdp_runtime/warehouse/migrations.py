"""Which schema migrations to apply; no I/O here.

Migrations are files `V<number>__<description>.sql`, applied once each in version order and
recorded with their SHA-256. A recorded migration whose file changed since is a conflict:
applying it again is impossible and ignoring it would leave the schema unlike the files.
The one exception is a file whose comments were reworded (REWORDED): the checksum it was
applied with still counts as long as its statements are the ones recorded there.
"""

import hashlib
import re
from dataclasses import dataclass

from . import WarehouseError

_FILE_NAME = re.compile(r"^V(\d+)__([a-z0-9_]+)\.sql$")
# A statement ends with `;` at the end of a line; `--` lines are comments.
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
_COMMENT_LINE = re.compile(r"^[ \t]*--.*$", re.MULTILINE)
# Files whose comments were reworded after warehouses had applied them: the SHA-256 they were
# applied with, and the SHA-256 of their statements (statements_checksum), unchanged since.
REWORDED: dict[str, tuple[str, str]] = {
    "V001__game_player_match_features.sql": (
        "7c8046dafd3394e8ce065975a2a86d4a551f2d1c4443a106048ada7e67191d49",
        "e1d079f449c271294bf9b7c6664e5cfa1fea7671462f75d420c261902b9e8b34",
    ),
    "V002__lodging_daily_funnel.sql": (
        "c6ca25a69a0b49cd85e2485905c5e8181d6116ca0a565bc03fc428126b14f58c",
        "605045161bcd5d7e9db40a742b4e1ea32175b6ee1396a4d2b0b40bd5d44af35c",
    ),
    "V003__raid_session_summaries.sql": (
        "43453fda98beaf76d0a6f0ad5fd985ef51d572d563d67c19666661c7fb11bd18",
        "b9e8f105d30b7a3d5b7f82d45a2101d60e2a61023e701c99e736bf8b1e91357a",
    ),
    "V004__ads_daily_performance.sql": (
        "676f930814dbb122ef69efa0c4d06ed5bcb8df7a18b4910988b6fbd885f96234",
        "471d12d418f4ec41f66f9e37bde931609d22a46b73b2ae95f975669058a7fae4",
    ),
}


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


def statements_checksum(sql: str) -> str:
    """SHA-256 of a migration's statements alone: comments and layout between them do not
    count."""
    return hashlib.sha256("\n;\n".join(statements(sql)).encode("utf-8")).hexdigest()


def applied_as(item: Migration, recorded: str) -> bool:
    """Whether `recorded`, the checksum a warehouse applied this version with, is this file's:
    its own, or the one its comments had before a rewording that left the statements alone."""
    if recorded == item.checksum:
        return True
    former, statements_sha = REWORDED.get(item.name, ("", ""))
    return recorded == former and statements_checksum(item.sql) == statements_sha


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
        if version in applied and not applied_as(item, applied[version]):
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
