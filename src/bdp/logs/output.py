"""Show log records as a readable table or as JSON lines, and `--stats` counts."""

import json
import shutil
from typing import Any

COLUMNS = ("time", "host", "service", "level")


def hits(response: dict[str, Any]) -> list[dict[str, Any]]:
    return list(response.get("hits", {}).get("hits", []))


def records(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [hit["_source"] for hit in hits(response)]


def as_json(found: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in found)


def _sizes(found: list[dict[str, Any]], at_least: dict[str, int] | None = None) -> dict[str, int]:
    """Each column's width: its widest cell, its heading, and at least `at_least`."""
    at_least = at_least or {}
    return {
        column: max(
            len(column), at_least.get(column, 0), *(len(str(r.get(column, ""))) for r in found)
        )
        for column in COLUMNS
    }


def _header(sizes: dict[str, int]) -> str:
    return "  ".join(column.upper().ljust(sizes[column]) for column in COLUMNS) + "  MESSAGE"


def _row(record: dict[str, Any], sizes: dict[str, int], width: int) -> str:
    """time, host, service, level and the message's first line, cut to `width`."""
    cells = "  ".join(str(record.get(column, "")).ljust(sizes[column]) for column in COLUMNS)
    message = str(record.get("message", "")).splitlines() or [""]
    room = max(width - len(cells) - 2, 20)
    first = message[0] if len(message[0]) <= room else message[0][: room - 1] + "…"
    return f"{cells}  {first}"


def _terminal_width() -> int:
    return shutil.get_terminal_size((160, 24)).columns


def as_table(found: list[dict[str, Any]], width: int | None = None) -> str:
    """One line per record: time, host, service, level and the message's first line."""
    if not found:
        return "no matching log records\n"
    width = width or _terminal_width()
    sizes = _sizes(found)
    return "\n".join([_header(sizes), *(_row(record, sizes, width) for record in found)]) + "\n"


class TableStream:
    """The table of `--follow`: the heading once, then rows as records arrive.

    Columns keep the widths seen so far and only grow, so later rows stay aligned with
    earlier ones unless a wider value comes along."""

    def __init__(self, width: int | None = None) -> None:
        self.width = width or _terminal_width()
        self.sizes: dict[str, int] | None = None

    def lines(self, found: list[dict[str, Any]]) -> str:
        if not found:
            return ""
        first = self.sizes is None
        self.sizes = _sizes(found, self.sizes)
        heading = [_header(self.sizes)] if first else []
        return "\n".join([*heading, *(_row(r, self.sizes, self.width) for r in found)]) + "\n"


def stats(response: dict[str, Any]) -> dict[str, Any]:
    """{"total": N, "services": {service: n, ...}} from a `--stats` answer, most first."""
    total = response.get("hits", {}).get("total", 0)
    buckets = response.get("aggregations", {}).get("services", {}).get("buckets", [])
    return {
        "total": int(total["value"] if isinstance(total, dict) else total),
        "services": {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets},
    }


def stats_as_json(counts: dict[str, Any]) -> str:
    return json.dumps(counts, ensure_ascii=False) + "\n"


def stats_as_table(counts: dict[str, Any]) -> str:
    """SERVICE and RECORDS columns, one row per service and a TOTAL row."""
    rows = [*counts["services"].items(), ("TOTAL", counts["total"])]
    names = max(len("SERVICE"), *(len(name) for name, _ in rows))
    numbers = max(len("RECORDS"), *(len(str(n)) for _, n in rows))
    lines = [f"{'SERVICE'.ljust(names)}  {'RECORDS'.rjust(numbers)}"]
    lines += [f"{name.ljust(names)}  {str(n).rjust(numbers)}" for name, n in rows]
    return "\n".join(lines) + "\n"
