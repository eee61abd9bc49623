"""The Python client of a threatmesh (or MISP) server, used by detectors, honeypots,
deployers and the CLI. I/O layer: may import ``model``, ``formats`` and ``privacy``;
talks to any MISP-compatible server, threatmesh or MISP itself.

Every HTTP exchange of :class:`ThreatmeshClient` goes through its ``request`` method, so
an authorization step (UMA) can wrap one method; the detection publisher uses PyMISP.
"""
