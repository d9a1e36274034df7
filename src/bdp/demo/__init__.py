"""`bdp demo`: the main job's last step, from simulated events to a report."""

from bdp.demo.cli import register

__all__ = ["register"]
