"""The prometheus role's scrape jobs, derived from bdp_metrics_targets and the inventories."""

import pytest

from scrapekit import TARGETS, groups_of, inventory_jobs, scrape_targets


def by_job(jobs: list[dict]) -> dict[str, list[dict]]:
    return {job["job"]: job["targets"] for job in jobs}


@pytest.mark.parametrize("inventory", ["lab", "production"])
def test_every_host_is_scraped_by_the_node_job_and_every_job_has_targets(inventory):
    groups, addresses = groups_of(inventory)
    jobs = by_job(inventory_jobs(inventory))
    assert sorted(t["host"] for t in jobs["node"]) == sorted(groups["all"])
    assert set(jobs) == set(TARGETS)
    for job, targets in jobs.items():
        port = TARGETS[job]["port"]
        assert targets, job
        assert all(
            t["address"] == f"{addresses[t['host']]}:{t['address'].rsplit(':')[1]}" for t in targets
        )
        assert all(int(t["address"].rsplit(":")[1]) >= port for t in targets)


def test_collectors_are_scraped_where_each_source_runs():
    groups = {"collectors": ["k1", "k2", "k3"]}
    addresses = {"k1": "10.0.0.1", "k2": "10.0.0.2", "k3": "10.0.0.3"}
    targets = {"collectors": {"groups": ["collectors"], "port": 8711, "per_source": True}}
    (job,) = scrape_targets.scrape_jobs(
        targets, groups, addresses, ["game", "lodging", "raid", "ads"]
    )
    assert job["targets"] == [
        {"address": "10.0.0.1:8711", "host": "k1", "source": "game"},
        {"address": "10.0.0.2:8712", "host": "k2", "source": "lodging"},
        {"address": "10.0.0.3:8713", "host": "k3", "source": "raid"},
        {"address": "10.0.0.1:8714", "host": "k1", "source": "ads"},
    ]


def test_first_host_only_jobs_and_hosts_in_several_groups_are_scraped_once():
    groups = {"a": ["h1", "h2"], "b": ["h2", "h3"]}
    addresses = {"h1": "1.1.1.1", "h2": "2.2.2.2", "h3": "3.3.3.3"}
    targets = {
        "both": {"groups": ["a", "b"], "port": 1},
        "api": {"groups": ["b"], "port": 2, "first_host": True},
    }
    jobs = by_job(scrape_targets.scrape_jobs(targets, groups, addresses, []))
    assert [t["host"] for t in jobs["both"]] == ["h1", "h2", "h3"]
    assert jobs["api"] == [{"address": "2.2.2.2:2", "host": "h2"}]


def test_excluded_jobs_are_left_out_and_unknown_groups_are_an_error():
    groups, addresses = {"a": ["h1"]}, {"h1": "1.1.1.1"}
    targets = {"one": {"groups": ["a"], "port": 1}, "two": {"groups": ["a"], "port": 2}}
    assert [
        j["job"] for j in scrape_targets.scrape_jobs(targets, groups, addresses, [], ["two"])
    ] == ["one"]
    with pytest.raises(ValueError, match="groups the inventory lacks: \\['monitoring'\\]"):
        scrape_targets.scrape_jobs(
            {"x": {"groups": ["monitoring"], "port": 1}}, groups, addresses, []
        )
