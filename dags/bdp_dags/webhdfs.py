"""The few WebHDFS calls the ETL's tasks need: does a file exist, read JSON, list a folder."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from bdp_dags.cluster_http import HttpStatusError, call
from bdp_dags.settings import EtlError, Settings


def _call(settings: Settings, path: str, operation: str) -> bytes | None:
    """The response body, or None if there is no such file."""
    url = f"{settings['webhdfs']}{urllib.parse.quote(path)}"
    try:
        return call(settings, "GET", url, {"op": operation}).content
    except HttpStatusError as exc:
        if exc.status == 404:
            return None
        raise EtlError(f"WebHDFS refused {path}: {exc}") from exc


def exists(settings: Settings, path: str) -> bool:
    return _call(settings, path, "GETFILESTATUS") is not None


def read_json(settings: Settings, path: str) -> Any | None:
    """The JSON document at `path`, or None if there is no such file."""
    content = _call(settings, path, "OPEN")
    return None if content is None else json.loads(content)


def list_names(settings: Settings, path: str) -> list[str]:
    """Names in the folder `path` (none if it does not exist)."""
    content = _call(settings, path, "LISTSTATUS")
    if content is None:
        return []
    return sorted(s["pathSuffix"] for s in json.loads(content)["FileStatuses"]["FileStatus"])
