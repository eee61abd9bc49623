"""Privacy: pure privacy-enhancing techniques applied to MISP data (the anonymizer today).

May import ``model`` only. Pure: no sockets, files, database, web or wall clock; keys and
random sources are passed in by the caller (``services``).
"""
