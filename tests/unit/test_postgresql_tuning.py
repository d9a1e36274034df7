"""The postgresql role's memory sizing: shares of the host's memory, floors and caps."""

import importlib.util

import pytest

from bdp_testkit.helpers import REPO

_spec = importlib.util.spec_from_file_location(
    "postgresql_tuning",
    REPO / "roles" / "postgresql" / "filter_plugins" / "postgresql_tuning.py",
)
postgresql_tuning = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(postgresql_tuning)
tune = postgresql_tuning.postgresql_tuning


def test_t3a_large_gets_a_quarter_for_buffers_and_shares_the_rest_among_connections():
    settings = tune(7680, 240)
    assert settings == {
        "max_connections": "240",
        "shared_buffers": "1920MB",
        "effective_cache_size": "5760MB",
        "maintenance_work_mem": "480MB",
        "work_mem": "8192kB",  # (7680 - 1920) MiB / (240 connections * 3)
    }


def test_every_connection_sorting_at_once_fits_beside_shared_buffers_above_the_floor():
    for memory_mb, connections in [(2048, 100), (7680, 240), (16384, 500), (65536, 500)]:
        settings = tune(memory_mb, connections)
        work_mem_mb = int(settings["work_mem"].removesuffix("kB")) / 1024
        shared_mb = int(settings["shared_buffers"].removesuffix("MB"))
        assert shared_mb + work_mem_mb * connections * 3 <= memory_mb


def test_large_hosts_are_capped():
    settings = tune(262144, 500)
    assert settings["shared_buffers"] == "8192MB"
    assert settings["maintenance_work_mem"] == "1024MB"
    assert settings["work_mem"] == "65536kB"
    assert settings["effective_cache_size"] == "196608MB"


def test_small_hosts_keep_usable_floors():
    settings = tune(512, 400)
    assert settings["work_mem"] == "4096kB"
    assert settings["maintenance_work_mem"] == "64MB"
    assert settings["shared_buffers"] == "128MB"


@pytest.mark.parametrize(("memory_mb", "connections"), [(0, 100), (1024, 0), (-1, 10)])
def test_nonsense_sizes_are_refused_naming_postgresql(memory_mb, connections):
    with pytest.raises(ValueError, match="postgresql"):
        tune(memory_mb, connections)
