"""The daily ETL DAGs, created paused in the lab, start here: after the idempotence check,
the Spark smoke test (tests/lab/test_3_hadoop.py) and the Airflow smoke DAG
(tests/lab/test_3a_airflow.py), so none of them queues behind the eight catch-up runs, and
early enough for the runs to finish while the Kafka, OpenSearch and store tests go on."""

import pytest

from labkit import AIRFLOW_API, airflow_session

pytestmark = pytest.mark.lab


def test_the_lab_creates_the_daily_etl_dags_paused_then_they_are_unpaused(lab):
    """Production creates them unpaused; unpaused here, they catch up on the complete days."""
    api = airflow_session()
    listed = api.get(
        f"{AIRFLOW_API}/api/v2/dags", params={"dag_id_pattern": "bdp_etl_"}, timeout=30
    )
    assert listed.status_code == 200, listed.text
    dags = {dag["dag_id"]: dag["is_paused"] for dag in listed.json()["dags"]}
    assert dags == {f"bdp_etl_{s}": True for s in ("ads", "game", "lodging", "raid")}
    for dag_id in dags:
        answer = api.patch(
            f"{AIRFLOW_API}/api/v2/dags/{dag_id}", json={"is_paused": False}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["is_paused"] is False
