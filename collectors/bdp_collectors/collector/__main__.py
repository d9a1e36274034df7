"""`python -m bdp_collectors.collector --config FILE [--stop-at-end]`: one source's collector."""

import argparse
import logging
import os
import signal
import sys
from types import FrameType

from bdp_collectors.collector.config import CollectorConfig, parse_collector_config
from bdp_collectors.collector.cursor import CursorStore
from bdp_collectors.collector.loop import Collector
from bdp_collectors.collector.sink import KafkaSink
from bdp_collectors.collector.stats import status_handler
from bdp_collectors.configfile import ConfigError, config_parser, read_json_object
from bdp_collectors.httpserve import make_server, serve_in_thread
from bdp_collectors.validation import SchemaFileError, load_schema
from bdp_runtime import platformlog

log = logging.getLogger("bdp_collectors.collector")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = config_parser(
        "python -m bdp_collectors.collector",
        "Poll one source's event API, validate each event, and produce valid ones to "
        "<source>.events and invalid ones to <source>.dlq.",
    )
    parser.add_argument(
        "--stop-at-end",
        action="store_true",
        help="exit 0 once the API reports the end of the stream and all of it is delivered",
    )
    return parser.parse_args(argv)


def secret(name: str | None, key: str) -> str | None:
    """The value of the environment variable named by config key `key`; ConfigError if empty."""
    if name is None:
        return None
    value = os.environ.get(name, "")
    if not value:
        raise ConfigError(f"environment variable {name} (config {key}) is empty or unset")
    return value


def auth_headers(config: CollectorConfig) -> dict[str, str]:
    token = secret(config.auth_env, "auth_env")
    return {config.auth_header: f"Bearer {token}"} if token else {}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = parse_collector_config(read_json_object(args.config), args.config)
        schema = load_schema(config.schema_file)
        if schema.source != config.source:
            raise ConfigError(
                f"{config.schema_file} is the schema of {schema.source!r}, not {config.source!r}"
            )
        headers = auth_headers(config)
        password = (
            secret(config.kafka.password_env, "kafka.password_env") if config.kafka.user else None
        )
        store = CursorStore(config.cursor_file, config.source)
        store.load()
    except (ConfigError, SchemaFileError, ValueError) as error:
        print(f"collector: {error}", file=sys.stderr)
        return 2
    platformlog.setup(f"collector-{config.source}")
    sink = KafkaSink(config.kafka, config.source, password)
    collector = Collector(config, schema, sink, store, headers)
    server = make_server(config.status_bind, config.status_port, status_handler(collector.stats))
    serve_in_thread(server)

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current page", signum)
        collector.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return collector.run(stop_at_end=args.stop_at_end)
    finally:
        sink.close()
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
