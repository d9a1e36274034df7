"""Lab smoke job that fails on purpose, to check how a failed application is reported."""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("bdp-smoke-fail").getOrCreate()
raise SystemExit("bdp smoke job failing on purpose")
