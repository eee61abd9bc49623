"""Correlation computed on read from the value index (no table of pairs)."""
