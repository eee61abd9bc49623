"""Tests of host anomaly detection (pure)."""
