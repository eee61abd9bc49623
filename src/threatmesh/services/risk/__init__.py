"""Risk of compromise use cases: a host's probability of compromise, explained, from
what the platform holds (``hosts``, behind ``GET /risk/hosts/{host}``) or from what any
MISP-compatible server answers through its REST API (``remote``, behind
``threatmesh risk show``). Both read the same MISP facts with ``honeypots.risk.facts``
and score them with ``honeypots.risk.model``."""
