"""`bdp logs`: search the platform's logs in OpenSearch (DESIGN D7)."""

from bdp.logs.cli import register

__all__ = ["register"]
