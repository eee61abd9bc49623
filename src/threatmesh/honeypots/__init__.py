"""Honeypots, host monitoring and risk, as pure logic: the probability of compromise of a
host (``risk``, calibrated in ``calibration``), the APT campaign knowledge it draws on
(``campaigns``), CVSS vectors (``cvss_vectors``), MISP facts read into risk inputs
(``risk_facts``, ``risk_queries``, ``cpe_match``), and the host intrusion detection
side: OpenSSH log lines and ``/proc`` text parsed into records (``sshd``, ``procfs``),
the baseline learner and scorer (``hids``) and its anomalies as MISP data
(``hids_misp``).

Pure: may import ``model`` only; no sockets, files, processes, database or wall clock
(``now`` is passed in). Reading a host's logs and ``/proc`` is ``sensors/host``; talking to
the platform is ``client`` and ``services``.
"""
