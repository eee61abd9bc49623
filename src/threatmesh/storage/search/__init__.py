"""restSearch and index queries, read in pages (and the fast path of a plain value lookup)."""
