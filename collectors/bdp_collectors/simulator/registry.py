"""Which generator simulates which source: each generator class says so with @simulates.

A source's generator lives in its own module of this package (simulator/<source>.py by
custom) and is decorated `@simulates("<source>")`. `generators()` imports every module of the
package, which runs those decorators, so a new generator is served without being listed
anywhere. A source without a generator is simply not simulated (its collector then points at
a real API).
"""

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeVar

from bdp_collectors import simulator
from bdp_collectors.simulator.base import Generator

G = TypeVar("G", bound=type[Generator])

_BY_SOURCE: dict[str, type[Generator]] = {}


def simulates(source: str) -> Callable[[G], G]:
    """Class decorator: the decorated generator makes the events of `source`."""

    def register(generator: G) -> G:
        known = _BY_SOURCE.setdefault(source, generator)
        if known is not generator:
            raise ValueError(
                f"{generator.__module__}.{generator.__name__} and "
                f"{known.__module__}.{known.__name__} both simulate {source!r}"
            )
        return generator

    return register


@functools.cache
def generators() -> Mapping[str, type[Generator]]:
    """Every simulated source's generator class, by source name."""
    # Import lazily, at the first call, not when this module loads: the stream and service
    # modules import each other's names, and would meet half-initialised modules otherwise.
    for module in pkgutil.iter_modules(simulator.__path__):
        importlib.import_module(f"{simulator.__name__}.{module.name}")
    return MappingProxyType(dict(sorted(_BY_SOURCE.items())))
