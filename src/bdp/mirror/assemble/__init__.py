"""One assembler per component: each fills `stage/<top_dir>` and says what it used."""

from __future__ import annotations

from collections.abc import Callable

from bdp.mirror.assemble import (
    cassandra,
    hadoop,
    jars,
    kafka,
    librdkafka,
    opensearch,
    spark,
    spark_kafka,
    wheels,
)
from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.components import Component

ASSEMBLERS: dict[str, Callable[[Component, Workspace], Assembly]] = {
    "hadoop": hadoop.assemble,
    "kafka": kafka.assemble,
    "cassandra": cassandra.assemble,
    "opensearch": opensearch.assemble,
    "spark": spark.assemble,
    "spark-kafka": spark_kafka.assemble,
    "mariadb-jdbc": jars.assemble_complete,
    "jmx-exporter": jars.assemble_complete,
    "librdkafka": librdkafka.assemble,
    "airflow": wheels.assemble,
    "collectors": wheels.assemble,
}
