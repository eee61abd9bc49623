"""Clients of a threatmesh or MISP server over HTTP, used by detectors, honeypots,
deployers, sync and the CLI. I/O layer: may import ``model``, ``formats`` and
``privacy``. Holds no settings: callers pass URL, key and options in.

``misp.MispClient`` (sync) talks to any MISP-compatible instance through one ``httpx``
client per remote, so tests can hand in an in-memory transport. Every HTTP exchange of
:class:`ThreatmeshClient` goes through its ``request`` method, so an authorization step
(UMA) can wrap one method; the detection publisher uses PyMISP.
"""
