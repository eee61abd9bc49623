"""Tests of the pure honeypots layer: risk, campaigns, CVSS, HIDS."""
