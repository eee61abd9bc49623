"""Privacy: pure privacy-enhancing techniques applied to MISP data: the anonymizer
(``anonymizer``), CP-ABE (``abe``), blind indexes, UMA
authorization decisions (``authz``), the provenance chain (``provenance``) and source
reputation (``reputation``).

May import ``model`` only. Pure: no sockets, files, database, web or wall clock; keys and
random sources are passed in by the caller (``services``) or come from the operating
system's CSPRNG through the cryptographic libraries.
"""
