"""The lake writer: Kafka `<source>.events` into /lake/raw/<source>/dt=YYYY-MM-DD/, exactly once.

See `bdp_jobs.lake.batch` for the exactly-once design.
"""
