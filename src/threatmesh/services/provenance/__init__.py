"""The provenance log and source reputation."""
