"""JMX exporter benchmark on this machine: the Prometheus JMX exporter Java agent the platform
pins (bdp_versions.jmx_exporter) against a newer one, scraping the same large MBean set in the
same run.

1. Maven fetches both agent jars into ~/.m2 (`mvn dependency:get`); javac compiles
   bench/jmx/ManyBeans.java into a temporary directory.
2. For each rule file, two JVMs run ManyBeans (N beans of M numeric attributes, shaped like
   Kafka's per-partition kafka.log:type=Log beans), each with one agent version on a free
   port of 127.0.0.1. The rule files: a catch-all (`rules: [{pattern: ".*"}]`, every
   attribute of every bean) and the platform's Kafka rules (roles/jmx_exporter/templates/
   kafka.yml.j2 without its Jinja header: only the LogEndOffset beans, one sample each).
3. After a few warm-up scrapes, GET /metrics K times per JVM, alternating the versions; each
   scrape's wall time, samples and bytes are kept. The table gives median and p90 per version
   and rule file, and each as a share of the fastest of that rule file (1.000 = fastest).

The JVMs are killed at the end, also on errors. Nothing leaves 127.0.0.1: no lab needed.
Run: `.venv/bin/python bench/jmx_exporter.py --help`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NoReturn

import yaml
from labhost import REPO, say
from table import markdown

ARTIFACT = "io.prometheus.jmx:jmx_prometheus_javaagent"
CANDIDATE = "1.0.1"
VERSIONS_FILE = REPO / "ansible" / "group_vars" / "all" / "versions.yml"
KAFKA_RULES = REPO / "roles" / "jmx_exporter" / "templates" / "kafka.yml.j2"
BEANS_SOURCE = REPO / "bench" / "jmx" / "ManyBeans.java"
CATCH_ALL = 'lowercaseOutputName: true\nrules:\n  - pattern: ".*"\n'
BEAN_NAMES = 4  # ManyBeans cycles through 4 names per partition, LogEndOffset first
PARTITIONS = 10  # per topic
JVM_OPTIONS = ("-Xmx512m", "-XX:+UseSerialGC")  # light on a shared 2-core machine
READY_TIMEOUT_S = 180.0
SCRAPE_TIMEOUT_S = 120.0
HEADER = (
    "rule file",
    "agent",
    "samples",
    "bytes",
    "median s",
    "p90 s",
    "median ratio",
    "p90 ratio",
)
RATIO_NOTE = "ratio = fastest s / this s, same rule file (1.000 = fastest)"


# Pure parts: configuration, parsing, statistics, the table.


@dataclass(frozen=True)
class Scrape:
    seconds: float
    samples: int
    bytes: int


@dataclass(frozen=True)
class Summary:
    config: str
    version: str
    samples: int
    bytes: int
    median_s: float
    p90_s: float


def pinned_version(versions_yaml: str) -> str:
    """The agent version the platform installs (bdp_versions.jmx_exporter)."""
    return str(yaml.safe_load(versions_yaml)["bdp_versions"]["jmx_exporter"])


def rule_file(template: str) -> str:
    """A rule file template as the agent reads it: its Jinja lines (the ansible_managed
    header) left out. Jinja anywhere else would need Ansible's variables: an error."""
    kept = [line for line in template.splitlines() if not line.lstrip().startswith(("{{", "{%"))]
    text = "\n".join(kept) + "\n"
    if re.search(r"\{\{|\{%", text):
        raise ValueError("the rule file template has Jinja beyond its header")
    return text


def jar_path(repository: Path, version: str) -> Path:
    """Where `mvn dependency:get` puts the agent jar in a local Maven repository."""
    group, artifact = ARTIFACT.split(":")
    return repository / Path(*group.split(".")) / artifact / version / f"{artifact}-{version}.jar"


def agent_option(jar: Path, port: int, config: Path) -> str:
    return f"-javaagent:{jar}=127.0.0.1:{port}:{config}"


def samples(body: str, name: str | None = None) -> int:
    """Sample lines of a Prometheus text exposition, all or those of metric `name`."""
    lines = (line for line in body.splitlines() if line and not line.startswith("#"))
    if name is None:
        return sum(1 for _ in lines)
    return sum(1 for line in lines if re.match(rf"{re.escape(name)}[{{ ]", line))


