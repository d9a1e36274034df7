"""The command line: serve, check a configuration, or collect once."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from bdp_exporter import config as configfile
from bdp_exporter.collector import Collector, probes
from bdp_exporter.metrics import families
from bdp_exporter.server import make_server
from bdp_runtime.exposition import render

log = logging.getLogger("bdp_exporter")


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(
        prog="python3 -m bdp_exporter",
        description="Serve the platform's lake writer, ETL, OpenSearch health and TLS expiry "
        "metrics at /metrics (Prometheus text format). See the README beside the package for the "
        "configuration keys.",
    )
    found.add_argument("--config", required=True, help="the JSON configuration file")
    mode = found.add_mutually_exclusive_group()
    mode.add_argument(
        "--check-config", action="store_true", help="check the configuration and exit"
    )
    mode.add_argument("--once", action="store_true", help="probe once, print the metrics and exit")
    found.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="default: %(default)s",
    )
    return found


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        config = configfile.load(args.config)
    except configfile.ConfigError as exc:
        log.error("configuration %s: %s", args.config, exc)
        return 2
    if args.check_config:
        print(f"{args.config}: ok")
        return 0
    collector = Collector(probes(config), config.probe_timeout_seconds, config.cache_seconds)
    if args.once:
        sys.stdout.write(render(families(collector.collect())))
        return 0
    try:
        server = make_server(config.bind, config.port, collector.collect)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", config.bind, config.port, exc)
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("stopping on signal %d", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "serving /metrics on %s:%d (%d probes)",
        config.bind,
        config.port,
        len(collector.probes),
    )
    with server:
        server.serve_forever()
    return 0
