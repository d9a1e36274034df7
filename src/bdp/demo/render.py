"""The demo's report as text for the terminal and as one HTML page with charts (pure)."""

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bdp.demo.known import Served


@dataclass(frozen=True)
class SourceLine:
    source: str
    served: Served
    accepted: int  # distinct events the lake writer stored (raw days and /lake/late)
    late: int  # of them, events that came after their day was complete
    rejected: int  # distinct items in <source>.dlq

    @property
    def matches(self) -> bool:
        return (self.accepted, self.rejected) == (self.served.valid, self.served.invalid)


@dataclass(frozen=True)
class DemoReport:
    zone: str
    sources: list[SourceLine]
    partitions: list[list[str]]  # source, day, complete, simulator's events, ETL rows, ETL status
    warehouse: dict[str, dict[str, int]]  # MySQL table -> day -> rows
    etl_outputs: list[list[str]]  # source, dataset, kind, destination, day, rows, stored rows
    curated: list[list[str]]  # HDFS directory, files, bytes
    funnel: list[tuple[str, int, int, int]]  # lodging category, views, buys, refunds
    features: list[tuple[float, float, bool]]  # game: avg move speed, longest move, cheater
    log_command: list[str]
    log_output: str
    endpoints: dict[str, str]

    @property
    def matches(self) -> bool:
        return all(line.matches for line in self.sources)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(header), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in cells
    )


INGEST_HEADER = (
    "SOURCE",
    "SERVED",
    "ACCEPTED",
    "SIMULATOR",
    "LATE",
    "REJECTED",
    "SIMULATOR",
    "MATCH",
)
PARTITION_HEADER = ("SOURCE", "DAY", "COMPLETE", "SIMULATOR", "ETL RAW ROWS", "ETL STATUS")
OUTPUT_HEADER = ("SOURCE", "DATASET", "KIND", "DESTINATION", "DAY", "ROWS", "STORED")
CURATED_HEADER = ("DIRECTORY", "FILES", "BYTES")


def ingest_rows(report: DemoReport) -> list[list[object]]:
    return [
        [
            line.source, line.served.items, line.accepted, line.served.valid, line.late,
            line.rejected, line.served.invalid, "yes" if line.matches else "NO",
        ]
        for line in report.sources
    ]  # fmt: skip


def warehouse_rows(report: DemoReport) -> list[list[object]]:
    return [
        [table_name, day, rows]
        for table_name, days in sorted(report.warehouse.items())
        for day, rows in sorted(days.items())
    ]


def as_text(report: DemoReport) -> str:
    sections = [
        ("Ingestion: the simulator's items against what the platform holds "
         "(accepted = distinct events in the lake, rejected = distinct items in the DLQ)",
         table(INGEST_HEADER, ingest_rows(report))),
        (f"Lake partitions /lake/raw/<source>/dt=<day> (days in {report.zone})",
         table(PARTITION_HEADER, report.partitions)),
        ("MySQL warehouse: rows per daily partition",
         table(("TABLE", "DAY", "ROWS"), warehouse_rows(report))),
        ("Daily ETL outputs (its run reports: rows computed, rows the destination holds)",
         table(OUTPUT_HEADER, report.etl_outputs)),
        ("Curated lake", table(CURATED_HEADER, report.curated)),
        (f"Log search: {' '.join(report.log_command)}", report.log_output + "\n"),
        ("Endpoints", table(("SERVICE", "URL"), list(report.endpoints.items()))),
    ]  # fmt: skip
    verdict = (
        "The platform holds exactly the simulator's events."
        if report.matches
        else "MISMATCH: the platform does not hold exactly the simulator's events (see MATCH)."
    )
    return "".join(f"\n== {title}\n{body}" for title, body in sections) + f"\n{verdict}\n"


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


FUNNEL_COLOURS = {"views": "#4e79a7", "buys": "#59a14f", "refunds": "#e15759"}


