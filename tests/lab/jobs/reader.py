"""Lab job that keeps reading an HDFS file until told to stop (rolling-restart test).

Every round must see the same number of rows; the job ends when the stop marker
appears in HDFS, and fails if the count changes or the marker never comes.
"""

import sys
import time

from pyspark.sql import SparkSession


def main(source: str, stop_marker: str, max_seconds: float) -> None:
    spark = SparkSession.builder.appName("bdp-rolling-reader").getOrCreate()
    jvm = spark.sparkContext._jvm
    marker = jvm.org.apache.hadoop.fs.Path(stop_marker)
    filesystem = marker.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    expected, rounds, deadline = None, 0, time.monotonic() + max_seconds
    while not filesystem.exists(marker):
        if time.monotonic() > deadline:
            raise SystemExit(f"no stop marker {stop_marker} within {max_seconds} s")
        count = spark.read.text(source).count()
        expected = count if expected is None else expected
        if count != expected:
            raise SystemExit(f"round {rounds}: read {count} rows, expected {expected}")
        rounds += 1
        time.sleep(1)
    print(f"read {expected} rows {rounds} times")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
