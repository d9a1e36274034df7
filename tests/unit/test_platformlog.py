"""Both platformlog sinks write the same six fields; nothing is lost when forwarding fails."""

import json
import logging
import re
import socket
import struct
import sys
import threading
import time
from datetime import datetime

import msgpack
import pytest

from bdp_runtime import platformlog

FIELDS = {"time", "host", "service", "level", "message", "context"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MESSAGES = ["plain message", "two\nlines", "non-ASCII: café, 日本語 ✓"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("BDP_LOG_FORWARD", "BDP_LOG_DIR", "BDP_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    old_level = root.level
    yield
    platformlog.shutdown()
    root.setLevel(old_level)


def make_record(levelno=logging.INFO, msg="hello %s", args=("world",), exc_info=None, **extra):
    record = logging.LogRecord("bdp.test", levelno, __file__, 1, msg, args, exc_info)
    record.created = 1795357215.1239  # 2026-11-22T14:20:15.123Z
    record.__dict__.update(extra)
    return record


# --- record building -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levelno", "name"),
    [
        (platformlog.TRACE, "TRACE"),
        (logging.DEBUG, "DEBUG"),
        (logging.INFO, "INFO"),
        (logging.WARNING, "WARN"),
        (logging.ERROR, "ERROR"),
        (logging.CRITICAL, "FATAL"),
    ],
)
def test_levels_are_mapped(levelno, name):
    assert platformlog.build_record(make_record(levelno), "svc", "h")["level"] == name


def test_record_fields_time_and_context():
    record = make_record(context={"user": 42, "ids": [1, 2], "obj": object.__name__})
    built = platformlog.build_record(record, "collector-game", "node1")
    assert set(built) == FIELDS
    assert built["time"] == "2026-11-22T14:20:15.123Z"
    assert TIME_RE.match(built["time"])
    assert built["host"] == "node1"
    assert built["service"] == "collector-game"
    assert built["message"] == "hello world"
    assert built["context"] == {"user": 42, "ids": [1, 2], "obj": "object", "logger": "bdp.test"}


def test_context_without_extra_has_logger_only_and_is_json_safe():
    built = platformlog.build_record(make_record(context={"when": datetime(2026, 1, 2)}), "s", "h")
    assert built["context"] == {"when": "2026-01-02 00:00:00", "logger": "bdp.test"}
    assert platformlog.build_record(make_record(), "s", "h")["context"] == {"logger": "bdp.test"}


def test_exception_goes_to_context_not_message():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = make_record(logging.ERROR, "failed", (), exc_info=sys.exc_info())
    built = platformlog.build_record(record, "s", "h")
    assert built["message"] == "failed"
    assert built["context"]["exception"].startswith("Traceback (most recent call last)")
    assert "RuntimeError: boom" in built["context"]["exception"]


# --- file sink ---------------------------------------------------------------------------


def log_samples(logger):
    for text in MESSAGES:
        logger.info(text, extra={"context": {"n": len(text)}})
    logger.warning("warned")
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("division")
    logger.debug("not shown at INFO")


def read_jsonl(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_file_sink_writes_one_json_object_per_line(tmp_path):
    log_dir = tmp_path / "new" / "dir"
    platformlog.setup("collector-game", log_dir=log_dir, host="node1")
    log_samples(logging.getLogger("bdp.collector"))
    platformlog.shutdown()

    path = log_dir / "collector-game.jsonl"
    assert "café" in path.read_text(encoding="utf-8")  # not ASCII-escaped
    records = read_jsonl(path)
    assert len(records) == 5
    for record in records:
        assert set(record) == FIELDS
        assert TIME_RE.match(record["time"])
        assert record["host"] == "node1"
        assert record["service"] == "collector-game"
        assert record["context"]["logger"] == "bdp.collector"
    assert [r["message"] for r in records] == [*MESSAGES, "warned", "division"]
    assert [r["level"] for r in records] == ["INFO"] * 3 + ["WARN", "ERROR"]
    assert records[1]["context"] == {"n": 9, "logger": "bdp.collector"}
    assert "ZeroDivisionError" in records[4]["context"]["exception"]


def test_setup_twice_replaces_handlers_and_env_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("BDP_LOG_DIR", str(tmp_path))
    monkeypatch.setenv("BDP_LOG_LEVEL", "debug")
    platformlog.setup("svc", host="h")
    root = platformlog.setup("svc", host="h")
    ours = [h for h in root.handlers if getattr(h, platformlog._MARK, False)]
    assert len(ours) == 1
    assert isinstance(ours[0], logging.handlers.WatchedFileHandler)
    logging.getLogger("x").debug("once")
    platformlog.shutdown()
    records = read_jsonl(tmp_path / "svc.jsonl")
    assert [(r["level"], r["message"]) for r in records] == [("DEBUG", "once")]


# --- forward sink ------------------------------------------------------------------------


def _ext_hook(code, data):
    if code == 0:  # Fluentd EventTime: big-endian seconds, nanoseconds
        seconds, nanos = struct.unpack(">II", data)
        return seconds + nanos / 1e9
    return msgpack.ExtType(code, data)


class ForwardReceiver:
    """A forward-protocol server on 127.0.0.1 collecting (tag, time, record)."""

    def __init__(self):
        self.events = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(0.2)
                unpacker = msgpack.Unpacker(ext_hook=_ext_hook)
                while not self.stop.is_set():
                    try:
                        data = conn.recv(65536)
                    except TimeoutError:
                        continue
                    if not data:
                        break
                    unpacker.feed(data)
                    for message in unpacker:
                        self._collect(message)

    def _collect(self, message):
        tag, second = message[0], message[1]
        if isinstance(second, list):  # Forward mode: [tag, [[time, record], ...]]
            self.events += [(tag, t, r) for t, r in second]
        elif isinstance(second, bytes):  # PackedForward: [tag, <msgpack stream>]
            entries = msgpack.Unpacker(ext_hook=_ext_hook)
            entries.feed(second)
            self.events += [(tag, t, r) for t, r in entries]
        else:  # Message mode: [tag, time, record]
            self.events.append((tag, second, message[2]))

    def wait_for(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.server.close()


@pytest.fixture
def receiver():
    server = ForwardReceiver()
    yield server
    server.close()


def test_forward_sink_sends_the_same_records_as_the_file_sink(tmp_path, receiver):
    platformlog.setup("collector-game", log_dir=tmp_path / "file", host="node1")
    log_samples(logging.getLogger("bdp.collector"))
    forward = f"127.0.0.1:{receiver.port}"
    platformlog.setup("collector-game", forward=forward, log_dir=tmp_path / "fwd", host="node1")
    log_samples(logging.getLogger("bdp.collector"))
    events = receiver.wait_for(5)
    platformlog.shutdown()

    assert len(events) == 5
    assert {tag for tag, _, _ in events} == {"bdp.collector-game"}
    forwarded = [record for _, _, record in events]
    for _, event_time, record in events:
        assert set(record) == FIELDS
        logged = datetime.fromisoformat(record["time"]).timestamp()
        assert abs(event_time - logged) < 0.002  # event time is the record's creation time

    from_file = read_jsonl(tmp_path / "file" / "collector-game.jsonl")

    def strip(records):
        return [{k: v for k, v in r.items() if k != "time"} for r in records]

    for record in from_file + forwarded:  # tracebacks differ by line number only
        record["context"].pop("exception", None)
    assert strip(forwarded) == strip(from_file)
    assert not (tmp_path / "fwd").exists()  # nothing fell back to the file


def closed_port():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


def test_forward_target_down_falls_back_to_file_on_close(tmp_path):
    platformlog.setup("svc", forward=f"127.0.0.1:{closed_port()}", log_dir=tmp_path, host="h")
    for i in range(3):
        logging.getLogger("down").error("record %d", i, extra={"context": {"i": i}})
    platformlog.shutdown()
    records = read_jsonl(tmp_path / "svc.jsonl")
    assert [r["message"] for r in records] == ["record 0", "record 1", "record 2"]
    assert [r["context"] for r in records] == [{"i": i, "logger": "down"} for i in range(3)]
    assert all(set(r) == FIELDS and r["level"] == "ERROR" for r in records)


def test_forward_buffer_overflow_spills_before_close(tmp_path, monkeypatch):
    monkeypatch.setattr(platformlog, "BUFFER_BYTES", 300)
    platformlog.setup("svc", forward=f"127.0.0.1:{closed_port()}", log_dir=tmp_path, host="h")
    for i in range(20):
        logging.getLogger("down").info("record %d", i)
    spilled_early = read_jsonl(tmp_path / "svc.jsonl")
    assert 0 < len(spilled_early) < 20
    platformlog.shutdown()
    records = read_jsonl(tmp_path / "svc.jsonl")
    assert [r["message"] for r in records] == [f"record {i}" for i in range(20)]


# --- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["fluentd", "fluentd:", "fluentd:abc", ":24224", "h:99999"])
def test_malformed_forward_env_is_rejected(tmp_path, monkeypatch, value):
    monkeypatch.setenv("BDP_LOG_FORWARD", value)
    with pytest.raises(ValueError, match="BDP_LOG_FORWARD") as error:
        platformlog.setup("svc", log_dir=tmp_path)
    assert repr(value) in str(error.value)


def test_empty_forward_env_means_file_sink(tmp_path, monkeypatch):
    monkeypatch.setenv("BDP_LOG_FORWARD", "")
    root = platformlog.setup("svc", log_dir=tmp_path)
    assert any(isinstance(h, logging.handlers.WatchedFileHandler) for h in root.handlers)


def test_bad_level_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("BDP_LOG_LEVEL", "LOUD")
    with pytest.raises(ValueError, match=r"BDP_LOG_LEVEL.*'LOUD'"):
        platformlog.setup("svc", log_dir=tmp_path)
