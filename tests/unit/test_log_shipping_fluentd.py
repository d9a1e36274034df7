"""The fluentd implementation of the log shipper: its configuration rendered by Ansible.

The role's template is rendered by ansible-playbook (the real template engine and filters)
with the role's defaults and a small inventory, then read back with a minimal parser of
Fluentd's configuration syntax and checked against the log contract.
"""

import json
import re
import sys
from dataclasses import dataclass, field

import pytest
import yaml

from bdp_testkit.helpers import REPO, run_tool

ROLE = REPO / "roles" / "log_shipping"
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
PKI_VARS = REPO / "ansible" / "group_vars" / "all" / "pki.yml"
BUFFER_DIR = DEFAULTS["log_shipping_buffer_dir"]
# The files the rendered host (a kafka and log aggregator host) tails, in the role's order.
SOURCES = [
    source
    for group, sources in DEFAULTS["log_shipping_service_logs"].items()
    if group in {"all", "kafka", "log_aggregators"}
    for source in sources
]
HOST = "de-kafka-cluster-1"
# Characters that a naive quoting would break: quote, backslash, " #" (comment) and #{}.
OPENSEARCH_PASSWORD = "os'pa\\ss #{x} w"
KAFKA_PASSWORD = "k@fka secret"

INVENTORY = {
    "all": {
        "vars": {
            "vault_opensearch_log_writer_password": OPENSEARCH_PASSWORD,
            "vault_kafka_log_shipper_password": KAFKA_PASSWORD,
        },
        "hosts": {
            "de-kafka-cluster-1": {"bdp_address": "10.0.0.21"},
            "de-kafka-cluster-2": {"bdp_address": "10.0.0.22"},
            "de-kafka-cluster-3": {"bdp_address": "10.0.0.23"},
            "de-os-coordinator": {"bdp_address": "10.0.0.32"},
        },
        "children": {
            "kafka": {"hosts": {f"de-kafka-cluster-{i}": {} for i in (1, 2, 3)}},
            "log_aggregators": {"hosts": {f"de-kafka-cluster-{i}": {} for i in (1, 2, 3)}},
            "opensearch_coordinator": {"hosts": {"de-os-coordinator": {}}},
        },
    }
}
# Rendered file -> task vars (on top of the role defaults).
VARIANTS = {
    "default": {},
    "no-opensearch": {"log_shipping_opensearch_enabled": False},
    "no-kafka": {"log_shipping_kafka_enabled": False},
    "forwarder": {"log_shipping_aggregator": False},
}
FACTS = {"distribution": "Debian", "distribution_release": "bookworm"}


@dataclass
class Directive:
    name: str
    arg: str
    params: dict[str, str] = field(default_factory=dict)
    children: list["Directive"] = field(default_factory=list)

    def walk(self):
        for child in self.children:
            yield child
            yield from child.walk()

    def find(self, name: str, **params: str) -> list["Directive"]:
        return [
            d
            for d in self.walk()
            if d.name == name and all(d.params.get(k) == v for k, v in params.items())
        ]

    def only(self, name: str, **params: str) -> "Directive":
        found = self.find(name, **params)
        assert len(found) == 1, f"expected one <{name} {params}>, found {len(found)}"
        return found[0]


def parse_fluentd(text: str) -> Directive:
    """Nested <directive arg> ... </directive> blocks of `key value` lines."""
    root = Directive("ROOT", "")
    stack = [root]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if closing := re.fullmatch(r"</([\w@]+)>", line):
            assert len(stack) > 1, f"line {number}: {line} closes nothing"
            assert stack[-1].name == closing[1], f"line {number}: {line} in <{stack[-1].name}>"
            stack.pop()
        elif opening := re.fullmatch(r"<([\w@]+)(?:\s+(.+?))?>", line):
            directive = Directive(opening[1], opening[2] or "")
            stack[-1].children.append(directive)
            stack.append(directive)
        else:
            key, _, value = line.partition(" ")
            assert key not in stack[-1].params, f"line {number}: {key} given twice"
            stack[-1].params[key] = value.strip()
    assert len(stack) == 1, f"unclosed <{stack[-1].name}>"
    return root


