"""Privacy and trust: pure rules and published schemes (UMA decisions, the provenance
chain, source reputation...).

May import ``model`` only. No sockets, files, database, web framework or wall clock:
callers pass the time and the keys in. Cryptography comes from ``cryptography`` and
``joserfc``; nothing here invents a primitive.
"""
