"""The daily ETL's steps outside Spark: settings, raw-day checks, submission, reports.

Plain Python (no Airflow import), so the DAGs and the operators' command
(`python -m bdp_dags`, behind `bdp etl`) run the very same steps.
"""