def unquote(value: str) -> str:
    """A Fluentd single-quoted string (only \\' and \\\\ are escapes)."""
    assert re.fullmatch(r"'(?:[^'\\]|\\.)*'", value), f"not one single-quoted string: {value}"
    return re.sub(r"\\(['\\])", r"\1", value[1:-1])


def ruby_regex(pattern: str) -> re.Pattern:
    """A Ruby /regexp/ as used here, for Python's re (named groups, \\z)."""
    assert pattern.startswith("/") and pattern.endswith("/"), pattern
    body = pattern[1:-1].replace("(?<", "(?P<").replace(r"\z", r"\Z")
    return re.compile(body, re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("fluentd")
    inventory = tmp / "hosts.yml"
    inventory.write_text(yaml.safe_dump(INVENTORY))
    tasks = [
        {
            "name": f"Render {variant}",
            "ansible.builtin.template": {
                "src": str(ROLE / "templates" / "fluentd" / "fluentd.conf.j2"),
                "dest": str(tmp / f"{variant}.conf"),
                "mode": "0600",
            },
            "vars": overrides,
        }
        for variant, overrides in VARIANTS.items()
    ]
    tasks.append(
        {
            "name": "Render the apt source",
            "ansible.builtin.template": {
                "src": str(ROLE / "templates" / "fluentd" / "fluent-package.sources.j2"),
                "dest": str(tmp / "sources"),
                "mode": "0600",
            },
            "vars": {"ansible_facts": FACTS},
        }
    )
    playbook = tmp / "render.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "hosts": HOST,
                    "connection": "local",
                    "gather_facts": False,
                    "vars_files": [
                        str(PKI_VARS),
                        str(ROLE / "defaults" / "main.yml"),
                        str(ROLE / "vars" / "main.yml"),
                    ],
                    "tasks": tasks,
                }
            ]
        )
    )
    result = run_tool(
        "ansible-playbook",
        "-i",
        str(inventory),
        str(playbook),
        "-e",
        f"ansible_python_interpreter={sys.executable}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {path.stem: path.read_text() for path in tmp.iterdir() if path.suffix == ".conf"} | {
        "sources": (tmp / "sources").read_text()
    }


@pytest.fixture(scope="module")
def config(rendered) -> Directive:
    return parse_fluentd(rendered["default"])


def label_named(config: Directive, name: str) -> Directive:
    found = [d for d in config.children if d.name == "label" and d.arg == name]
    assert len(found) == 1, f"expected one <label {name}>, found {len(found)}"
    return found[0]


def test_every_variant_is_balanced_and_marked_as_managed(rendered):
    for variant in VARIANTS:
        assert rendered[variant].startswith("# Ansible managed\n")
        parse_fluentd(rendered[variant])  # raises on unbalanced or duplicated keys


def test_local_services_forward_on_loopback_and_forwarders_relay_over_tls(config):
    local = config.only("source", **{"@id": "in_forward"})
    assert local.params["port"] == str(DEFAULTS["log_shipping_forward_port"]) == "24224"
    assert local.params["bind"] == "127.0.0.1"
    assert local.params["@label"] == "@CONTRACT"
    relay = config.only("source", **{"@id": "in_relay"})
    assert relay.params["bind"] == "10.0.0.21"
    assert relay.params["port"] == str(DEFAULTS["log_shipping_relay_port"])
    assert relay.params["@label"] == "@CONTRACT"
    tls = relay.only("transport", **{"client_cert_auth": "true"})
    assert tls.arg == "tls"
    assert tls.params["cert_path"] == f"{DEFAULTS['log_shipping_tls_dir']}/shipper.crt"


def test_one_tail_input_per_source_with_its_own_position_file(config):
    tails = config.find("source", **{"@type": "tail"})
    sources = SOURCES
    assert [t.params["path"] for t in tails] == [s["path"] for s in sources]
    positions = [t.params["pos_file"] for t in tails]
    assert len(set(positions)) == len(sources)
    assert all(p.startswith(f"{BUFFER_DIR}/") for p in positions)
    assert len({t.params["tag"] for t in tails}) == len(sources)
    for tail in tails:
        assert tail.params["path_key"] == "_bdp_file"
        assert tail.params["@label"] == "@CONTRACT"


