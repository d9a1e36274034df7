"""The exporter's configuration: one JSON file, checked key by key.

Secrets come from files (`opensearch.password_file`), never from the configuration itself.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bdp_exporter.tls import parse_endpoint
from bdp_runtime.spnego import KerberosLogin

_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class OpenSearchConfig:
    url: str
    user: str
    password_file: str
    ca_file: str | None  # the top-level ca_file when not given

    def password(self) -> str:
        """Read at each probe, so a rotated password needs no restart."""
        with open(self.password_file, encoding="utf-8") as stream:
            return stream.read().strip()


@dataclass(frozen=True)
class Config:
    bind: str
    port: int
    timezone: str
    namenode_url: str
    hdfs_user: str
    lake: str
    lake_writer_checkpoint: str
    sources: tuple[str, ...]
    raw_grace: timedelta
    publish_grace: timedelta
    quality_window_days: int
    opensearch: OpenSearchConfig | None
    tls_endpoints: tuple[str, ...]
    ca_file: str | None
    kerberos: KerberosLogin | None
    probe_timeout_seconds: float
    cache_seconds: float


_MISSING = object()


class _Reader:
    """Takes keys out of one JSON object, naming the key (with its parent) in each error."""

    def __init__(self, document: Any, where: str) -> None:
        if not isinstance(document, dict):
            raise ConfigError(f"{where or 'the configuration'} must be a JSON object")
        self.document = dict(document)
        self.where = where

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def take(self, key: str, check: Callable[[str, Any], Any], default: Any = _MISSING) -> Any:
        value = self.document.pop(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise ConfigError(f"{self.name(key)}: required key missing")
            return default
        return check(self.name(key), value)

    def finish(self) -> None:
        if self.document:
            unknown = ", ".join(sorted(self.name(key) for key in self.document))
            raise ConfigError(f"unknown key(s): {unknown}")


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: must be a non-empty string")
    return value


def _optional_text(key: str, value: Any) -> str | None:
    return None if value is None else _text(key, value)


def _number(minimum: float, strict: bool = False) -> Callable[[str, Any], float]:
    def check(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: must be a number")
        if value < minimum or (strict and value == minimum):
            raise ConfigError(f"{key}: must be {'>' if strict else '>='} {minimum:g}")
        return float(value)

    return check


def _integer(minimum: int, maximum: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: must be an integer")
        if not minimum <= value <= maximum:
            raise ConfigError(f"{key}: must be between {minimum} and {maximum}")
        return value

    return check


def _timezone(key: str, value: Any) -> str:
    text = _text(key, value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{key}: unknown time zone {text!r}") from exc
    return text


def _url(key: str, value: Any) -> str:
    text = _text(key, value)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key}: must be an http:// or https:// URL, not {text!r}")
    return text.rstrip("/")


def _hdfs_path(key: str, value: Any) -> str:
    text = _text(key, value)
    if not text.startswith("/"):
        raise ConfigError(f"{key}: must be an absolute HDFS path")
    return text.rstrip("/") or "/"


def _sources(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{key}: must be a list of source names")
    for item in value:
        if not isinstance(item, str) or not _SOURCE.match(item):
            raise ConfigError(f"{key}: not a source name: {item!r}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{key}: a source is listed twice")
    return tuple(value)


def _endpoints(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{key}: must be a list of host:port strings")
    for item in value:
        try:
            parse_endpoint(item if isinstance(item, str) else "")
        except ValueError:
            raise ConfigError(f"{key}: not host:port: {item!r}") from None
    if len(set(value)) != len(value):
        raise ConfigError(f"{key}: an endpoint is listed twice")
    return tuple(value)


def parse_config(document: Any) -> Config:
    """The configuration in `document` (pure: files named in it are checked by `load`)."""
    top = _Reader(document, "")
    ca_file = top.take("ca_file", _optional_text, None)
    opensearch_doc = top.take("opensearch", lambda _key, value: value, None)
    config = Config(
        bind=top.take("bind", _text, "127.0.0.1"),
        port=top.take("port", _integer(1, 65535), 9188),
        timezone=top.take("timezone", _timezone),
        namenode_url=top.take("namenode_url", _url),
        hdfs_user=top.take("hdfs_user", _text),
        lake=top.take("lake", _hdfs_path, "/lake"),
        lake_writer_checkpoint=top.take(
            "lake_writer_checkpoint", _hdfs_path, "/lake/_checkpoints/lake-writer"
        ),
        sources=top.take("sources", _sources),
        raw_grace=timedelta(hours=top.take("raw_grace_hours", _number(0))),
        publish_grace=timedelta(hours=top.take("publish_grace_hours", _number(0))),
        quality_window_days=top.take("quality_window_days", _integer(1, 366), 7),
        opensearch=None if opensearch_doc is None else _opensearch(opensearch_doc, ca_file),
        tls_endpoints=top.take("tls_endpoints", _endpoints, ()),
        ca_file=ca_file,
        kerberos=top.take("kerberos", _kerberos, None),
        probe_timeout_seconds=top.take("probe_timeout_seconds", _number(0, strict=True), 5.0),
        cache_seconds=top.take("cache_seconds", _number(0), 10.0),
    )
    top.finish()
    return config


def _kerberos(_key: str, document: Any) -> KerberosLogin | None:
    if document is None:
        return None
    reader = _Reader(document, "kerberos")
    found = KerberosLogin(
        principal=reader.take("principal", _text), keytab=reader.take("keytab", _text)
    )
    reader.finish()
    return found


def _opensearch(document: Any, ca_file: str | None) -> OpenSearchConfig:
    reader = _Reader(document, "opensearch")
    found = OpenSearchConfig(
        url=reader.take("url", _url),
        user=reader.take("user", _text),
        password_file=reader.take("password_file", _text),
        ca_file=reader.take("ca_file", _optional_text, None) or ca_file,
    )
    reader.finish()
    return found


def _readable(key: str, path: str | None) -> None:
    if path is not None and not (os.path.isfile(path) and os.access(path, os.R_OK)):
        raise ConfigError(f"{key}: {path} is not a readable file")


def _ca_file(key: str, path: str | None) -> None:
    _readable(key, path)
    if path is not None:
        try:
            ssl.create_default_context(cafile=path)
        except ssl.SSLError as exc:
            raise ConfigError(f"{key}: {path} holds no usable CA certificate: {exc}") from exc


def load(path: str) -> Config:
    """The configuration in the JSON file `path`, with the files it names checked."""
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"{path} is not JSON: {exc}") from exc
    config = parse_config(document)
    _ca_file("ca_file", config.ca_file)
    if config.opensearch is not None:
        _readable("opensearch.password_file", config.opensearch.password_file)
        if config.opensearch.ca_file != config.ca_file:
            _ca_file("opensearch.ca_file", config.opensearch.ca_file)
    if config.kerberos is not None:
        _readable("kerberos.keytab", config.kerberos.keytab)
    return config
