"""Structured logging for the platform's Python services: one record shape, two sinks.

Every record has exactly these fields, whichever sink writes it:

    time     ISO-8601 UTC with milliseconds and "Z", e.g. 2026-11-22T14:20:15.123Z
    host     the host name
    service  the service name given to setup(), e.g. "collector-game"
    level    TRACE, DEBUG, INFO, WARN, ERROR or FATAL
    message  the formatted message
    context  an object: "logger", the caller's extra={"context": {...}}, and "exception"

With a forward address (BDP_LOG_FORWARD=host:port) records go over the Fluentd forward
protocol with tag "bdp.<service>"; records the target cannot take are appended to the file
sink instead of being dropped. Otherwise they are appended as JSON lines to
<log_dir>/<service>.jsonl. The log shipper (Fluentd in production, rsyslog in the lab) turns
them into OpenSearch documents in index logs-<service>-YYYY.MM.DD and into messages on the
Kafka topic platform-logs.
"""

import json
import logging
import logging.handlers
import os
import socket
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TRACE = 5
logging.addLevelName(TRACE, "TRACE")
LEVELS = {"TRACE": TRACE, "DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30}
LEVELS |= {"ERROR": 40, "FATAL": 50, "CRITICAL": 50}
BUFFER_BYTES = 1024 * 1024  # records held in memory while the forward target is down
CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_bdp_platformlog"


def level_name(levelno: int) -> str:
    """The platform's level name for a Python level number."""
    for limit, name in ((TRACE, "TRACE"), (10, "DEBUG"), (20, "INFO"), (30, "WARN")):
        if levelno <= limit:
            return name
    return "ERROR" if levelno <= 40 else "FATAL"


def build_record(record: logging.LogRecord, service: str, host: str) -> dict[str, Any]:
    """The platform record for a LogRecord (no I/O); values are JSON-safe."""
    context = {**(getattr(record, "context", None) or {}), "logger": record.name}
    if record.exc_info:
        context["exception"] = logging.Formatter().formatException(record.exc_info)
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    return {
        "time": stamp.replace("+00:00", "Z"),
        "host": host,
        "service": service,
        "level": level_name(record.levelno),
        "message": record.getMessage(),
        "context": json.loads(json.dumps(context, default=str)),
    }


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, service: str, host: str) -> None:
        super().__init__()
        self.service, self.host = service, host

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(build_record(record, self.service, self.host), ensure_ascii=False)


class ForwardHandler(logging.Handler):
    """Sends records over the forward protocol; what it cannot send goes to `fallback`."""

    def __init__(self, service: str, host: str, address: tuple[str, int], fallback: Path) -> None:
        # Imported here: the file sink must work on hosts without fluent-logger.
        from fluent.sender import FluentSender

        super().__init__()
        self.service, self.host, self.fallback = service, host, fallback
        self._file_lock = threading.Lock()
        self.sender = FluentSender(
            f"bdp.{service}",
            *address,
            bufmax=BUFFER_BYTES,  # bytes buffered while the target is down, then spilled
            timeout=1.0,
            nanosecond_precision=True,  # EventTime: the record's creation time
            buffer_overflow_handler=self._spill,
        )

    def _spill(self, pending: bytes) -> None:
        """Append the records of an unsent msgpack stream to the fallback file."""
        import msgpack  # installed with fluent-logger

        unpacker = msgpack.Unpacker()
        unpacker.feed(pending)
        lines = [json.dumps(message[2], ensure_ascii=False) + "\n" for message in unpacker]
        with self._file_lock:
            try:
                self.fallback.parent.mkdir(parents=True, exist_ok=True)
                with self.fallback.open("a", encoding="utf-8") as out:
                    out.writelines(lines)
            except OSError:  # fluent-logger ignores handler errors: stderr is the last resort
                sys.stderr.writelines(lines)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = build_record(record, self.service, self.host)
            self.sender.emit_with_time(None, record.created, data)
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        self.sender.close()  # sends what is pending, or spills it to the fallback file
        super().close()


def parse_forward(value: str, source: str = "BDP_LOG_FORWARD") -> tuple[str, int]:
    """("host", port) from "host:port"; ValueError naming `source` and the value if not."""
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{source} must be host:port with a numeric port, got {value!r}")
    return host, int(port)


def shutdown() -> None:
    """Remove and close the handlers setup() installed (flushing pending records)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()


def setup(
    service: str,
    *,
    level: str | None = None,
    forward: str | None = None,
    log_dir: str | Path | None = None,
    host: str | None = None,
    console: bool = False,
) -> logging.Logger:
    """Configure the root logger for `service`; calling it again replaces the old setup.

    None arguments come from BDP_LOG_LEVEL (default INFO), BDP_LOG_FORWARD (host:port;
    empty or unset: file sink) and BDP_LOG_DIR (default /var/log/bdp/<service>).
    """
    level_source = "level" if level is not None else "BDP_LOG_LEVEL"
    level = (level if level is not None else os.environ.get("BDP_LOG_LEVEL") or "INFO").upper()
    if level not in LEVELS:
        raise ValueError(f"{level_source} must be one of {', '.join(LEVELS)}, got {level!r}")
    source = "forward" if forward is not None else "BDP_LOG_FORWARD"
    forward = forward if forward is not None else os.environ.get("BDP_LOG_FORWARD", "")
    address = parse_forward(forward.strip(), source) if forward.strip() else None
    log_dir = Path(log_dir or os.environ.get("BDP_LOG_DIR") or f"/var/log/bdp/{service}")
    host = host or socket.gethostname()
    path = log_dir / f"{service}.jsonl"

    handlers: list[logging.Handler] = []
    if address:
        handlers.append(ForwardHandler(service, host, address, path))
    else:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.WatchedFileHandler(path, encoding="utf-8"))
        handlers[-1].setFormatter(JsonLinesFormatter(service, host))
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
        handlers[-1].setFormatter(logging.Formatter(CONSOLE_FORMAT))

    shutdown()
    root = logging.getLogger()
    root.setLevel(LEVELS[level])
    for handler in handlers:
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    return root
