"""Rolling restart of the Hadoop workers while a Spark job reads HDFS the whole time."""

import re
import subprocess
import sys
import time

import pytest

from bdp_testkit.helpers import BIN, restarted_one_at_a_time, run_tool
from labkit import HADOOP_GATES, HADOOP_RESTART, WORK, as_spark, stage

pytestmark = pytest.mark.lab

DATA = "/user/spark/rolling/data.txt"
STOP = "/user/spark/rolling/stop"


@pytest.mark.slow
def test_rolling_restart_keeps_a_reading_job_alive():
    as_spark(
        f"bash -c 'hdfs dfs -mkdir -p /user/spark/rolling && hdfs dfs -rm -f {STOP}; "
        f"seq 1 200000 | hdfs dfs -put -f - {DATA}'"
    )
    submit = [
        str(BIN / "bdp"),
        "lab",
        "exec",
        "spark-master-01",
        "--",
        "runuser",
        "-u",
        "spark",
        "--",
        "bash",
        "-c",
        f"cd {WORK} && spark-submit --deploy-mode cluster reader.py {DATA} {STOP} 900",
    ]
    job = subprocess.Popen(submit, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(45)  # the application is running and reading before the first restart
        started = time.monotonic()
        rolling = run_tool(
            "ansible-playbook", "-i", "inventories/lab", "ansible/rolling_restart_hadoop.yml"
        )
        stage("rolling restart of 3 Hadoop workers", started)
        assert rolling.returncode == 0, rolling.stdout[-4000:]
        assert restarted_one_at_a_time(rolling.stdout, HADOOP_RESTART, HADOOP_GATES) == [
            "spark-worker-01",
            "spark-worker-02",
            "spark-worker-03",
        ]
        assert job.poll() is None, "the job ended during the rolling restart"
    finally:
        as_spark(f"bash -c 'echo stop | hdfs dfs -put -f - {STOP}'")
    output, _ = job.communicate(timeout=600)
    sys.stdout.write(output[-2000:])
    assert "final status: SUCCEEDED" in output
    app = re.findall(r"application_\d+_\d+", output)[-1]
    logs = as_spark(f"yarn logs -applicationId {app} -log_files stdout")
    rounds = int(re.search(r"read 200000 rows (\d+) times", logs).group(1))
    assert rounds > 10, f"the job read HDFS only {rounds} times during the restart"
