"""Lab job: list every event the lake holds, as `area source dt event_id account` lines in HDFS.

The lake test compares these lines with the simulator's known events; it reads the
result back with `hdfs dfs -cat`.
"""

import sys

from pyspark.sql import SparkSession, functions


def main(lake: str, sources: list[str], output: str) -> None:
    spark = SparkSession.builder.appName("bdp-lake-inventory").getOrCreate()
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    frames = []
    for area in ("raw", "late"):
        for source in sources:
            root = f"{lake}/{area}/{source}"
            path = jvm.org.apache.hadoop.fs.Path(root)
            if not path.getFileSystem(conf).exists(path):
                continue
            rows = spark.read.option("basePath", root).parquet(root)
            frames.append(
                rows.select(
                    functions.lit(area).alias("area"),
                    functions.lit(source).alias("source"),
                    functions.col("dt").cast("string").alias("dt"),
                    "event_id",
                    "account",
                )
            )
    if not frames:
        raise SystemExit(f"no lake data under {lake}")
    everything = frames[0]
    for frame in frames[1:]:
        everything = everything.unionByName(frame)
    line = functions.concat_ws(" ", "area", "source", "dt", "event_id", "account")
    everything.select(line.alias("value")).coalesce(1).write.mode("overwrite").text(output)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2].split(","), sys.argv[3])
