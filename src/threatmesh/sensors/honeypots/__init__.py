"""Honeypots as sensors: Cowrie run as an unprivileged process (``cowrie_run``) and its
JSON log followed into sessions (``cowrie_log``)."""
