"""Privacy: CP-ABE (``abe``), blind indexes and, later, anonymizers and authorization.

Pure: may import ``model`` only; no sockets, files, database or wall clock. Randomness
comes from the operating system's CSPRNG through the cryptographic libraries.
"""
