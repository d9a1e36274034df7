"""Lab smoke job: count words of an HDFS text file and write the counts back to HDFS."""

import sys

from pyspark.sql import SparkSession, functions


def main(source: str, target: str) -> None:
    spark = SparkSession.builder.appName("bdp-smoke-wordcount").getOrCreate()
    lines = spark.read.text(source)
    words = lines.select(functions.explode(functions.split("value", r"\s+")).alias("word"))
    counts = words.where("word != ''").groupBy("word").count()
    counts.coalesce(1).write.mode("overwrite").csv(target)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
