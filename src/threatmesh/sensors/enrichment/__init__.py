"""Enrichment modules that look at the world: reverse DNS (``dns``) and the IP-to-ASN
table read from a local file (``asn_file``). Importing the package registers them."""

from threatmesh.sensors.enrichment import asn_file, dns

__all__ = ["asn_file", "dns"]
