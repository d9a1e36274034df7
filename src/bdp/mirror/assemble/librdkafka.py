"""librdkafka: the self-contained shared library that the confluent-kafka wheel bundles.

Debian 12 ships librdkafka 2.0.2 and Ubuntu 24.04 2.3.0; both send a malformed SCRAM
client-final message that Kafka 4 rejects (fixed in librdkafka 2.6.1). The wheel's build
links only libc, so it runs on any glibc >= 2.28 host.
"""

from __future__ import annotations

import re

from bdp.mirror.assemble.common import Assembly, Workspace
from bdp.mirror.components import LIBRDKAFKA_WHEEL, Component
from bdp.mirror.pypi import download_wheel
from bdp.mirror.staging import require_paths, unpack_zip

_BUNDLED = re.compile(r"^confluent_kafka\.libs/librdkafka-[0-9a-f]+\.so\.1$")


def assemble(component: Component, ws: Workspace) -> Assembly:
    wheel_name = LIBRDKAFKA_WHEEL.format(version=component.version)
    wheel = download_wheel(
        component.name,
        "confluent-kafka",
        component.version,
        wheel_name,
        ws.downloads / "pypi",
        ws.log,
    )
    top = component.top_dir
    count = unpack_zip(
        wheel, lambda name: f"{top}/lib/librdkafka.so.1" if _BUNDLED.match(name) else None, ws.stage
    )
    ws.log(f"took {count} library file(s) from {wheel.name}")
    require_paths(ws.root(component), ["lib/librdkafka.so.1"], wheel.name)
    return Assembly(sources=component.sources)
