"""Where a site.yml run spent its time (bench/playbook_profile.py), from profile_tasks lines."""

from playbook_profile import TaskTime, task_times, totals

OUTPUT = """\
PLAY [Base configuration of every host] ****************************************

TASK [Gathering Facts] *********************************************************
Sunday 06 December 2026  05:49:22 +0000 (0:00:00.120)       0:00:00.120 *******
ok: [spark-master-01]

TASK [common : Install base packages] ******************************************
Sunday 06 December 2026  05:49:27 +0000 (0:00:04.800)       0:00:04.920 *******
changed: [spark-master-01]

RUNNING HANDLER [kafka : Mark the broker for a rolling restart] ****************
Sunday 06 December 2026  05:50:10 +0000 (0:00:42.812)       0:00:47.732 *******
changed: [de-kafka-cluster-1]

TASK [cassandra : Wait for the node to listen for CQL clients spark-worker-01] *
Sunday 06 December 2026  05:50:11 +0000 (0:00:01.000)       0:00:48.732 *******
ok: [spark-worker-01]

TASK [common : Configure kernel settings] **************************************
Sunday 06 December 2026  05:51:51 +0000 (0:01:39.700)       0:02:28.432 *******
ok: [spark-master-01]

PLAY RECAP *********************************************************************
"""


def test_each_task_gets_the_duration_printed_when_the_next_one_starts():
    assert task_times(OUTPUT) == [
        TaskTime("Gathering Facts", 4.8),
        TaskTime("common : Install base packages", 42.812),
        TaskTime("kafka : Mark the broker for a rolling restart", 1.0),
        TaskTime("cassandra : Wait for the node to listen for CQL clients spark-worker-01", 99.7),
    ]


def test_times_are_summed_per_role_and_per_kind_largest_first():
    times = task_times(OUTPUT)
    assert totals(times, "role") == [
        ("cassandra", 99.7),
        ("common", 42.8),
        ("(play)", 4.8),
        ("kafka", 1.0),
    ]
    assert totals(times, "kind") == [
        ("waits", 99.7),
        ("installs", 42.8),
        ("probes", 4.8),
        ("services", 1.0),
    ]


def test_a_task_named_without_a_known_verb_is_other():
    assert TaskTime("hdfs : Format the NameNode once", 1).kind == "commands"
    assert TaskTime("spark : Tidy up", 1).kind == "other"
    assert TaskTime("", 1).kind == "other"


def test_output_without_profile_lines_gives_no_times():
    assert task_times("PLAY [x] ***\n\nTASK [a : b] ***\nok: [h]\n") == []
