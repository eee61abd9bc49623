"""Tests of the risk engine (pure)."""
