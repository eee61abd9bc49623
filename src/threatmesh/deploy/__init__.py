"""Decoy deployment backends: what starts and stops a decoy's listener somewhere, behind
one interface (``base.Backend``), registered by name (``base.BACKENDS``): ``memory``
(records, runs nothing: for tests and dry runs), ``local`` (one process per decoy on
this host, the default), ``docker`` (one container per decoy, Docker Engine API),
``ssh`` (decoys on a remote host over SSH) and ``kubernetes`` (a Pod and a Service per
decoy, the official client).

Ring 2: may import ``model`` and ``honeypots``; never ``sensors`` (a local decoy is a
process running ``python -m threatmesh.sensors.decoys``, named, not imported)."""
