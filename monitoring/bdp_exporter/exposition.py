"""The Prometheus text exposition format 0.0.4: samples in, text out (pure, minimal).

Only what this exporter emits: gauges and counters without timestamps. Families without
samples are left out entirely, so a failed probe shows no HELP or TYPE line for its metrics.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # "gauge" or "counter"
    help: str


@dataclass(frozen=True)
class Sample:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def sample(name: str, value: float, **labels: str) -> Sample:
    return Sample(name, tuple(sorted(labels.items())), value)


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def _line(item: Sample) -> str:
    if not item.labels:
        return f"{item.name} {format_value(item.value)}"
    labels = ",".join(f'{key}="{_escape_label(value)}"' for key, value in item.labels)
    return f"{item.name}{{{labels}}} {format_value(item.value)}"


def render(families: Mapping[str, Family], samples: Iterable[Sample]) -> str:
    """The families' samples in the order of `families`, samples of a family sorted by labels.

    A sample of an undeclared family is a bug here, so it raises rather than being dropped.
    """
    grouped: dict[str, list[Sample]] = {}
    for item in samples:
        if item.name not in families:
            raise ValueError(f"sample of undeclared metric {item.name}")
        grouped.setdefault(item.name, []).append(item)
    lines = []
    for name, family in families.items():
        found = grouped.get(name)
        if not found:
            continue
        lines.append(f"# HELP {name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {name} {family.kind}")
        seen = set()
        for item in sorted(found, key=lambda s: s.labels):
            if item.labels in seen:
                raise ValueError(f"duplicate sample {name}{dict(item.labels)}")
            seen.add(item.labels)
            lines.append(_line(item))
    return "\n".join(lines) + "\n" if lines else ""
