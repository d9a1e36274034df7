"""Every DAG in dags/ imports cleanly, as the dag-processor will parse it."""

import json
import os
import subprocess
import sys
import tempfile

from bdp_testkit.helpers import REPO

PARSE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": bag.import_errors}))
"""


def parse(folder) -> dict:
    env = {
        **os.environ,
        # Outside the DAG folder: the airflow role copies that folder to the hosts as it is.
        "AIRFLOW_HOME": tempfile.mkdtemp(prefix="airflow-home-"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # As the airflow role's environment does: DAGs import their own packages, and the
        # Spark jobs' package from the etl role's copy of spark_jobs/.
        "PYTHONPATH": os.pathsep.join([str(folder), str(REPO / "spark_jobs")]),
        "BDP_ETL_SETTINGS": str(REPO / "tests" / "unit" / "data" / "etl_settings.json"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PARSE, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_repository_dags_import_without_errors(tmp_path):
    (tmp_path / "dags").symlink_to(REPO / "dags")
    parsed = parse(tmp_path / "dags")
    assert parsed["errors"] == {}
    assert "platform_smoke" in parsed["dags"]
    assert {"bdp_etl_game", "bdp_etl_ads"} <= set(parsed["dags"])  # the settings' sources


def test_a_broken_dag_is_reported_with_its_file(tmp_path):
    (tmp_path / "broken.py").write_text("from airflow.sdk import dag\nraise ValueError('boom')\n")
    parsed = parse(tmp_path)
    assert list(parsed["errors"]) == [str(tmp_path / "broken.py")]
    assert "boom" in next(iter(parsed["errors"].values()))
