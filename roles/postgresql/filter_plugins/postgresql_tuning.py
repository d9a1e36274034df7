"""Memory settings of PostgreSQL from the memory it may use and its connection limit.

A pure function, so the postgresql role renders the same settings for the same host on
every run and tests can check the arithmetic without a database.
"""

from typing import Any

# Beyond these, more memory gives the metadata database of Airflow nothing measurable.
SHARED_BUFFERS_CAP_MB = 8192
MAINTENANCE_WORK_MEM_CAP_MB = 1024
WORK_MEM_CAP_KB = 64 * 1024
WORK_MEM_FLOOR_KB = 4 * 1024
# A query may use work_mem several times (one per sort or hash node).
WORK_MEM_USES_PER_CONNECTION = 3


def postgresql_tuning(memory_mb: int, max_connections: int) -> dict[str, str]:
    """postgresql.conf memory settings for a host that runs PostgreSQL alone.

    shared_buffers is a quarter of the memory; the planner may count on the rest as page
    cache; work_mem shares what shared_buffers leaves among all connections, so that
    every connection sorting at once still fits.
    """
    if memory_mb <= 0 or max_connections <= 0:
        raise ValueError(
            f"postgresql: memory ({memory_mb} MiB) and max_connections ({max_connections}) "
            "must be positive"
        )
    shared_buffers_mb = min(memory_mb // 4, SHARED_BUFFERS_CAP_MB)
    work_mem_kb = (
        (memory_mb - shared_buffers_mb) * 1024 // (max_connections * WORK_MEM_USES_PER_CONNECTION)
    )
    return {
        "max_connections": str(max_connections),
        "shared_buffers": f"{shared_buffers_mb}MB",
        "effective_cache_size": f"{memory_mb * 3 // 4}MB",
        "maintenance_work_mem": f"{min(max(memory_mb // 16, 64), MAINTENANCE_WORK_MEM_CAP_MB)}MB",
        "work_mem": f"{min(max(work_mem_kb, WORK_MEM_FLOOR_KB), WORK_MEM_CAP_KB)}kB",
    }


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"postgresql_tuning": postgresql_tuning}
