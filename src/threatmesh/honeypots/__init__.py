"""Honeypots, host monitoring and risk, as pure logic: the risk engine (``risk/``) and
host anomaly detection (``hids/``); decoy emulations and the placement policy.

Pure: may import ``model`` only; no sockets, files, processes, database or wall clock
(``now`` is passed in). Reading a host's logs and ``/proc`` is ``sensors/host``; talking to
the platform is ``client`` and ``services``.
"""
