"""Adaptive deployment use cases: the asset inventory (``inventory``), the feedback of
decoy hits into MISP (``feedback``), the placement controller and its reconcile loop
(``controller``), and the host agent that runs them (``agent``)."""
