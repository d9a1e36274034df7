"""The event API simulator: deterministic event streams with faults, served over HTTP."""