def test_java_sources_join_continuation_lines_and_read_level_and_logger(config):
    contract = label_named(config, "@CONTRACT")
    java = [s for s in SOURCES if s["format"] == "java"]
    tails = [
        t
        for t in config.find("source", **{"@type": "tail"})
        if t.params["path"] in {s["path"] for s in java}
    ]
    assert len(tails) == len(java) == 3
    kafka = (
        "[2026-11-22 14:20:15,123] ERROR [KafkaServer id=1] Fatal error during startup"
        " (kafka.server.KafkaServer)\njava.lang.IllegalStateException: boom\n"
        "\tat kafka.server.KafkaServer.startup(KafkaServer.scala:10)"
    )
    hadoop = "2026-11-22 14:20:15,123 WARN org.apache.hadoop.hdfs.DataNode: Slow write"
    for tail in tails:
        parse = tail.only("parse")
        assert parse.params["@type"] == "multiline"
        assert parse.params["time_key"] == "logtime"
        firstline = ruby_regex(parse.params["format_firstline"])
        assert firstline.match(kafka.splitlines()[0]) and firstline.match(hadoop)
        assert not any(firstline.match(line) for line in kafka.splitlines()[1:])
        record = ruby_regex(parse.params["format1"])
        parsed = record.match(kafka).groupdict()
        assert parsed["logtime"] == "2026-11-22 14:20:15,123"
        assert parsed["level"] == "ERROR"
        assert parsed["message"].startswith("[KafkaServer id=1] Fatal error")
        assert parsed["message"].endswith("(KafkaServer.scala:10)")  # stack trace joined
        assert record.match(hadoop).groupdict()["level"] == "WARN"
        # The per-source filter recognises the logger in both styles, and keeps the file.
        filters = contract.find("filter")
        context = next(f for f in filters if f.arg == tail.params["tag"]).only("record")
        expression = context.params["context"]
        assert 'c["file"] = record["_bdp_file"]' in expression
        loggers = [ruby_regex(p) for p in re.findall(r"match\((/.+?/)\)", expression)]
        assert len(loggers) == 2

        def logger(line: str, patterns: list[re.Pattern] = loggers) -> str | None:
            found = next((m for m in (p.search(line) for p in patterns) if m), None)
            return found[1] if found else None

        assert logger(parsed["message"].splitlines()[0]) == "kafka.server.KafkaServer"
        assert logger(record.match(hadoop)["message"]) == "org.apache.hadoop.hdfs.DataNode"
        assert logger("Rolled segment (ok)") is None


def test_jsonl_sources_keep_lines_that_are_not_json(config):
    contract = label_named(config, "@CONTRACT")
    for source in (s for s in SOURCES if s["format"] == "jsonl"):
        tail = config.only("source", **{"@type": "tail", "path": source["path"]})
        assert tail.only("parse").params["@type"] == "none"
        parser = next(
            f for f in contract.find("filter", **{"@type": "parser"}) if f.arg == tail.params["tag"]
        )
        assert parser.params["reserve_data"] == "true"
        assert parser.params["key_name"] == tail.only("parse").params["message_key"]
        assert parser.only("parse").params["@type"] == "json"
        fallback = next(
            f
            for f in contract.find("filter", **{"@type": "record_transformer"})
            if f.arg == tail.params["tag"]
        )
        assert f'"{source["service"]}"' in fallback.only("record").params["service"]


