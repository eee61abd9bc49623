"""Formats: pure conversions between bytes/dicts and the model (MISP JSON today).

May import ``model`` only; no I/O.
"""
