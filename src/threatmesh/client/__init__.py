"""Clients of the platform's MISP REST API (PyMISP underneath), used by detectors,
honeypots and deployers. I/O layer: may import ``model`` and ``formats`` only; talks to
any MISP-compatible server, threatmesh or MISP itself."""
