from bdp.mirror.stamp import Decision, Stamp, decide, parse_stamp, render_stamp

INPUTS = {"component": "kafka", "versions": {"kafka": "4.4.0"}, "sources": ["maven:a:b:1"]}
STAMP = Stamp(INPUTS, ["maven:a:b:1"], [], "ab" * 64, 42)


def test_stamp_round_trips():
    assert parse_stamp(render_stamp(STAMP)) == STAMP


def test_unreadable_stamp_is_none():
    assert parse_stamp("{not json") is None
    assert parse_stamp('{"inputs": {}}') is None


def test_cached_only_when_everything_agrees():
    assert decide(True, "ab" * 64, STAMP, INPUTS) == Decision(True, "cached")


def test_rebuild_reasons():
    assert decide(False, "ab" * 64, STAMP, INPUTS) == Decision(False, "no archive yet")
    assert decide(True, None, STAMP, INPUTS) == Decision(False, "no readable .sha512")
    assert decide(True, "ab" * 64, None, INPUTS) == Decision(
        False, "no stamp from a finished build"
    )
    changed = {**INPUTS, "versions": {"kafka": "4.4.1"}}
    assert decide(True, "ab" * 64, STAMP, changed) == Decision(False, "inputs changed")
    assert decide(True, "cd" * 64, STAMP, INPUTS) == Decision(
        False, ".sha512 disagrees with the stamp"
    )
