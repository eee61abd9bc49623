"""Routers of MISP's collaboration controllers: blocklists, correlation exclusions,
event reports, analyst data, feeds and communities, event delegations."""
