"""The few WebHDFS calls the ETL's tasks need: does a file exist, read JSON, list a folder."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from bdp_dags.settings import EtlError, Settings

TIMEOUT_S = 30


def _call(settings: Settings, path: str, operation: str) -> Any:
    query = urllib.parse.urlencode({"op": operation, "user.name": settings["hdfs_user"]})
    url = f"{settings['webhdfs']}{urllib.parse.quote(path)}?{query}"
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        return response.read()


def exists(settings: Settings, path: str) -> bool:
    try:
        _call(settings, path, "GETFILESTATUS")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise EtlError(f"WebHDFS refused {path}: HTTP {exc.code}") from exc
    return True


def read_json(settings: Settings, path: str) -> Any | None:
    """The JSON document at `path`, or None if there is no such file."""
    try:
        return json.loads(_call(settings, path, "OPEN"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise EtlError(f"WebHDFS refused {path}: HTTP {exc.code}") from exc


def list_names(settings: Settings, path: str) -> list[str]:
    """Names in the folder `path` (none if it does not exist)."""
    try:
        listing = json.loads(_call(settings, path, "LISTSTATUS"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise EtlError(f"WebHDFS refused {path}: HTTP {exc.code}") from exc
    return sorted(s["pathSuffix"] for s in listing["FileStatuses"]["FileStatus"])
