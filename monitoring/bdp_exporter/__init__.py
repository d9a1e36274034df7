"""The platform exporter: one Prometheus endpoint for what no other exporter sees.

It reads the lake writer's state and the daily ETL's run reports through WebHDFS, asks
OpenSearch for its cluster health and reads the certificate of each TLS endpoint, and serves
the result at /metrics. Standard library only: it runs on the monitoring host's system Python.
The pure parts (`lake`, `etl`, `days`) turn documents into samples, `metrics` groups them
into the families `bdp_runtime.exposition` renders; the probes (`webhdfs`, `opensearch`, `tls`) and
`collector` do the I/O.
"""
