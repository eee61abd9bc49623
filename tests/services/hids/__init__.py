"""Tests of the host anomaly detection use cases."""
