"""The key authority's and protected intelligence's tables, records and master key files."""
