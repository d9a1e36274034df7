"""Build the platform's own artifact mirror from package registries.

Usage:
  bdp mirror build [--dest DIR] [--only hadoop,kafka,cassandra,opensearch,spark]
                   [--repo-root PATH]
  bdp mirror verify [--dest DIR] [--repo-root PATH]
  (or `PYTHONPATH=src python -m bdp.mirror build|verify` from the repository root)

Versions come only from ansible/group_vars/all/versions.yml (`bdp_versions`). The default
DEST is <repo root>/mirror. Serve DEST over HTTP and point the roles' base URL at it: every
archive sits at the same relative path as on the official download sites:

  apache/hadoop/common/hadoop-V/hadoop-V.tar.gz          share/hadoop/{common,hdfs,yarn,
                                                          mapreduce}[/lib]/*.jar
  apache/kafka/V/kafka_S-V.tgz                           libs/*.jar, config/ (empty)
  apache/cassandra/V/apache-cassandra-V-bin.tar.gz       lib/*.jar, conf/ (empty)
  opensearch/releases/bundle/opensearch/V/opensearch-V-linux-x64.tar.gz
                                                          integ-test distribution + security
                                                          and job-scheduler plugins (no
                                                          bundled JDK, no modules but
                                                          transport-netty4)
  apache/spark/spark-V/spark-V-bin-P.tgz                 jars/, bin/, sbin/, python/lib/,
                                                          conf/ (empty), from the pyspark sdist

JVM archives are assembled from Maven Central with `mvn` (jars resolved through generated
poms; OpenSearch from its published zips); Spark from PyPI with `pip download`. Neither
carries start scripts or default configs the official archives have: the roles run
`java -cp` with their own config directories. Each archive's BUILD-INFO.txt lists the
registry coordinates it came from and what it lacks compared with the official archive.

Next to each archive: `<archive>.sha512` (sha512sum format) and `<archive>.inputs.json`, the
stamp of a finished build. MANIFEST.json at the root lists every archive's path, sha512,
size and sources. Archives are reproducible tars (sorted, fixed mtime, root:root) written
under a temporary name and renamed only when complete.

Re-runs: an archive whose .sha512 and stamp exist, with the same versions and coordinates,
is reported "cached" and skipped. Maven's ~/.m2 and DEST/.cache/downloads keep rebuilds
from downloading again. `bdp mirror verify` re-hashes every archive and exits non-zero
naming any mismatch.
"""

from bdp.mirror.cli import register

__all__ = ["register"]