def funnel_chart(funnel: list[tuple[str, int, int, int]]) -> str:
    """Horizontal bars per category: views, buys and refunds, on one scale."""
    top = max((views for _, views, _, _ in funnel), default=0) or 1
    width, label, bar, gap = 640, 110, 14, 10
    height = len(funnel) * (3 * bar + gap) + 30
    parts = []
    for i, (category, *counts) in enumerate(funnel):
        y = 20 + i * (3 * bar + gap)
        parts.append(f'<text x="0" y="{y + 2 * bar}">{html.escape(category)}</text>')
        for j, (name, count) in enumerate(zip(FUNNEL_COLOURS, counts, strict=True)):
            length = (width - label - 60) * count / top
            parts.append(
                f'<rect x="{label}" y="{y + j * bar}" width="{length:.1f}" height="{bar - 2}"'
                f' fill="{FUNNEL_COLOURS[name]}"><title>{name}: {count}</title></rect>'
                f'<text x="{label + length + 4:.1f}" y="{y + j * bar + bar - 3}"'
                f' font-size="10">{count}</text>'
            )
    legend = "".join(
        f'<rect x="{label + k * 90}" y="0" width="10" height="10" fill="{colour}"/>'
        f'<text x="{label + k * 90 + 14}" y="10" font-size="11">{name}</text>'
        for k, (name, colour) in enumerate(FUNNEL_COLOURS.items())
    )
    return f'<svg width="{width}" height="{height}">{legend}{"".join(parts)}</svg>'


def features_chart(features: list[tuple[float, float, bool]]) -> str:
    """Each player-match at (average move speed, longest move), cheaters in red."""
    width, height, margin = 640, 360, 45
    top_x = max((speed for speed, _, _ in features), default=0) or 1
    top_y = max((distance for _, distance, _ in features), default=0) or 1
    points = "".join(
        f'<circle cx="{margin + (width - 2 * margin) * speed / top_x:.1f}"'
        f' cy="{height - margin - (height - 2 * margin) * distance / top_y:.1f}" r="3"'
        f' fill="{"#e15759" if cheater else "#4e79a7"}" fill-opacity="0.6"/>'
        for speed, distance, cheater in sorted(features, key=lambda f: f[2])
    )
    axes = (
        f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}"'
        f' stroke="black"/><line x1="{margin}" y1="{margin}" x2="{margin}"'
        f' y2="{height - margin}" stroke="black"/>'
        f'<text x="{width / 2}" y="{height - 10}" text-anchor="middle">average move speed'
        f" (0 to {top_x:.1f})</text>"
        f'<text x="12" y="{margin - 10}">longest move (0 to {top_y:.1f})</text>'
        f'<text x="{width - margin}" y="{margin}" text-anchor="end" fill="#e15759">'
        "cheaters</text>"
        f'<text x="{width - margin}" y="{margin + 16}" text-anchor="end" fill="#4e79a7">'
        "others</text>"
    )
    return f'<svg width="{width}" height="{height}">{axes}{points}</svg>'


STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    "pre{background:#f4f4f4;padding:1em;overflow-x:auto}"
)


def as_html(report: DemoReport) -> str:
    links = "".join(
        f'<li>{html.escape(name)}: <a href="{html.escape(url)}">{html.escape(url)}</a></li>'
        for name, url in report.endpoints.items()
    )
    verdict = "matches" if report.matches else "does NOT match"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Platform demo</title>"
        f"<style>{STYLE}</style></head><body><h1>Platform demo</h1>"
        f"<p>What the platform holds {verdict} the simulator's events.</p>"
        f"<h2>Lodging funnel per category (all days and demographics)</h2>"
        f"{funnel_chart(report.funnel)}"
        f"<h2>Game anomaly features per player and match</h2>{features_chart(report.features)}"
        f"<h2>Ingestion</h2>{html_table(INGEST_HEADER, ingest_rows(report))}"
        f"<h2>Lake partitions ({html.escape(report.zone)})</h2>"
        f"{html_table(PARTITION_HEADER, report.partitions)}"
        f"<h2>MySQL rows per partition</h2>"
        f"{html_table(('TABLE', 'DAY', 'ROWS'), warehouse_rows(report))}"
        f"<h2>Daily ETL outputs</h2>{html_table(OUTPUT_HEADER, report.etl_outputs)}"
        f"<h2>Curated lake</h2>{html_table(CURATED_HEADER, report.curated)}"
        f"<h2>Log search</h2><pre>$ {html.escape(' '.join(report.log_command))}\n"
        f"{html.escape(report.log_output)}</pre>"
        f"<h2>Endpoints</h2><ul>{links}</ul></body></html>\n"
    )
