"""Decoys: emulations of vulnerable services, keyed by CVE, as pure functions of the
bytes a client sends (``base``: what a decoy is; ``http``: the HTTP framing the web
decoys share; ``web_servers``, ``web_apps``, ``ssh``, ``openwire``: the emulations;
``catalogue``: every decoy by CVE, and what it knows of each CVE for the risk engine).

Emulations only: no vulnerable software runs, nothing a request asks for is executed or
fetched; an exploit gets a canned, plausible answer. The listener serving a decoy on a
socket is ``sensors/decoys``; the backends running listeners are ``deploy``.
"""
