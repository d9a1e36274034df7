"""`python -m bdp_collectors.api --config FILE`: the event API service (simulator)."""

import argparse
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType

from bdp_collectors.configfile import ConfigError, config_parser, read_json_object
from bdp_collectors.httpserve import make_server
from bdp_collectors.simulator.config import parse_api_config
from bdp_collectors.simulator.registry import generators
from bdp_collectors.simulator.service import EventApi
from bdp_collectors.simulator.state import load_or_create_t0
from bdp_collectors.simulator.stream import build_stream
from bdp_runtime import platformlog

log = logging.getLogger("bdp_collectors.api")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = config_parser(
        "python -m bdp_collectors.api",
        "Serve the deterministic event stream of every simulated source (one per generator "
        "of bdp_collectors.simulator) over HTTP with cursor pagination, pacing and faults.",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = parse_api_config(read_json_object(args.config), args.config)
    except ConfigError as error:
        print(f"event-api: {error}", file=sys.stderr)
        return 2
    token = os.environ.get(config.token_env, "")
    if not token:
        print(
            f"event-api: environment variable {config.token_env} (token_env) is empty",
            file=sys.stderr,
        )
        return 2
    platformlog.setup("event-api")
    started = time.monotonic()
    streams = {source: build_stream(source, config) for source in generators()}
    try:
        t0 = load_or_create_t0(config.state_file, time.time())
    except (OSError, ValueError) as error:
        log.error("cannot use the state file: %s", error)
        print(f"event-api: state_file {config.state_file}: {error}", file=sys.stderr)
        return 1
    api = EventApi(config, streams, token, t0, time.time)
    server = make_server(config.bind, config.port, api.handle)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    context = {
        "bind": config.bind,
        "port": server.server_address[1],
        "items_per_source": config.events_per_day * config.days,
        "release_rate": config.release_rate,
        "t0": t0,
        "build_s": round(time.monotonic() - started, 3),
    }
    log.info("event API serving", extra={"context": context})
    server.serve_forever()
    server.server_close()
    log.info("event API stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
