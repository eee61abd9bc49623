"""Host anomaly detection, pure (after Martins, "Anomaly Detection in Cybersecurity",
2020): OpenSSH log lines and ``/proc`` text parsed into records (``sshd``, ``procfs``),
the baseline learner and scorer (``baseline``), and anomalies as MISP data (``misp``).

Pure, as all of ``honeypots``: the logs and ``/proc`` are read by ``sensors/host``.
"""
