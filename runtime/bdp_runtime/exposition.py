"""Metric families rendered as the Prometheus text exposition format 0.0.4 (pure: no I/O).

The one writer of the platform's /metrics endpoints: the collectors', the event API's and
bdp_exporter's. Only what they need: counters, gauges and summaries with labels, no
timestamps, no histograms. Names and label names are checked here, so a typo fails in a unit
test instead of making Prometheus drop the whole scrape.

Standard library only, importing nothing else from bdp: hosts get a copy of this file beside
bdp/__init__.py and no more of the package."""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MetricType = Literal["counter", "gauge", "summary"]
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# The sample name suffixes each type may add to its family name.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "counter": ("",),
    "gauge": ("",),
    "summary": ("", "_sum", "_count"),
}
# Floats print exactly as integers below this (2**53); beyond it repr() keeps the exponent.
EXACT_INT = 2.0**53


@dataclass(frozen=True)
class Sample:
    """One line of a family: `suffix` is "" or, in a summary, "_sum" / "_count"."""

    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
    suffix: str = ""


@dataclass(frozen=True)
class MetricFamily:
    name: str
    type: MetricType
    help: str
    samples: tuple[Sample, ...] = ()


def escape_label_value(value: str) -> str:
    """A label value as it stands between double quotes: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    """HELP text: only backslash and newline are escaped (a quote is literal there)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    """A sample value: NaN, +Inf, -Inf as Prometheus spells them, whole numbers without `.0`."""
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number.is_integer() and abs(number) < EXACT_INT:
        return str(int(number))
    return repr(number)


def format_labels(labels: Mapping[str, str]) -> str:
    """`{name="value",...}` in the given order, or "" without labels."""
    for name in labels:
        if not LABEL_NAME.fullmatch(name) or name.startswith("__"):
            raise ValueError(f"invalid label name {name!r}")
    if not labels:
        return ""
    pairs = ",".join(f'{name}="{escape_label_value(str(v))}"' for name, v in labels.items())
    return "{" + pairs + "}"


def check_family(family: MetricFamily) -> None:
    """ValueError if Prometheus would refuse the family or read it as something else."""
    if not METRIC_NAME.fullmatch(family.name):
        raise ValueError(f"invalid metric name {family.name!r}")
    if family.type not in SUFFIXES:
        raise ValueError(f"{family.name}: unsupported type {family.type!r}")
    if family.type == "counter" and not family.name.endswith("_total"):
        raise ValueError(f"counter {family.name} must be named *_total")
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for sample in family.samples:
        check_sample(family, sample)
        # Prometheus refuses a whole scrape with a series in it twice.
        key = (sample.suffix, tuple(sorted(sample.labels.items())))
        if key in seen:
            raise ValueError(f"{family.name}{sample.suffix}: two samples with labels {key[1]}")
        seen.add(key)


def check_sample(family: MetricFamily, sample: Sample) -> None:
    if sample.suffix not in SUFFIXES[family.type]:
        raise ValueError(f"{family.name}: a {family.type} has no {sample.suffix!r} samples")
    if family.type == "summary" and ("quantile" in sample.labels) != (sample.suffix == ""):
        # A bare summary sample is a quantile; _sum and _count carry none.
        raise ValueError(f"{family.name}{sample.suffix}: quantile label misplaced")


def render_family(family: MetricFamily) -> str:
    """HELP, TYPE and one line per sample, each ending with a newline."""
    check_family(family)
    lines = [
        f"# HELP {family.name} {escape_help(family.help)}",
        f"# TYPE {family.name} {family.type}",
    ]
    for sample in family.samples:
        name = family.name + sample.suffix
        lines.append(f"{name}{format_labels(sample.labels)} {format_value(sample.value)}")
    return "".join(line + "\n" for line in lines)


def render(families: Iterable[MetricFamily]) -> str:
    """The whole exposition; ValueError if a family is invalid or named twice."""
    seen: set[str] = set()
    parts = []
    for family in families:
        if family.name in seen:
            raise ValueError(f"metric family {family.name} given twice")
        seen.add(family.name)
        parts.append(render_family(family))
    return "".join(parts)
