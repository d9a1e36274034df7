"""The TLS endpoints the platform exporter watches, derived from the inventory."""

from typing import Any


def tls_endpoints(
    ports: dict[str, int], groups: dict[str, list[str]], hostvars: dict[str, Any]
) -> list[str]:
    """address:port of every host of each group in `ports` (group -> its TLS port), in the
    order of `ports` and of each group; groups the inventory lacks add nothing."""
    return [
        f"{hostvars[host]['bdp_address']}:{port}"
        for group, port in ports.items()
        for host in groups.get(group, [])
    ]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"tls_endpoints": tls_endpoints}
