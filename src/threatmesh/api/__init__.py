"""The HTTP API: MISP's REST API (what PyMISP and other MISP clients call).

With ``cli``, the only layer that reads :class:`Settings` and wires adapters together.
"""
