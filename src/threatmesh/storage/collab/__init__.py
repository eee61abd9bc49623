"""Storage of MISP's collaboration records: event and organisation blocklists,
correlation exclusions, event reports, analyst data (notes, opinions, relationships)
and feeds, event delegation requests (inside the caller's transaction)."""
