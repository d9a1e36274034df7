"""Every HDFS path the lake writer and the ETL write lies in a directory the hdfs role creates
for that job's user: the jobs need no HDFS superuser rights (nobody but hdfs is one), so a
path missing from the role's list fails the job's first write on a fresh cluster. Raw events
are readable by the services' group only; the ETL's curated outputs by everyone."""

from pathlib import PurePosixPath

import pytest
import yaml

from bdp_jobs.etl.runreport import source_area
from bdp_jobs.lake.layout import LakePaths
from bdp_testkit.helpers import REPO


def role_defaults(role: str) -> dict:
    return yaml.safe_load((REPO / "roles" / role / "defaults" / "main.yml").read_text())


HDFS_DIRECTORIES = {d["path"]: d for d in role_defaults("hdfs")["hdfs_directories"]}
USERS = yaml.safe_load((REPO / "ansible/group_vars/all/hadoop.yml").read_text())[
    "bdp_hadoop_principal_users"
]


def lake_writer_paths() -> list[str]:
    defaults = role_defaults("lake_writer")
    paths = LakePaths(defaults["lake_writer_lake_dir"], defaults["lake_writer_checkpoint_dir"])
    source = "game"
    return [
        paths.raw(source),
        paths.late(source),
        paths.rejects(source),
        paths.staging(7),
        paths.state_dir(),
    ]


def etl_paths() -> list[str]:
    lake = role_defaults("etl")["etl_lake_dir"]
    return [source_area(lake, area, "game") for area in ("runs", "staging", "rejects")] + [
        f"{lake}/curated/game/daily"
    ]


def nearest_listed_directory(path: str) -> dict:
    for directory in PurePosixPath(path).parents:
        if str(directory) in HDFS_DIRECTORIES:
            return HDFS_DIRECTORIES[str(directory)]
    raise AssertionError(f"{path}: no directory of the hdfs role holds it")


@pytest.mark.parametrize(
    ("job", "path"),
    [("lake-writer", p) for p in lake_writer_paths()] + [("etl", p) for p in etl_paths()],
)
def test_the_job_owns_the_directory_it_writes_in(job, path):
    directory = nearest_listed_directory(path)
    assert directory["owner"] == USERS[job], f"{path}: in {directory['path']}"
    assert int(directory["mode"][-3]) & 0o2, f"{directory['path']}: its owner cannot write"


RAW_AREAS = ["/lake/raw", "/lake/late", "/lake/rejects", "/lake/_staging/lake-writer", "/lake/_etl"]


@pytest.mark.parametrize("path", RAW_AREAS)
def test_raw_events_are_read_by_the_services_group_and_nobody_else(path):
    directory = HDFS_DIRECTORIES[path]
    assert directory["group"] == "hadoop", path
    assert int(directory["mode"][-2]) & 0o5 == 0o5, f"{path}: the ETL (group hadoop) cannot read"
    assert directory["mode"][-1] == "0", f"{path}: others (an analyst) may enter"


def test_everyone_reads_the_curated_outputs():
    assert int(HDFS_DIRECTORIES["/lake/curated"]["mode"][-1]) & 0o5 == 0o5


def test_a_path_outside_every_listed_directory_is_caught():
    with pytest.raises(AssertionError, match="no directory"):
        nearest_listed_directory("/elsewhere/file")
