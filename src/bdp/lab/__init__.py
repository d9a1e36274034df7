"""`bdp lab`: the 13-host lab on one machine (DESIGN D4)."""

from bdp.lab.cli import register

__all__ = ["register"]
