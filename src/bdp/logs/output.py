"""Show log records as a readable table or as JSON lines."""

import json
import shutil
from typing import Any

COLUMNS = ("time", "host", "service", "level")


def records(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in response.get("hits", {}).get("hits", [])]


def as_json(found: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in found)


def as_table(found: list[dict[str, Any]], width: int | None = None) -> str:
    """One line per record: time, host, service, level and the message's first line."""
    if not found:
        return "no matching log records\n"
    width = width or shutil.get_terminal_size((160, 24)).columns
    sizes = {
        column: max(len(column), *(len(str(r.get(column, ""))) for r in found))
        for column in COLUMNS
    }
    lines = ["  ".join(column.upper().ljust(sizes[column]) for column in COLUMNS) + "  MESSAGE"]
    for record in found:
        cells = "  ".join(str(record.get(column, "")).ljust(sizes[column]) for column in COLUMNS)
        message = str(record.get("message", "")).splitlines() or [""]
        room = max(width - len(cells) - 2, 20)
        first = message[0] if len(message[0]) <= room else message[0][: room - 1] + "…"
        lines.append(f"{cells}  {first}")
    return "\n".join(lines) + "\n"
