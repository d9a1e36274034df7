"""`bdp logs search`: query building, --stats, --follow and output, without a cluster."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bdp.cli import build_parser, main
from bdp.errors import BdpError
from bdp.logs import cli, output
from bdp.logs.cli import check_options, follow, lab_password
from bdp.logs.query import (
    FOLLOW_LOOKBACK_MS,
    Follow,
    Search,
    epoch_ms,
    levels_from,
    parse_time,
)

NOW = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def test_relative_and_absolute_times():
    assert parse_time("15m", "--since", NOW) == NOW - timedelta(minutes=15)
    assert parse_time("2d", "--since", NOW) == NOW - timedelta(days=2)
    assert parse_time("2026-11-22T10:00:00Z", "--since", NOW) == datetime(
        2026, 11, 22, 10, tzinfo=UTC
    )
    assert parse_time("2026-11-22T10:00", "--until", NOW).tzinfo == UTC


@pytest.mark.parametrize("value", ["yesterday", "15 minutes", "-2h", "2026-13-01"])
def test_a_bad_time_names_the_option(value):
    with pytest.raises(BdpError, match=rf"--until '{value}' is not a time"):
        parse_time(value, "--until", NOW)


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(BdpError, match=r"--since .* must be before --until"):
        Search(since=NOW, until=NOW - timedelta(hours=1))


def test_levels_are_that_level_and_above():
    assert levels_from("warning") == ["WARN", "ERROR", "FATAL"]
    assert levels_from(None) == []
    with pytest.raises(BdpError, match="--level 'loud' is not one of TRACE"):
        levels_from("loud")


def test_query_filters_fields_matches_text_newest_first():
    search = Search(
        since=NOW - timedelta(hours=1),
        until=NOW,
        text="broker started",
        services=["kafka"],
        hosts=["de-kafka-cluster-1"],
        levels=["ERROR", "FATAL"],
        limit=5,
    )
    body = search.body()
    assert search.index() == "logs-kafka-*"
    assert body["size"] == 5 and body["sort"] == [{"time": {"order": "desc"}}]
    filters = body["query"]["bool"]["filter"]
    assert {"terms": {"service": ["kafka"]}} in filters
    assert {"terms": {"host": ["de-kafka-cluster-1"]}} in filters
    assert {"terms": {"level": ["ERROR", "FATAL"]}} in filters
    assert filters[0]["range"]["time"] == {
        "gte": "2026-11-22T13:00:00+00:00",
        "lte": "2026-11-22T14:00:00+00:00",
    }
    text = body["query"]["bool"]["must"][0]["simple_query_string"]
    assert text["query"] == "broker started" and text["default_operator"] == "and"


def test_several_services_search_every_log_index():
    search = Search(since=NOW - timedelta(hours=1), until=NOW, services=["kafka", "collector-game"])
    assert search.index() == "logs-*"
    assert Search(since=NOW - timedelta(hours=1), until=NOW).body()["query"]["bool"]["must"] == []


RESPONSE = {
    "hits": {
        "hits": [
            {
                "_source": {
                    "time": "2026-11-22T13:59:00.000Z",
                    "host": "h1",
                    "service": "kafka",
                    "level": "WARN",
                    "message": "first line\nsecond line",
                    "context": {},
                }
            },
            {
                "_source": {
                    "time": "2026-11-22T13:58:00.000Z",
                    "host": "h2",
                    "service": "collector-game",
                    "level": "INFO",
                    "message": "x" * 300,
                    "context": {"n": 1},
                }
            },
        ]
    }
}


def test_table_shows_one_line_per_record_with_the_first_message_line():
    table = output.as_table(output.records(RESPONSE), width=100)
    lines = table.splitlines()
    assert lines[0].split() == ["TIME", "HOST", "SERVICE", "LEVEL", "MESSAGE"]
    assert len(lines) == 3
    assert lines[1].endswith("first line") and "second line" not in table
    assert all(len(line) <= 100 for line in lines[2:]) and lines[2].endswith("…")
    assert output.as_table([]) == "no matching log records\n"


def test_json_output_is_one_record_per_line():
    lines = output.as_json(output.records(RESPONSE)).splitlines()
    assert len(lines) == 2 and '"context": {"n": 1}' in lines[1]


# --- --stats ---------------------------------------------------------------------------


def test_stats_request_counts_per_service_with_the_same_filters_and_no_records():
    search = Search(since=NOW - timedelta(hours=1), until=NOW, text="broker", levels=["ERROR"])
    body = search.stats_body()
    assert body["size"] == 0 and body["track_total_hits"] is True
    assert body["query"] == search.body()["query"]
    assert body["aggs"] == {"services": {"terms": {"field": "service", "size": 1000}}}
    assert "sort" not in body


STATS_RESPONSE = {
    "hits": {"total": {"value": 1234, "relation": "eq"}, "hits": []},
    "aggregations": {
        "services": {
            "buckets": [
                {"key": "kafka", "doc_count": 1200},
                {"key": "collector-game", "doc_count": 34},
            ]
        }
    },
}


def test_stats_as_json_is_one_object_with_total_and_services():
    counts = output.stats(STATS_RESPONSE)
    assert counts == {"total": 1234, "services": {"kafka": 1200, "collector-game": 34}}
    text = output.stats_as_json(counts)
    assert text.count("\n") == 1 and json.loads(text) == counts


def test_stats_table_aligns_services_and_counts_with_a_total():
    lines = output.stats_as_table(output.stats(STATS_RESPONSE)).splitlines()
    assert lines == [
        "SERVICE         RECORDS",
        "kafka              1200",
        "collector-game       34",
        "TOTAL              1234",
    ]


def test_stats_of_nothing_found():
    empty = {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
    counts = output.stats(empty)
    assert counts == {"total": 0, "services": {}}
    assert output.stats_as_table(counts).splitlines()[-1].split() == ["TOTAL", "0"]


# --- --follow: the request and what counts as new ----------------------------------------


def ms(moment: datetime) -> int:
    return epoch_ms(moment)


def hit(second: float, record_id: str, index: str = "logs-kafka-2026.11.22") -> dict:
    moment = NOW - timedelta(minutes=1) + timedelta(seconds=second)
    return {
        "_index": index,
        "_id": record_id,
        "sort": [ms(moment)],
        "_source": {
            "time": moment.isoformat().replace("+00:00", "Z"),
            "host": "h1",
            "service": "kafka",
            "level": "INFO",
            "message": record_id,
            "context": {},
        },
    }


def test_follow_request_asks_for_records_since_a_time_up_to_now_not_yet_printed():
    search = Search(since=NOW - timedelta(hours=1), until=NOW, services=["kafka"], text="x")
    body = search.follow_body(1000, NOW, ["a", "b"], 500)
    assert body["sort"] == [{"time": {"order": "asc"}}] and body["size"] == 500
    query = body["query"]["bool"]
    assert query["filter"][0] == {
        "range": {"time": {"gte": 1000, "lte": ms(NOW), "format": "epoch_millis"}}
    }
    assert query["filter"][1:] == search.body()["query"]["bool"]["filter"][1:]
    assert query["must"] == search.body()["query"]["bool"]["must"]
    assert query["must_not"] == [{"ids": {"values": ["a", "b"]}}]
    assert "must_not" not in search.follow_body(1000, NOW, [], 500)["query"]["bool"]


def test_follow_starts_at_the_newest_printed_record_less_the_lookback():
    search = Search(since=NOW - timedelta(hours=1), until=NOW, limit=50)
    state = Follow.after(search, [hit(50, "b"), hit(40, "a")])
    assert state.newest_ms == hit(50, "b")["sort"][0]
    assert state.start_ms() == state.newest_ms - FOLLOW_LOOKBACK_MS
    body = state.body(search, NOW)
    assert body["query"]["bool"]["filter"][0]["range"]["time"]["gte"] == state.start_ms()
    assert body["query"]["bool"]["must_not"] == [{"ids": {"values": ["a", "b"]}}]


def test_follow_after_a_full_first_page_starts_after_its_oldest_record():
    search = Search(since=NOW - timedelta(hours=1), until=NOW, limit=2)
    state = Follow.after(search, [hit(50, "b"), hit(45, "a")])
    assert state.start_ms() == hit(45, "a")["sort"][0] + 1


def test_follow_after_nothing_found_starts_a_lookback_before_the_search_ended():
    search = Search(since=NOW - timedelta(hours=1), until=NOW)
    state = Follow.after(search, [])
    assert state.start_ms() == ms(NOW) - FOLLOW_LOOKBACK_MS and state.printed == {}


def test_follow_takes_records_sharing_a_time_once_each_in_time_order():
    search = Search(since=NOW - timedelta(hours=1), until=NOW)
    state = Follow.after(search, [hit(50, "a")])
    fresh = state.take([hit(51, "c"), hit(50, "a"), hit(50, "b"), hit(50, "b")])
    assert [h["_id"] for h in fresh] == ["b", "c"]
    assert state.take([hit(50, "a"), hit(50, "b"), hit(51, "c")]) == []
    # The same id in another index is another record.
    assert [h["_index"] for h in state.take([hit(51, "c", "logs-x-2026.11.22")])] == [
        "logs-x-2026.11.22"
    ]


def test_follow_forgets_printed_records_older_than_its_window():
    search = Search(since=NOW - timedelta(hours=1), until=NOW)
    state = Follow.after(search, [hit(0, "old")])
    state.take([hit(FOLLOW_LOOKBACK_MS / 1000 + 1, "new")])
    assert list(state.printed) == [("logs-kafka-2026.11.22", "new")]


# --- --follow: the polling loop, against a fake cluster -------------------------------------


class FakeCluster:
    """Stored records and the subset of the search API that `bdp logs search` uses."""

    def __init__(self) -> None:
        self.stored: list[dict] = []
        self.requests: list[dict] = []

    def add(self, *hits: dict) -> None:
        self.stored.extend(hits)

    def search(self, index: str, body: dict) -> dict:
        self.requests.append(body)
        assert len(self.requests) < 50, "polling without end"
        query = body["query"]["bool"]
        bounds = query["filter"][0]["range"]["time"]
        low, high = (self._ms(bounds[side]) for side in ("gte", "lte"))
        excluded = {i for clause in query.get("must_not", []) for i in clause["ids"]["values"]}
        found = [h for h in self.stored if low <= h["sort"][0] <= high and h["_id"] not in excluded]
        newest_first = body["sort"][0]["time"]["order"] == "desc"
        found.sort(key=lambda h: h["sort"][0], reverse=newest_first)
        return {"hits": {"hits": found[: body["size"]]}}

    @staticmethod
    def _ms(value: int | str) -> int:
        return value if isinstance(value, int) else ms(datetime.fromisoformat(value))


def run_follow(cluster: FakeCluster, arrivals: list[list[dict]], page: int = 1000) -> list[str]:
    """Follow until every batch of `arrivals` was stored (one per sleep); the ids printed."""
    printed: list[str] = []
    later = iter(arrivals)

    def sleep(seconds: float) -> None:
        assert seconds == 2
        batch = next(later, None)
        if batch is None:
            raise KeyboardInterrupt
        cluster.add(*batch)

    def show(records: list[dict]) -> str:
        printed.extend(record["message"] for record in records)
        return output.as_json(records)

    search = Search(since=NOW - timedelta(hours=1), until=NOW, limit=3)
    with pytest.raises(KeyboardInterrupt):
        follow(cluster.search, search, show, 2, sleep=sleep, clock=lambda: NOW, page=page)
    return printed


def test_follow_prints_the_first_page_oldest_first_then_each_new_record_once():
    cluster = FakeCluster()
    cluster.add(hit(5, "left-out-by-limit"), hit(10, "r1"), hit(20, "r2"), hit(30, "r3"))
    cluster.add(hit(10, "also-left-out"))  # same time as the first page's oldest record
    printed = run_follow(
        cluster,
        [
            [hit(40, "r5"), hit(40, "r4")],
            [],
            [hit(40, "r6"), hit(41, "r7")],  # r6 shares r4's and r5's time, but arrived later
            [hit(35, "late")],  # older than r7, within the lookback: still printed
        ],
    )
    assert printed == ["r1", "r2", "r3", "r5", "r4", "r6", "r7", "late"]


def test_follow_asks_again_at_once_while_pages_come_back_full():
    cluster = FakeCluster()
    cluster.add(hit(10, "r1"))
    burst = [hit(20, f"b{n}") for n in range(7)]  # all in one millisecond, page of 3
    printed = run_follow(cluster, [burst], page=3)
    assert printed == ["r1", *(h["_id"] for h in burst)]
    excluded = [r["query"]["bool"]["must_not"][0]["ids"]["values"] for r in cluster.requests[1:]]
    assert [len(ids) for ids in excluded] == [1, 4, 7]  # each page's records, then the next


def test_follow_with_json_prints_one_record_per_line(capsys):
    cluster = FakeCluster()
    cluster.add(hit(10, "r1"))
    run_follow(cluster, [[hit(20, "r2")]])
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["r1", "r2"]


def test_follow_holds_records_stamped_in_the_future_until_their_time():
    cluster = FakeCluster()
    search = Search(since=NOW - timedelta(hours=1), until=NOW)
    state = Follow.after(search, [])
    ahead = hit(120, "clock-ahead")  # a minute after NOW
    cluster.add(ahead)
    assert state.take(output.hits(cluster.search("logs-*", state.body(search, NOW)))) == []
    on_time = hit(30, "on-time")
    cluster.add(on_time)
    assert state.take(output.hits(cluster.search("logs-*", state.body(search, NOW)))) == [on_time]
    later = NOW + timedelta(minutes=1)
    assert state.take(output.hits(cluster.search("logs-*", state.body(search, later)))) == [ahead]


def test_follow_table_has_one_heading_and_columns_that_only_grow():
    stream = output.TableStream(width=100)
    first = stream.lines([hit(1, "a")["_source"]])
    second = stream.lines([{**hit(2, "b")["_source"], "host": "a-much-longer-host"}])
    assert first.splitlines()[0].split() == ["TIME", "HOST", "SERVICE", "LEVEL", "MESSAGE"]
    assert len(first.splitlines()) == 2 and len(second.splitlines()) == 1
    assert "a-much-longer-host" in second and stream.lines([]) == ""
    assert first.splitlines()[1].index("kafka") < second.index("kafka")


# --- options --------------------------------------------------------------------------------


def parse(*argv: str):
    return build_parser().parse_args(["logs", "search", *argv])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--follow", "--stats"], "--follow and --stats cannot be used together"),
        (["--follow", "--until", "1h"], "--until cannot be used with --follow"),
        (["--interval", "0"], "--interval must be a number of seconds above 0, not 0"),
        (["--interval", "-1.5"], "--interval must be a number of seconds above 0, not -1.5"),
        (["--interval", "nan"], "--interval must be a number of seconds above 0, not nan"),
    ],
)
def test_contradicting_or_bad_options_are_one_line_naming_the_option(argv, message, capsys):
    with pytest.raises(BdpError, match=message):
        check_options(parse(*argv))
    assert main(["logs", "search", "--url", "http://127.0.0.1:9", *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_new_options_and_their_defaults():
    args = parse()
    assert (args.user, args.stats, args.follow, args.interval) == ("log_reader", False, False, 2)
    check_options(parse("--follow", "--interval", "0.5"))
    check_options(parse("--stats", "--until", "1h"))


def test_the_lab_vault_variable_follows_the_user(monkeypatch):
    asked = []
    monkeypatch.setattr(cli, "lab_secret", lambda inventory, name: asked.append(name) or "pw")
    lab = Path("inventories/lab")
    assert lab_password(lab, "log_reader") == "pw" and lab_password(lab, "admin") == "pw"
    assert lab_password(lab, "log_writer") is None
    assert asked == ["vault_opensearch_log_reader_password", "vault_opensearch_admin_password"]


def test_no_lab_password_outside_a_lab_inventory():
    assert lab_password(Path("inventories/production"), "log_reader") is None


class FakeFetch:
    def __init__(self, response: dict) -> None:
        self.response, self.bodies = response, []

    def __call__(self, index: str, body: dict) -> dict:
        self.bodies.append(body)
        return self.response


@pytest.fixture
def fake_cluster(monkeypatch, tmp_path):
    monkeypatch.setenv("BDP_OPENSEARCH_PASSWORD", "not-used")
    # A fresh checkout has no deployed inventory, so no copy of its platform CA.
    ca_file = tmp_path / "platform-ca.crt"
    ca_file.write_text("not read: connect() is replaced\n")
    monkeypatch.setenv("BDP_CA_FILE", str(ca_file))

    def install(response: dict) -> FakeFetch:
        fetch = FakeFetch(response)
        monkeypatch.setattr(cli, "connect", lambda where: fetch)
        return fetch

    return install


def test_stats_command_prints_the_counts(fake_cluster, capsys):
    fetch = fake_cluster(STATS_RESPONSE)
    assert main(["logs", "search", "--url", "https://x:9200", "--stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["services"] == {"kafka": 1200, "collector-game": 34}
    assert fetch.bodies[0]["size"] == 0


def test_ctrl_c_ends_follow_quietly_with_status_0(fake_cluster, monkeypatch, capsys):
    fake_cluster({"hits": {"hits": []}})

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "follow", interrupted)
    assert main(["logs", "search", "--url", "https://x:9200", "--follow"]) == 0
    assert capsys.readouterr() == ("", "")
