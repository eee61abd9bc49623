"""Honeypot logs read into sessions and MISP data: Cowrie's JSON log (``cowrie``) and its
sessions as the events Cowrie's own MISP output writes (``cowrie_misp``). Pure: the file
is followed by ``sensors/honeypots``, the platform written by ``services/honeynet``."""
