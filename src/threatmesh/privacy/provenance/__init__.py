"""The provenance log as pure functions: canonical JSON, hash-chained Ed25519-signed
records, verification that names what was tampered with, and event content digests."""
