"""bdp: the big-data platform's command line and shared code."""
