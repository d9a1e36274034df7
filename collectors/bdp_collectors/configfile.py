"""Reading JSON configuration files with errors that name the file and the key."""

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and key."""


def read_json_object(
    path: str | Path, error_type: type[ValueError] = ConfigError
) -> dict[str, Any]:
    """The JSON object in `path`; `error_type` naming the file otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise error_type(f"{path}: cannot read: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise error_type(f"{path}: not JSON: {error}") from error
    if not isinstance(data, dict):
        raise error_type(f"{path}: must hold a JSON object")
    return data


def config_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The command-line parser of a service configured by one JSON file (--config)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--config", required=True, help="JSON config file (collectors/README.md)")
    return parser


def get(
    data: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    default: Any = ...,
) -> Any:
    """data[key] checked against `kind` (bool is not a number here); `default` when absent."""
    if key not in data:
        if default is ...:
            raise ConfigError(f"{where}: missing key {key!r}")
        return default
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise ConfigError(f"{where}: {key!r} must be {_names(kinds)}, got {value!r}")
    if not isinstance(value, kinds):
        raise ConfigError(f"{where}: {key!r} must be {_names(kinds)}, got {value!r}")
    return value


def get_number(
    data: Mapping[str, Any], key: str, where: str, low: float, default: Any = ...
) -> float:
    """A number >= low from data[key]."""
    value = get(data, key, (int, float), where, default)
    if value < low:
        raise ConfigError(f"{where}: {key!r} must be >= {low}, got {value!r}")
    return float(value)


def get_int(data: Mapping[str, Any], key: str, where: str, low: int, default: Any = ...) -> int:
    """An integer >= low from data[key]."""
    value = get(data, key, int, where, default)
    if value < low:
        raise ConfigError(f"{where}: {key!r} must be >= {low}, got {value!r}")
    return int(value)


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(kind.__name__ for kind in kinds)
