"""Honeypots, host monitoring and risk, as pure logic: the probability of compromise of a
host (``risk``, calibrated in ``calibration``), the APT campaign knowledge it draws on
(``campaigns``), CVSS vectors (``cvss_vectors``), MISP facts read into risk inputs
(``risk_facts``), and the host intrusion detection side: OpenSSH log lines and
``/proc/net`` tables parsed into records (``sshd``, ``procnet``) and the baseline learner
and scorer (``hids``).

Pure: may import ``model`` only; no sockets, files, processes, database or wall clock
(``now`` is passed in). Reading a host's logs and ``/proc`` is ``sensors/host``; talking to
the platform is ``client`` and ``services``.
"""