def log_end_offset_beans(beans: int) -> int:
    """ManyBeans' LogEndOffset beans: every BEAN_NAMES-th, starting with the first."""
    return math.ceil(beans / BEAN_NAMES)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p90 of 20 scrapes is the 18th fastest)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def summarize(config: str, version: str, scrapes: Sequence[Scrape]) -> Summary:
    return Summary(
        config=config,
        version=version,
        samples=round(statistics.median(scrape.samples for scrape in scrapes)),
        bytes=round(statistics.median(scrape.bytes for scrape in scrapes)),
        median_s=statistics.median(scrape.seconds for scrape in scrapes),
        p90_s=percentile([scrape.seconds for scrape in scrapes], 0.9),
    )


def ratios(summaries: Sequence[Summary]) -> dict[tuple[str, str], tuple[float, float]]:
    """(config, version) -> (median, p90) as shares of the fastest of the same config."""
    fastest: dict[str, tuple[float, float]] = {}
    for summary in summaries:
        best = fastest.get(summary.config, (math.inf, math.inf))
        fastest[summary.config] = (min(best[0], summary.median_s), min(best[1], summary.p90_s))
    return {
        (summary.config, summary.version): (
            fastest[summary.config][0] / summary.median_s,
            fastest[summary.config][1] / summary.p90_s,
        )
        for summary in summaries
    }


def rows(summaries: Sequence[Summary], pinned: str) -> list[tuple[str, ...]]:
    shares = ratios(summaries)
    table = []
    for summary in summaries:
        median_ratio, p90_ratio = shares[(summary.config, summary.version)]
        agent = f"{summary.version} (pinned)" if summary.version == pinned else summary.version
        table.append(
            (
                summary.config,
                agent,
                f"{summary.samples:,}",
                f"{summary.bytes:,}",
                f"{summary.median_s:.3f}",
                f"{summary.p90_s:.3f}",
                f"{median_ratio:.3f}",
                f"{p90_ratio:.3f}",
            )
        )
    return table


def results(summaries: Sequence[Summary], args: argparse.Namespace) -> dict[str, object]:
    """The --json results: the sizes, then each summary with its ratios."""
    shares = ratios(summaries)
    measured = []
    for summary in summaries:
        median_ratio, p90_ratio = shares[(summary.config, summary.version)]
        measured.append({**asdict(summary), "median_ratio": median_ratio, "p90_ratio": p90_ratio})
    sizes = {"beans": args.beans, "attributes": args.attributes, "scrapes": args.scrapes}
    return {**sizes, "results": measured}


def order(versions: Sequence[str], round_number: int) -> list[str]:
    """The versions in turn, reversed every other round so neither always scrapes first."""
    return list(versions) if round_number % 2 == 0 else list(reversed(versions))


# Process I/O: Maven, javac, the JVMs, HTTP.


def fail(message: str) -> NoReturn:
    sys.exit(f"bench: {message}")


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        java_home = os.environ.get("JAVA_HOME")
        candidate = Path(java_home, "bin", name) if java_home else None
        if candidate is None or not candidate.exists():
            fail(f"{name} not found (PATH, JAVA_HOME)")
        found = str(candidate)
    return found


def fetch_jar(version: str) -> Path:
    """The agent jar of `version`, fetched by Maven into the local repository if missing."""
    command = [
        tool("mvn"), "-q", "-B", "dependency:get",
        f"-Dartifact={ARTIFACT}:{version}", "-Dtransitive=false",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"mvn could not fetch {ARTIFACT}:{version}:\n{done.stdout[-2000:]}")
    jar = jar_path(Path.home() / ".m2" / "repository", version)
    if not jar.is_file():
        fail(f"mvn fetched {ARTIFACT}:{version} but {jar} is missing")
    return jar


