"""Event API simulator and collectors of the platform's event sources.

The sources are those with an event schema (schemas/events/, listed by `bdp.sources`); the
simulator serves those with a generator (`simulator.registry`).
"""
