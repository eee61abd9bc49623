"""Clients of remote MISP-compatible instances (MISP or threatmesh) over HTTP.

Depends on ``model`` and ``formats`` only. Holds no settings: callers pass URL, key and
options in. Network I/O goes through one ``httpx`` client per remote, so tests can hand
in an in-memory transport.
"""
