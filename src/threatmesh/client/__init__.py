"""The Python client of a threatmesh (or MISP) server, used by detectors, honeypots,
deployers and the CLI. I/O layer: may import ``model``, ``formats`` and ``privacy``.

Every HTTP exchange goes through :meth:`ThreatmeshClient.request`, so an authorization
step (UMA) can wrap one method.
"""
