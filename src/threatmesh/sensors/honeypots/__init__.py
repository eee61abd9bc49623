"""Honeypots as sensors: Cowrie run as an unprivileged process (``cowrie_run``), its
JSON log followed into sessions (``cowrie_log``), and Cowrie put where the lab's sshd
would be and attacked by the lab's tools, its traffic captured (``cowrie_lab``)."""
