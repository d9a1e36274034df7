"""`bdp demo`: the main job's last step, from simulated events to a report (DESIGN D8)."""

from bdp.demo.cli import register

__all__ = ["register"]
