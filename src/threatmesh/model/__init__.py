"""The MISP core format and its rules: pure, no I/O, no clock, no database.

Everything here is plain data and functions over it, so the rules (validation,
distribution, access control) can be tested exhaustively and reused by every layer.
"""
