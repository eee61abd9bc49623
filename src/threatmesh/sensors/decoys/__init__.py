"""Decoy listeners: a decoy's emulation (``honeypots.decoys``) served on a TCP socket
(``listener``), and the process a deployment backend starts for one decoy
(``python -m threatmesh.sensors.decoys``, ``__main__``), which writes a ready line and
then one JSON line per interaction on its standard output."""
