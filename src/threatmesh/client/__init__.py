"""The Python client used by detectors, honeypots, deployers and people (MISP API and
threatmesh's own endpoints).

I/O layer (``httpx``); may import ``model`` and ``formats`` only, never the server side.
"""
