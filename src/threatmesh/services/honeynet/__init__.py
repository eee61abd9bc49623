"""The honeynet: Cowrie sessions reported to a MISP-compatible platform through its REST
API (``ingest``), and Cowrie run as an unprivileged process (``run``)."""
