"""Trusted sharing: the provenance log and its head, reputation evidence."""
