"""Enrichment modules in the style of MISP modules: what an attribute expands into.

``base`` states the interface (an :class:`~.base.Enricher` turns one attribute into an
:class:`~.base.Expansion`: new attributes and tags, each saying which module made it from
what) and the registry of module factories; ``modules`` holds the pure ones
(warninglists, an IP-to-ASN table, an in-memory lookup). Modules that need the world
(reverse DNS, the platform's honeypot data) live in ``sensors/enrichment`` and
``services/enrich``; all are registered by name in :data:`~.base.ENRICHERS`.
"""