def compile_beans(directory: Path) -> None:
    done = subprocess.run(
        [tool("javac"), "-d", str(directory), str(BEANS_SOURCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        fail(f"javac failed:\n{done.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Jvm:
    version: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path


def start_jvm(
    jar: Path, version: str, config: Path, classes: Path, args: argparse.Namespace, work: Path
) -> Jvm:
    port = free_port()
    ready = work / f"ready-{version}-{port}"
    log = work / f"jvm-{version}-{port}.log"
    command = [
        tool("java"), *JVM_OPTIONS, agent_option(jar, port, config), "-cp", str(classes),
        "ManyBeans", str(args.beans), str(args.attributes), str(PARTITIONS), str(ready),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
    jvm = Jvm(version, port, process, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:]
            stop(jvm)
            fail(f"the JVM with agent {version} did not register its beans:\n{tail}")
        time.sleep(0.2)
    return jvm


def stop(jvm: Jvm) -> None:
    if jvm.process.poll() is None:
        jvm.process.kill()
    jvm.process.wait()


@contextmanager
def jvms(
    jars: dict[str, Path], config: Path, classes: Path, args: argparse.Namespace, work: Path
) -> Iterator[dict[str, Jvm]]:
    """One JVM per agent version, all killed when the block ends, however it ends."""
    started: dict[str, Jvm] = {}
    try:
        for version, jar in jars.items():
            started[version] = start_jvm(jar, version, config, classes, args, work)
        yield started
    finally:
        for jvm in started.values():
            stop(jvm)


def scrape(port: int) -> tuple[Scrape, str]:
    """One GET /metrics: its wall time, samples and bytes; and the body."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SCRAPE_TIMEOUT_S)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    if response.status != 200:
        fail(f"GET /metrics on port {port} answered {response.status}")
    text = body.decode()
    return Scrape(seconds, samples(text), len(body)), text


def check(config: str, version: str, body: str, args: argparse.Namespace) -> None:
    """Fail unless the agent exported what the rule file asks for: a comparison of agents
    that export different things would measure nothing."""
    if config == "catch-all":
        found, expected = samples(body, None), args.beans * args.attributes
        if found < expected:
            fail(f"agent {version}, catch-all: {found} samples, expected >= {expected}")
    else:
        found, expected = samples(body, "kafka_log_end_offset"), log_end_offset_beans(args.beans)
        if found != expected:
            fail(f"agent {version}, Kafka rules: {found} kafka_log_end_offset, not {expected}")


def measure(
    config: str, path: Path, jars: dict[str, Path], classes: Path, args: argparse.Namespace
) -> list[Summary]:
    versions = list(jars)
    say(f"{config}: starting {len(versions)} JVMs ({args.beans} beans x {args.attributes})")
    with jvms(jars, path, classes, args, path.parent) as running:
        for number in range(args.warmup):
            for version in order(versions, number):
                measured, body = scrape(running[version].port)
                if number == 0:
                    check(config, version, body, args)
                    say(f"{config}: {version} exports {measured.samples:,} samples")
        say(f"{config}: warmed up ({args.warmup} scrapes each); measuring")
        kept: dict[str, list[Scrape]] = {version: [] for version in versions}
        for number in range(args.scrapes):
            for version in order(versions, number):
                kept[version].append(scrape(running[version].port)[0])
            if (number + 1) % 5 == 0 or number + 1 == args.scrapes:
                last = ", ".join(f"{v} {kept[v][-1].seconds:.2f} s" for v in versions)
                say(f"{config}: scrape {number + 1}/{args.scrapes} ({last})")
    return [summarize(config, version, kept[version]) for version in versions]


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"Ratios: {RATIO_NOTE}.",
    )
    cli.add_argument("--beans", type=positive, default=3000, help="default: %(default)s")
    cli.add_argument(
        "--attributes", type=positive, default=8, help="per bean; default: %(default)s"
    )
    cli.add_argument(
        "--scrapes", type=positive, default=20, help="measured, per agent; default: %(default)s"
    )
    cli.add_argument(
        "--warmup", type=positive, default=5, help="scrapes per agent; default: %(default)s"
    )
    cli.add_argument(
        "--candidate",
        default=CANDIDATE,
        help="the agent version to compare with the pinned one; default: %(default)s",
    )
    cli.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # A kill of the benchmark still kills its JVMs (SystemExit runs the cleanup).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pinned = pinned_version(VERSIONS_FILE.read_text())
    versions = list(dict.fromkeys((pinned, args.candidate)))
    say(f"fetching agent {' and '.join(versions)} with Maven")
    jars = {version: fetch_jar(version) for version in versions}
    summaries: list[Summary] = []
    with tempfile.TemporaryDirectory(prefix="bdp-bench-jmx-") as temporary:
        work = Path(temporary)
        say("compiling bench/jmx/ManyBeans.java")
        compile_beans(work)
        configs = {"catch-all": CATCH_ALL, "Kafka rules": rule_file(KAFKA_RULES.read_text())}
        for index, (config, text) in enumerate(configs.items()):
            path = work / f"config-{index}.yml"
            path.write_text(text)
            summaries += measure(config, path, jars, work, args)
    print(markdown(rows(summaries, pinned), HEADER))
    print(RATIO_NOTE)
    if args.json:
        args.json.write_text(json.dumps(results(summaries, args), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
