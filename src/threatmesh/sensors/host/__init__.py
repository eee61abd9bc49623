"""What a host shows about itself, read for host anomaly detection: its sshd
authentication log (a file followed across rotations, or journald's JSON export), its
processes and its listening sockets (``/proc``).

A sensor (ring 2): parsing is ``honeypots.sshd`` and ``honeypots.procfs``; here files are
opened and ``/proc`` walked. Never talks to the platform.
"""
