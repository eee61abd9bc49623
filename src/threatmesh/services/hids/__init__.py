"""Host anomaly detection use cases: watch a host (``monitor``: its sshd log, processes
and listening ports through ``sensors.host``, scored by ``honeypots.hids``) and report
what is new into a MISP-compatible platform (``report``: an event per host and day and
sightings, through the MISP REST API), where the risk engine reads them."""
