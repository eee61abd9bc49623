"""Host anomalies as MISP data: the report event of a host and day, and one attribute per
anomaly, in the form ``risk.facts.detections_in`` reads back.

One event per host and UTC day (its UUID derived from both, so every reporter of the
same host and day writes to the same event), shared with the organisation only: which
ports a host opens and who logs into it tell an attacker a lot. Each anomaly is an
attribute of the type that holds its subject (the source address of a brute force or a
login, the port, the program's path) with the explanation as its comment, tagged with
its kind and severity.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from threatmesh.honeypots.hids.baseline import Anomaly, AnomalyKind
from threatmesh.honeypots.risk.facts import (
    ANOMALY_TAG_PREFIX,
    HIDS_TAG,
    SEVERITY_TAG_PREFIX,
    host_tag,
)

__all__ = ["REPORT_NAMESPACE", "anomaly_attribute", "hids_source", "report_event", "report_uuid"]

#: The namespace of report event UUIDs (uuid5 of ``<host>/<YYYY-MM-DD>``).
REPORT_NAMESPACE = uuid.UUID("6c1f3a0e-4b7d-5e2a-9c41-7d3e2f8a9b10")


def hids_source(host: str) -> str:
    """The ``source`` of the sightings the HIDS of ``host`` records."""
    return f"hids@{host}"


def _day(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()


def report_uuid(host: str, at: int) -> str:
    """The UUID of ``host``'s report event for the UTC day of ``at``."""
    return str(uuid.uuid5(REPORT_NAMESPACE, f"{host}/{_day(at)}"))


def report_event(host: str, at: int) -> dict[str, Any]:
    """The (empty) report event of ``host`` for the day of ``at`` (``events/add`` body)."""
    return {
        "uuid": report_uuid(host, at),
        "info": f"Host anomalies on {host}, {_day(at)}",
        "date": _day(at),
        "distribution": "0",
        "threat_level_id": "2",
        "analysis": "1",
        "Tag": [{"name": HIDS_TAG}, {"name": host_tag(host)}],
    }


def _value(a: Anomaly) -> tuple[str, str, bool]:
    """``(MISP type, value, to_ids)`` of the anomaly's subject."""
    if a.kind is AnomalyKind.BRUTE_FORCE:
        return "ip-src", a.source, True
    if a.kind in {AnomalyKind.NEW_LOGIN_SOURCE, AnomalyKind.NEW_LOGIN_USER}:
        return "ip-src", a.source, False
    if a.kind is AnomalyKind.NEW_LISTENING_PORT:
        return "port", str(a.port), False
    return "filename", a.program, False


def anomaly_attribute(a: Anomaly) -> dict[str, Any]:
    """The attribute reporting anomaly ``a`` (``attributes/add`` body)."""
    type_, value, to_ids = _value(a)
    return {
        "type": type_,
        "category": "Network activity" if type_ in {"ip-src", "port"} else "Artifacts dropped",
        "value": value,
        "to_ids": to_ids,
        "comment": a.explanation[:1000],
        "timestamp": str(a.at),
        "first_seen": dt.datetime.fromtimestamp(a.at, dt.UTC).isoformat(),
        "disable_correlation": type_ != "ip-src",
        "Tag": [
            {"name": f'{ANOMALY_TAG_PREFIX}{a.kind.value}"'},
            {"name": f'{SEVERITY_TAG_PREFIX}{a.severity:.1f}"'},
        ],
    }
