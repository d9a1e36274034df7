"""The settings the etl role writes to /etc/bdp/etl/etl.json."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

SETTINGS_ENV = "BDP_ETL_SETTINGS"
DEFAULT_PATH = "/etc/bdp/etl/etl.json"


class EtlError(RuntimeError):
    """The ETL cannot go on; the message says what is wrong and where to look."""


class DataQualityError(EtlError):
    """The data, not the system, is wrong: a retry would see the same data."""


@dataclass(frozen=True)
class Settings:
    raw: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def sources(self) -> list[str]:
        return list(self.raw["sources"])

    @property
    def start_date(self) -> date:
        return date.fromisoformat(self.raw["start_date"])

    @property
    def end_date(self) -> date | None:
        end = self.raw.get("end_date")
        return date.fromisoformat(end) if end else None


def load_settings(path: str | None = None) -> Settings:
    location = Path(path or os.environ.get(SETTINGS_ENV, DEFAULT_PATH))
    try:
        return Settings(json.loads(location.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise EtlError(
            f"{location}: cannot read the ETL settings ({exc}); the etl role writes them"
        ) from exc
