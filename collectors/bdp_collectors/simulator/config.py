"""Configuration of the event API service (JSON file, see collectors/README.md)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bdp_collectors.configfile import ConfigError, get, get_int, get_number

STREAM_FAULTS = (
    "duplicate", "late", "malformed_json", "schema_violation", "oversized",
    "future_time", "past_time",
)  # fmt: skip
REQUEST_FAULTS = ("throttle", "server_error", "html", "cursor_backwards")


def pick(roll: float, probabilities: Mapping[str, float], names: Sequence[str]) -> str | None:
    """The name whose slice of [0, 1) holds `roll`, slices in `names` order; None past them."""
    for name in names:
        if roll < probabilities[name]:
            return name
        roll -= probabilities[name]
    return None


@dataclass(frozen=True)
class ApiConfig:
    bind: str
    port: int
    token_env: str
    seed: int
    start_date: date
    days: int
    timezone: str
    events_per_day: int
    release_rate: float
    state_file: str
    max_page_size: int
    faults: dict[str, float]
    late_hours: tuple[float, float]
    oversized_bytes: int
    retry_after_s: int
    clock_skew_days: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _faults(data: Mapping[str, Any], where: str) -> dict[str, float]:
    raw = get(data, "faults", dict, where, {})
    unknown = sorted(set(raw) - set(STREAM_FAULTS) - set(REQUEST_FAULTS))
    if unknown:
        raise ConfigError(f"{where}: unknown faults {', '.join(unknown)}")
    faults = {}
    for name in (*STREAM_FAULTS, *REQUEST_FAULTS):
        faults[name] = get_number(raw, name, f"{where} faults", 0.0, 0.0)
        if faults[name] > 1:
            raise ConfigError(f"{where}: faults {name!r} is a probability, got {faults[name]}")
    for group in (STREAM_FAULTS, REQUEST_FAULTS):
        if sum(faults[name] for name in group) > 1:
            raise ConfigError(f"{where}: the faults {', '.join(group)} add up to more than 1")
    return faults


def parse_api_config(data: Mapping[str, Any], where: str = "event API config") -> ApiConfig:
    """An ApiConfig from the parsed JSON; ConfigError naming `where` and the key if invalid."""
    try:
        start = date.fromisoformat(get(data, "start_date", str, where))
    except ValueError as error:
        raise ConfigError(f"{where}: 'start_date' must be YYYY-MM-DD: {error}") from error
    timezone = get(data, "timezone", str, where, "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"{where}: unknown 'timezone' {timezone!r}") from error
    late = get(data, "late_hours", list, where, [1, 6])
    if (
        len(late) != 2
        or not all(isinstance(h, int | float) for h in late)
        or not 0 < late[0] <= late[1]
    ):
        raise ConfigError(f"{where}: 'late_hours' must be [low, high] with 0 < low <= high")
    port = get_int(data, "port", where, 0, 8700)
    if port > 65535:
        raise ConfigError(f"{where}: 'port' must be <= 65535, got {port}")
    return ApiConfig(
        bind=get(data, "bind", str, where, "127.0.0.1"),
        port=port,
        token_env=get(data, "token_env", str, where, "BDP_EVENT_API_TOKEN"),
        seed=get(data, "seed", int, where),
        start_date=start,
        days=get_int(data, "days", where, 1),
        timezone=timezone,
        events_per_day=get_int(data, "events_per_day", where, 1),
        release_rate=get_number(data, "release_rate", where, 0.0, 0.0),
        state_file=get(data, "state_file", str, where),
        max_page_size=get_int(data, "max_page_size", where, 1, 1000),
        faults=_faults(data, where),
        late_hours=(float(late[0]), float(late[1])),
        oversized_bytes=get_int(data, "oversized_bytes", where, 1, 200_000),
        retry_after_s=get_int(data, "retry_after_s", where, 0, 1),
        clock_skew_days=get_int(data, "clock_skew_days", where, 1, 3650),
    )


def as_api_config(config: ApiConfig | Mapping[str, Any]) -> ApiConfig:
    """Accept either a parsed ApiConfig or the JSON object of the config file."""
    return config if isinstance(config, ApiConfig) else parse_api_config(config)
