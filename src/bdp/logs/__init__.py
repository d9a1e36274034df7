"""`bdp logs`: search the platform's logs in OpenSearch."""

from bdp.logs.cli import register

__all__ = ["register"]
