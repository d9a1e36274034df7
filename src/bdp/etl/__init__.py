"""`bdp etl`: the daily ETL for operators, outside Airflow (DESIGN D6)."""

from bdp.etl.cli import register

__all__ = ["register"]
