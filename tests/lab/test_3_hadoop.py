"""Bigtop-style smoke tests of HDFS, YARN and Spark on the deployed lab."""

import json
import re
import time
import urllib.request
import uuid
from collections import Counter

import pytest

from bdp_testkit.helpers import run_tool
from labkit import JOBS, MASTER, WORK, as_spark, copy_job, on_host, on_master

pytestmark = pytest.mark.lab

WEBHDFS = f"http://{MASTER}:9870/webhdfs/v1"


@pytest.fixture(scope="module", autouse=True)
def jobs_on_master():
    on_host(MASTER, f"mkdir -p {WORK}")
    for job in JOBS.iterdir():
        copy_job(MASTER, job.name, f"{WORK}/")


def application_id(output: str) -> str:
    ids = re.findall(r"application_\d+_\d+", output)
    assert ids, output[-3000:]
    return ids[-1]


def test_hdfs_write_then_read_by_cli_and_webhdfs():
    token = uuid.uuid4().hex
    as_spark(f"bash -c 'echo {token} | hdfs dfs -put -f - /user/spark/smoke.txt'")
    assert token in as_spark("hdfs dfs -cat /user/spark/smoke.txt")
    with urllib.request.urlopen(f"{WEBHDFS}/user/spark/smoke.txt?op=OPEN&user.name=spark") as web:
        assert web.read().decode().strip() == token
    with urllib.request.urlopen(f"{WEBHDFS}/user/spark/smoke.txt?op=GETFILESTATUS") as web:
        assert json.load(web)["FileStatus"]["replication"] == 3


def test_fsck_reports_healthy():
    assert "is HEALTHY" in on_master("runuser -u hdfs -- hdfs fsck /")


# The ETL tests run Spark on YARN too; this smoke job adds about 3 min.
@pytest.mark.slow  # make test-all
def test_pyspark_job_reads_and_writes_hdfs_on_yarn():
    words = ["lake", "spark", "yarn", "lake", "hdfs", "lake", "spark"]
    text = " ".join(words)
    as_spark(f"bash -c 'echo {text} | hdfs dfs -put -f - /user/spark/words.txt'")
    output = as_spark(
        "spark-submit --deploy-mode cluster wordcount.py /user/spark/words.txt /user/spark/wc"
    )
    assert "final status: SUCCEEDED" in output
    lines = as_spark("bash -c 'hdfs dfs -cat /user/spark/wc/*.csv'").split("\n")
    counted = dict(line.split(",") for line in lines if re.fullmatch(r"\w+,\d+", line.strip()))
    assert {word: int(n) for word, n in counted.items()} == dict(Counter(words))


@pytest.mark.slow  # a second Spark application beside the PySpark one (about 3 min)
def test_jvm_job_on_yarn_in_cluster_mode():
    on_master("mkdir -p classes && javac -d classes -cp '/opt/bdp/spark/jars/*' SparkPi.java")
    on_master("jar cf sparkpi.jar -C classes .")
    output = as_spark("spark-submit --deploy-mode cluster --class SparkPi sparkpi.jar 4")
    assert "final status: SUCCEEDED" in output
    app = application_id(output)
    logs = as_spark(f"yarn logs -applicationId {app} -log_files stdout")
    estimate = float(re.search(r"Pi is roughly (\d+\.\d+)", logs).group(1))
    assert 3.0 < estimate < 3.3


@pytest.mark.slow  # a third Spark application, made to fail (about 3.5 min)
def test_failed_job_names_its_application_and_logs():
    output = as_spark("spark-submit --deploy-mode cluster fail.py", check=False)
    assert "final status: FAILED" in output
    assert "tracking URL: http://spark-master-01:8088/proxy/application_" in output
    app = application_id(output)
    assert "failing on purpose" in as_spark(f"yarn logs -applicationId {app}")


@pytest.mark.slow  # needs the PySpark application above: make test-all
def test_history_server_shows_the_pyspark_application():
    deadline = time.monotonic() + 90
    names: set[str] = set()
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://{MASTER}:18080/api/v1/applications") as api:
            names = {app["name"] for app in json.load(api)}
        if "bdp-smoke-wordcount" in names:
            return
        time.sleep(5)
    pytest.fail(f"History Server lists only {sorted(names)}")


def deploy_hadoop(*extra: str):
    return run_tool(
        "ansible-playbook", "-i", "inventories/lab", "ansible/hadoop.yml", "-l", MASTER, *extra
    )


def test_heap_bigger_than_the_host_is_refused():
    result = deploy_hadoop("-e", "hadoop_namenode_heap_mb=99999999")
    assert result.returncode != 0
    assert f"{MASTER}: Hadoop needs" in result.stdout
    assert "hdfs-namenode 99999999 MiB" in result.stdout


def test_replication_above_the_datanode_count_is_refused():
    result = deploy_hadoop("-e", "hadoop_hdfs_replication=4")
    assert result.returncode != 0
    assert "hadoop_hdfs_replication is 4 but group hdfs_datanode has 3 host(s)" in result.stdout


def test_namenode_of_another_cluster_is_refused():
    result = deploy_hadoop("-e", "hadoop_hdfs_cluster_id=CID-other")
    assert result.returncode != 0
    assert "holds HDFS metadata of cluster CID-bdp-bdp" in result.stdout
    assert "this inventory's cluster is CID-other" in result.stdout
