"""The Spark jobs' own pure modules (report layout, quality gate), imported from their
installed copy so that the job and its tasks can never disagree about them."""

from __future__ import annotations

import sys
from types import ModuleType

from bdp_etl.settings import Settings


def modules(settings: Settings) -> tuple[ModuleType, ModuleType]:
    """(bdp_jobs.etl.runreport, bdp_jobs.etl.gate) from the etl role's code directory."""
    if settings["code_dir"] not in sys.path:
        sys.path.append(settings["code_dir"])
    from bdp_jobs.etl import gate, runreport

    return runreport, gate
