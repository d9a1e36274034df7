"""The ETL DAGs as Airflow parses them, and the steps they run (spark-submit, `bdp etl`)."""

import json
from datetime import date

import pytest

from bdp import remote
from bdp.etl import cli as etl_cli
from bdp_dags import submit
from bdp_dags.settings import EtlError, Settings, load_settings
from bdp_testkit.helpers import REPO

SETTINGS_FILE = REPO / "tests" / "unit" / "data" / "etl_settings.json"


@pytest.fixture(scope="module")
def settings():
    return Settings(json.loads(SETTINGS_FILE.read_text()))


@pytest.fixture(scope="module")
def dags(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BDP_ETL_SETTINGS", str(SETTINGS_FILE))
        patch.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
        import daily_etl

    return {name: dag for name, dag in vars(daily_etl).items() if name.startswith("bdp_etl_")}


def test_one_dag_per_source_on_a_daily_data_interval(dags):
    assert sorted(dags) == ["bdp_etl_ads", "bdp_etl_game"]
    dag = dags["bdp_etl_game"]
    assert dag.catchup
    # Day D's interval starts at midnight of D in the platform time zone (Europe/Berlin here).
    assert dag.start_date.isoformat() == "2026-10-31T23:00:00+00:00"
    assert dag.end_date.isoformat() == "2026-11-01T23:00:00+00:00"
    interval = dag.timetable.infer_manual_data_interval(run_after=dag.end_date)
    assert (interval.start.isoformat(), interval.end.isoformat()) == (
        "2026-10-31T23:00:00+00:00",
        "2026-11-01T23:00:00+00:00",
    )


def test_tasks_order_retries_and_sensor_mode(dags):
    tasks = {task.task_id: task for task in dags["bdp_etl_game"].tasks}
    assert tasks["transform_and_load"].upstream_task_ids == {"wait_for_raw_day"}
    assert tasks["check_quality"].upstream_task_ids == {"transform_and_load"}
    assert tasks["summary"].upstream_task_ids == {"check_quality"}
    assert all(task.retries == 3 for task in tasks.values())  # a worker may die mid-task
    assert tasks["transform_and_load"].retry_exponential_backoff
    sensor = tasks["wait_for_raw_day"]
    assert (sensor.mode, sensor.poke_interval, sensor.timeout) == ("reschedule", 30, 600)


def test_spark_submit_runs_in_cluster_mode_tagged_by_source_and_day(settings):
    argv = submit.spark_submit_argv(settings, "game", date(2026, 11, 1), "scheduled__x", 2)
    joined = " ".join(argv)
    assert "--deploy-mode cluster" in joined
    assert "spark.yarn.tags=bdp-etl-game-20261101" in joined
    assert "spark.yarn.maxAppAttempts=1" in joined
    assert "--archives /x/schemas.zip#schemas" in joined
    assert argv[argv.index("--attempt") + 1] == "2"
    assert argv[argv.index("--timezone") + 1] == "Europe/Berlin"


def test_raw_day_marker(settings):
    assert (
        submit.raw_day_marker(settings, "ads", date(2026, 11, 2))
        == "/lake/raw/ads/dt=2026-11-02/_SUCCESS"
    )


def test_missing_settings_name_the_file(tmp_path):
    with pytest.raises(EtlError, match=r"nothing\.json: cannot read the ETL settings"):
        load_settings(str(tmp_path / "nothing.json"))


def test_bdp_etl_runs_the_module_over_ssh_as_airflow():
    hostvars = {
        "ansible_host": "10.0.0.5",
        "ansible_user": "admin",
        "ansible_ssh_private_key_file": "/k",
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=yes",
    }
    argv = remote.ssh_argv(
        hostvars, "w1", etl_cli.remote_command(["run", "--date=2026-11-01", "--source=game"])
    )
    assert argv[:8] == [
        "ssh", "-o", "BatchMode=yes", "-i", "/k", "-o", "StrictHostKeyChecking=yes",
        "admin@10.0.0.5",
    ]  # fmt: skip
    assert argv[-1] == (
        "runuser -u airflow -- env PYTHONPATH=/var/lib/airflow/dags:/opt/bdp/etl/lib"
        " 'BDP_ETL_PROG=bdp etl'"
        " /opt/bdp/airflow/bin/python -m bdp_dags run --date=2026-11-01 --source=game"
    )


def test_wrong_data_fails_the_quality_check_without_a_retry(dags, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    import daily_etl
    from bdp_dags.settings import DataQualityError

    def wrong(*_):
        raise DataQualityError("game.x 2026-11-01: t holds 9 rows for the day, the output has 10")

    monkeypatch.setattr(daily_etl, "_day", lambda: date(2026, 11, 1))
    monkeypatch.setattr(daily_etl, "_run_id", lambda: "r")
    monkeypatch.setattr(submit, "check_report", wrong)
    check = {t.task_id: t for t in dags["bdp_etl_game"].tasks}["check_quality"]
    with pytest.raises(AirflowFailException, match="holds 9 rows"):
        check.python_callable("game")


@pytest.fixture
def lake_listing(monkeypatch, settings):
    """A fake WebHDFS over a set of paths under the settings' lake."""
    paths: set[str] = set()
    raw = f"{settings['lake']}/raw/game"

    def list_names(_, folder):
        return sorted(
            {p[len(folder) + 1 :].split("/")[0] for p in paths if p.startswith(folder + "/")}
        )

    monkeypatch.setattr(submit.webhdfs, "list_names", list_names)
    monkeypatch.setattr(submit.webhdfs, "exists", lambda _, path: path in paths)
    return raw, paths


def test_a_complete_day_without_events_is_held_and_said_so(settings, lake_listing):
    raw, paths = lake_listing
    day = date(2026, 11, 2)
    assert submit.held_empty_day(settings, "game", day) is None  # nothing yet
    paths |= {f"{raw}/dt=2026-11-01/_SUCCESS", f"{raw}/dt=2026-11-03/part-0.parquet"}
    assert submit.held_empty_day(settings, "game", day) is None  # 11-03 still open
    paths.add(f"{raw}/dt=2026-11-03/_SUCCESS")
    held = submit.held_empty_day(settings, "game", day)
    assert held is not None and held.startswith(
        "game 2026-11-02: the lake holds no event of this day, though it completed 2026-11-03"
    )
    paths.add(f"{raw}/dt=2026-11-02/part-0.parquet")  # events arrived: being completed
    assert submit.held_empty_day(settings, "game", day) is None


def test_the_sensor_fails_a_held_day_at_once(dags, monkeypatch, settings, lake_listing):
    from airflow.sdk.exceptions import AirflowFailException

    import daily_etl

    raw, paths = lake_listing
    paths |= {f"{raw}/dt=2026-11-03/_SUCCESS"}
    monkeypatch.setattr(daily_etl, "_day", lambda: date(2026, 11, 2))
    sensor = {t.task_id: t for t in dags["bdp_etl_game"].tasks}["wait_for_raw_day"]
    with pytest.raises(AirflowFailException, match="a day without events is held"):
        sensor.python_callable("game")
    monkeypatch.setattr(daily_etl, "_day", lambda: date(2026, 11, 4))
    assert sensor.python_callable("game") is False  # not complete yet: keep waiting


def test_module_errors_name_the_bdp_etl_command(monkeypatch, capsys):
    from bdp_dags.__main__ import main

    monkeypatch.setenv("BDP_ETL_PROG", "bdp etl")
    with pytest.raises(SystemExit):
        main(["run", "--date", "yesterday"])
    error = capsys.readouterr().err
    assert "usage: bdp etl run" in error and "python -m" not in error
