"""Search use cases: MISP restSearch and index parameters."""