def test_every_record_is_reduced_to_the_contract(config):
    contract = label_named(config, "@CONTRACT")
    shaper = contract.only("filter", **{"@id": "contract"})
    assert shaper.arg == "**"
    assert shaper.params["renew_record"] == "true"
    fields = shaper.only("record").params
    assert set(fields) == {"time", "host", "service", "level", "message", "context", "_bdp_epoch"}
    assert shaper.params["renew_time_key"] == "_bdp_epoch"
    assert contract.only("filter", **{"@id": "contract_cleanup"}).params["remove_keys"] == (
        "_bdp_epoch"
    )
    assert 'getutc.strftime("%Y-%m-%dT%H:%M:%S.%LZ")' in fields["time"]
    assert f'"{HOST}"' in fields["host"]
    level = fields["level"]
    assert 'when "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" then l' in level
    assert 'when "WARNING" then "WARN"' in level
    assert 'when "CRITICAL", "SEVERE" then "FATAL"' in level
    assert 'else "INFO"' in level
    # The contract filter comes after every per-source filter.
    assert contract.children.index(shaper) > max(
        contract.children.index(f) for f in contract.find("filter") if f.arg.startswith("tail.")
    )


def test_records_are_copied_to_both_outputs(config):
    copy = label_named(config, "@CONTRACT").only("match", **{"@type": "copy"})
    targets = sorted(store.params["@label"] for store in copy.find("store"))
    assert targets == ["@KAFKA", "@OPENSEARCH"]


def test_opensearch_output(config):
    output = label_named(config, "@OPENSEARCH").only("match", **{"@type": "opensearch"})
    params = output.params
    assert params["hosts"] == "de-os-coordinator:9200"
    assert params["scheme"] == "https"
    assert params["ca_file"] == yaml.safe_load(PKI_VARS.read_text())["bdp_ca_certificate"]
    assert unquote(params["user"]) == "log_writer"
    assert unquote(params["password"]) == OPENSEARCH_PASSWORD
    assert params["index_name"] == "logs-${service}-%Y.%m.%d"
    buffer = output.only("buffer")
    assert [key.strip() for key in buffer.arg.split(",")] == ["service", "time"]
    assert buffer.params["@type"] == "file"
    assert buffer.params["path"].startswith(f"{BUFFER_DIR}/")
    assert buffer.params["timekey"] == "1d"
    assert buffer.params["timekey_use_utc"] == "true"
    assert buffer.params["total_limit_size"] == f"{DEFAULTS['log_shipping_buffer_max_mb']}m"
    assert buffer.params["retry_forever"] == "true"
    assert buffer.params["retry_type"] == "exponential_backoff"


def test_opensearch_retries_rejected_bulk_items(config):
    """429 (rejected_execution_exception) must be retried, never treated as unrecoverable."""
    opensearch = label_named(config, "@OPENSEARCH")
    output = opensearch.only("match", **{"@type": "opensearch"})
    unrecoverable = json.loads(output.params["unrecoverable_error_types"])
    assert "rejected_execution_exception" not in unrecoverable
    assert "es_rejected_execution_exception" not in unrecoverable
    # Rejected items are re-emitted under retry_tag: it must come back to this output (a
    # chunk keyed by service and time has no tag of its own to fall back on).
    assert output.params["retry_tag"]
    assert [m.arg for m in opensearch.children if m.name == "match"] == ["**"]


def test_kafka_output(config):
    output = label_named(config, "@KAFKA").only("match", **{"@type": "kafka2"})
    params = output.params
    assert params["brokers"] == "10.0.0.21:9092,10.0.0.22:9092,10.0.0.23:9092"
    assert params["default_topic"] == "platform-logs"
    assert params["required_acks"] == "-1"
    assert unquote(params["username"]) == "log-shipper"
    assert unquote(params["password"]) == KAFKA_PASSWORD
    assert params["scram_mechanism"] == "sha512"
    assert params["sasl_over_ssl"] == "true"
    assert params["ssl_ca_cert"] == yaml.safe_load(PKI_VARS.read_text())["bdp_ca_certificate"]
    assert output.only("format").params["@type"] == "json"
    buffer = output.only("buffer")
    assert buffer.params["@type"] == "file"
    assert buffer.params["path"].startswith(f"{BUFFER_DIR}/")


