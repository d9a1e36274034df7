"""Where the writers connect, and with which credentials (read by the job's driver)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Warehouse:
    url: str  # jdbc:mysql://host:port/database?permitMysqlScheme&sslMode=...
    user: str
    password: str
    batch_rows: int = 5000  # rows per JDBC batch
    connections: int = 4  # concurrent JDBC writers (Spark partitions)

    @property
    def database(self) -> str:
        return self.url.split("?", 1)[0].rsplit("/", 1)[1]


@dataclass(frozen=True)
class Cassandra:
    hosts: tuple[str, ...]
    port: int
    user: str
    password: str
    local_dc: str
    ca_file: str  # CA of the nodes' certificates (TLS only), on every host that runs executors
    concurrency: int = 64  # requests in flight per Spark partition


@dataclass(frozen=True)
class Stores:
    lake: str  # the lake root that replaces /lake in declared destinations
    warehouse: Warehouse
    cassandra: Cassandra


def load_stores(path: str | Path, lake: str) -> Stores:
    """The stores of a JSON settings file (secrets included, so it is never logged):

    {"warehouse": {"url": ..., "user": ..., "password": ...},
     "cassandra": {"hosts": [...], "port": 9042, "user": ..., "password": ..., "local_dc": ...,
                   "ca_file": ...}}
    """
    try:
        settings: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        cassandra = dict(settings["cassandra"], hosts=tuple(settings["cassandra"]["hosts"]))
        return Stores(lake, Warehouse(**settings["warehouse"]), Cassandra(**cassandra))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a usable stores settings file: {exc}") from exc
