"""Modules the platform's services share on the hosts, outside any one service's package.

The roles copy each where it runs: the logging contract (platformlog) and the Prometheus text
format writer (exposition) beside the collectors and the platform exporter, the warehouse
tools (warehouse) to the MariaDB host, the log retention script (log_retention) to an
OpenSearch host. Standard library only, except where a module says otherwise.
"""
