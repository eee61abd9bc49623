"""Storage of MISP's collaboration records: event and organisation blocklists,
correlation exclusions, event reports, analyst data (notes, opinions, relationships),
feeds, event delegation requests and attribute proposals (inside the caller's
transaction)."""