def test_disabled_outputs_are_left_out(rendered):
    without_opensearch = parse_fluentd(rendered["no-opensearch"])
    assert "@type opensearch" not in rendered["no-opensearch"]
    assert not [d for d in without_opensearch.children if d.arg == "@OPENSEARCH"]
    copy = label_named(without_opensearch, "@CONTRACT").only("match", **{"@type": "copy"})
    assert [s.params["@label"] for s in copy.find("store")] == ["@KAFKA"]
    without_kafka = parse_fluentd(rendered["no-kafka"])
    assert "kafka2" not in rendered["no-kafka"]
    copy = label_named(without_kafka, "@CONTRACT").only("match", **{"@type": "copy"})
    assert [s.params["@label"] for s in copy.find("store")] == ["@OPENSEARCH"]


def test_a_forwarder_sends_every_record_to_the_aggregators_only(rendered):
    forwarder = parse_fluentd(rendered["forwarder"])
    contract = label_named(forwarder, "@CONTRACT")
    out = contract.only("match", **{"@type": "forward"})
    assert out.params["require_ack_response"] == "true"
    servers = [(s.params["name"], s.params["host"], s.params["port"]) for s in out.find("server")]
    assert servers == [
        (f"de-kafka-cluster-{i}", f"10.0.0.2{i}", str(DEFAULTS["log_shipping_relay_port"]))
        for i in (1, 2, 3)
    ]
    assert (out.params["transport"], out.params["tls_verify_hostname"]) == ("tls", "true")
    assert "in_relay" not in rendered["forwarder"]
    assert out.only("buffer").params["path"].startswith(f"{BUFFER_DIR}/")
    assert out.only("buffer").params["retry_forever"] == "true"
    assert "opensearch" not in rendered["forwarder"] and "kafka2" not in rendered["forwarder"]


def test_fluentds_own_log_stays_out_of_the_pipeline(config):
    assert (
        config.only("system").params["log_level"]
        == DEFAULTS["log_shipping_fluentd_package_log_level"]
    )
    own = label_named(config, "@FLUENT_LOG")
    problems = own.only("match", **{"@type": "file"})
    assert problems.arg == "fluent.{warn,error,fatal}"
    assert problems.params["path"].startswith(
        DEFAULTS["log_shipping_fluentd_package_log_dir"] + "/"
    )
    assert own.only("match", **{"@type": "null"}).arg == "fluent.**"


def test_apt_source_is_the_lts_repository_of_the_hosts_release(rendered):
    lines = dict(line.split(": ", 1) for line in rendered["sources"].splitlines() if ": " in line)
    base = DEFAULTS["log_shipping_fluentd_apt_repo_base_url"]
    assert lines["URIs"] == f"{base}/debian/bookworm/"
    assert lines["Suites"] == "bookworm"
    assert lines["Components"] == "contrib"
    assert lines["Signed-By"].split(",") == [
        k["dest"] for k in DEFAULTS["log_shipping_fluentd_apt_keys"]
    ]


def test_configuration_task_protects_the_secrets():
    tasks = yaml.safe_load((ROLE / "tasks" / "fluentd.yml").read_text())
    assert all(task.get("name") for task in tasks)
    template = next(
        t
        for t in tasks
        if t.get("ansible.builtin.template", {}).get("src") == ("fluentd/fluentd.conf.j2")
    )
    module = template["ansible.builtin.template"]
    assert template["no_log"] is True
    assert module["mode"] == "0640"
    assert module["owner"] == "root"
    assert module["group"] == "{{ log_shipping_fluentd_package_group }}"
    assert "--dry-run -c %s" in module["validate"]
    assert template["notify"] == "Restart fluentd"
    handlers = yaml.safe_load((ROLE / "handlers" / "main.yml").read_text())
    assert "Restart fluentd" in [h["name"] for h in handlers]
    gem = next(t for t in tasks if "community.general.gem" in t)
    assert gem["community.general.gem"]["executable"] == "{{ log_shipping_fluentd_package_gem }}"
    assert {g["name"] for g in DEFAULTS["log_shipping_fluentd_plugin_gems"]} == {
        "fluent-plugin-opensearch",
        "fluent-plugin-kafka",
    }


def test_parser_rejects_unbalanced_directives():
    with pytest.raises(AssertionError):
        parse_fluentd("<label @X>\n  <match **>\n</label>\n")
    with pytest.raises(AssertionError):
        parse_fluentd("<source>\n  @type tail\n")
