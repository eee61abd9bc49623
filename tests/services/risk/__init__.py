"""Tests of the risk use cases."""
