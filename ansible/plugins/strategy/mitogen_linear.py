"""Mitogen for Ansible's linear strategy, taken from the installed `ansible_mitogen` package
(requirements.lock pins it) so that ansible.cfg needs no path into a virtualenv.

Mitogen keeps one Python interpreter per host for the whole run and sends it the modules
it needs once, instead of copying and starting a new interpreter for every task."""

from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule

__all__ = ["StrategyModule"]
