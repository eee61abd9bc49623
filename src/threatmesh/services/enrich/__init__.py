"""Enrichment of the platform's events by modules (``model/enrichment``,
``sensors/enrichment``, the honeypot module here), through the MISP REST API only."""
