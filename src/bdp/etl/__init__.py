"""`bdp etl`: the daily ETL for operators, outside Airflow."""

from bdp.etl.cli import register

__all__ = ["register"]
