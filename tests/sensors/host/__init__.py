"""Tests of the host sensors."""
