"""`bdp status`: the platform overview from Prometheus."""

from bdp.status.cli import register

__all__ = ["register"]
