"""Drive Cowrie's MISP output plugin, unchanged, with a list of Cowrie events.

Run by tests/interop/test_cowrie_misp_output.py with the interpreter of the Cowrie venv
(``make cowrie-venv``: cowrie and PyMISP from PyPI), never with threatmesh's:

    python cowrie_driver.py EVENTS.json REPORT.json

EVENTS.json is ``{"url", "key", "sensor", "events": [cowrie event dicts]}``. The plugin is
configured the way an operator configures Cowrie (``COWRIE_OUTPUT_MISP_*`` variables over
the bundled cowrie.cfg.dist), built with ``Output()`` (which connects: PyMISP raises when
it cannot), fed every event with ``write`` as Cowrie's event pipeline does, then stopped.
REPORT.json gets Cowrie's version, the user the plugin connected as, every line the plugin
logged, and the plugin's own result of each session event it created (logged in debug).
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from typing import Any


def _configure(url: str, key: str, sensor: str) -> None:
    os.environ.update(
        {
            "COWRIE_OUTPUT_MISP_ENABLED": "true",
            "COWRIE_OUTPUT_MISP_BASE_URL": url,
            "COWRIE_OUTPUT_MISP_API_KEY": key,
            "COWRIE_OUTPUT_MISP_VERIFY_CERT": "false",
            "COWRIE_OUTPUT_MISP_DEBUG": "true",
            "COWRIE_OUTPUT_MISP_PUBLISH_EVENT": "false",
            "COWRIE_HONEYPOT_SENSOR_NAME": sensor,
        }
    )


def main(events_path: str, report_path: str) -> None:
    """Feed the events to the plugin; write the report."""
    with open(events_path, encoding="utf-8") as f:
        spec = json.load(f)
    _configure(spec["url"], spec["key"], spec["sensor"])
    from cowrie.output.misp import Output
    from twisted.logger import formatEvent, globalLogPublisher

    logged: list[dict[str, Any]] = []
    results: dict[str, Any] = {}

    def observe(event: dict[str, Any]) -> None:
        logged.append({"text": formatEvent(event), "level": str(event.get("log_level"))})
        if "session" in event and "result" in event:
            results[event["session"]] = event["result"]

    globalLogPublisher.addObserver(observe)
    plugin = Output()
    for event in spec["events"]:
        plugin.write(event)
    plugin.stop()
    report = {
        "cowrie": metadata.version("cowrie"),
        "pymisp": metadata.version("pymisp"),
        "user": plugin.misp_api._current_user.email,
        "log": logged,
        "results": results,
    }
    with open(report_path, "w", encoding="utf-8") as f:
        json.dump(report, f, default=str, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
