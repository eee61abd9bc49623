"""CP-ABE: FAME (Agrawal and Chase, CCS 2017) over BLS12-381 with hybrid AES-256-GCM.

Modules: ``policy`` (parser, bag-of-bits numeric comparisons), ``lsss`` (span programs),
``fame`` (the scheme), ``serial`` (versioned encodings), ``hybrid`` (envelopes),
``sealing`` (delivering keys to a user's X25519 public key). ``policy`` and ``lsss`` are
plain Python; the others need the ``abe`` extra (pymcl). Pure: no I/O.
"""
