"""A second, fault-free event stream on a collectors host, for benchmarks and drills: an event
API and a collector on the host's loopback, into a topic of the platform's Kafka.

Pure: configs and shell commands; the caller runs them (labkit in tests, labhost in bench/).
The Kafka admin password is read on the host from the broker's admin.properties and the API's
token is random, so no secret crosses a command line or Ansible's output.
"""

import json
from typing import Any

HOST = "de-kafka-cluster-1"
WORK = "/var/tmp/bdp-bench"
# Creates WORK, where the collector writes its cursor and logs; run before copying files in.
WORK_DIR_COMMAND = f"mkdir -p {WORK}/logs && chown -R collector {WORK}"
ADMIN_PROPERTIES = "/etc/bdp/kafka/admin.properties"
# The platform CA on every host (bdp_ca_certificate): it signs the brokers' certificates.
CA_FILE = "/etc/bdp/tls/platform-ca.crt"
PYTHON = "/opt/bdp/collectors-venv/bin/python"
NO_FAULTS = dict.fromkeys(
    (
        "duplicate", "late", "malformed_json", "schema_violation", "oversized",
        "throttle", "server_error", "html", "cursor_backwards",
    ),
    0.0,
)  # fmt: skip
HOST_ENV = (
    "set -a; BDP_EVENT_API_TOKEN=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_'); "
    "BDP_KAFKA_PASSWORD=$(sed -n 's/.*password=\"\\(.*\\)\".*/\\1/p' " + ADMIN_PROPERTIES + "); "
    "PYTHONPATH=/opt/bdp/collectors/lib; BDP_LOG_DIR=" + WORK + "/logs; set +a; "
)
BOOTSTRAP = f"$(sed -n 's/^bootstrap.servers=//p' {ADMIN_PROPERTIES})"


def api_config(
    port: int, seed: int, events: int, rate: float, start_date: str, timezone: str = "UTC"
) -> dict[str, Any]:
    """One day of `events` game events released at `rate`/s (0: all at once), no faults."""
    return {
        "bind": "127.0.0.1",
        "port": port,
        "token_env": "BDP_EVENT_API_TOKEN",
        "seed": seed,
        "start_date": start_date,
        "days": 1,
        "timezone": timezone,
        "events_per_day": events,
        "release_rate": rate,
        "state_file": f"{WORK}/api-{port}.state.json",
        "max_page_size": 1000,
        "faults": NO_FAULTS,
    }


def collector_config(port: int, topic: str, dlq: str, bootstrap: str) -> dict[str, Any]:
    return {
        "source": "game",
        "endpoint": f"http://127.0.0.1:{port}/v1/game/events",
        "auth_env": "BDP_EVENT_API_TOKEN",
        "page_size": 1000,
        "poll_interval_s": 0.2,
        "cursor_file": f"{WORK}/cursor-{port}.json",
        "schema_file": "/opt/bdp/collectors/schemas/game.json",
        "kafka": {
            "bootstrap": bootstrap,
            "ca_file": CA_FILE,
            "user": "admin",
            "password_env": "BDP_KAFKA_PASSWORD",
            "topic": topic,
            "dlq_topic": dlq,
        },
    }


def files(port: int, api: dict[str, Any], topic: str, dlq: str) -> dict[str, str]:
    """Path -> content of the stream's configs; the collector's bootstrap is filled in on the
    host (`write_files_command`)."""
    return {
        f"{WORK}/api-{port}.json": json.dumps(api),
        f"{WORK}/collector-{port}.json": json.dumps(collector_config(port, topic, dlq, "@B@")),
    }


def prepare_command(port: int) -> str:
    """Fresh state for a stream on `port`, with no process left of an interrupted one (an old
    API would keep the port, with another token); the collector config gets the brokers'
    addresses."""
    return (
        f"{WORK_DIR_COMMAND} && cd {WORK}"
        f" && {{ pkill -f -- '--config (api|collector)-{port}.json' || true; }}"
        f" && rm -f api-{port}.state.json cursor-{port}.json"
        f' && sed -i "s|@B@|{BOOTSTRAP}|" collector-{port}.json'
    )


def run_command(port: int) -> str:
    """Start the API, wait until it answers, run the collector to the stream's end, stop the
    API; prints `seconds <collector's run time> rc <collector's exit code>`."""
    return (
        f"cd {WORK} && ({HOST_ENV}"
        f" nohup {PYTHON} -m bdp_collectors.api --config api-{port}.json > api-{port}.out 2>&1 &"
        " api=$!;"
        f" for _ in $(seq 600); do python3 -c 'import urllib.request as u;"
        f' u.urlopen("http://127.0.0.1:{port}/healthz")\' 2>/dev/null && break;'
        f" sleep 0.5; done; start=$(date +%s.%N);"
        f" {PYTHON} -m bdp_collectors.collector --config collector-{port}.json --stop-at-end"
        f" > collector-{port}.out 2>&1;"
        f" rc=$?; end=$(date +%s.%N); kill $api;"
        f' echo "seconds $(python3 -c "print($end - $start)") rc $rc")'
    )
