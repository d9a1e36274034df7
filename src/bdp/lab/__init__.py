"""`bdp lab`: the 13-host lab on one machine."""

from bdp.lab.cli import register

__all__ = ["register"]
