"""Host anomalies as MISP data: the report event of a host and day, and one attribute per
anomaly, in the form ``risk.facts.detections_in`` reads back.

One event per host and UTC day (its UUID derived from both, so every reporter of the
same host and day writes to the same event), shared with the organisation only: which
ports a host opens and who logs into it tell an attacker a lot. Each anomaly is an
attribute of the type that holds its subject (the source address of a brute force or a
login, the port, the program's path) with the explanation as its comment, tagged with
its kind and severity. Anomalies with the same subject (a brute force and then a login
from one address) share one attribute, tagged with each kind: MISP refuses a second
attribute with the type, category and value of one already in the event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from threatmesh.honeypots.hids.baseline import Anomaly, AnomalyKind
from threatmesh.honeypots.risk.facts import (
    ANOMALY_TAG_PREFIX,
    HIDS_TAG,
    SEVERITY_TAG_PREFIX,
    host_tag,
)

__all__ = [
    "REPORT_NAMESPACE",
    "anomaly_attribute",
    "anomaly_attributes",
    "hids_source",
    "report_event",
    "report_uuid",
]

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


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Fold attribute ``other`` (same type, category, value) into ``into``: every kind
    tag, the highest severity, either to_ids, both explanations, the later timestamp."""
    into["to_ids"] = into["to_ids"] or other["to_ids"]
    into["comment"] = f"{into['comment']}; {other['comment']}"[:1000]
    into["timestamp"] = str(max(int(into["timestamp"]), int(other["timestamp"])))
    into["first_seen"] = min(into["first_seen"], other["first_seen"])
    names = [t["name"] for t in into["Tag"]]
    kinds = [n for n in names if n.startswith(ANOMALY_TAG_PREFIX)]
    severities = [n for n in names if n.startswith(SEVERITY_TAG_PREFIX)]
    for t in other["Tag"]:
        if t["name"].startswith(ANOMALY_TAG_PREFIX) and t["name"] not in kinds:
            kinds.append(t["name"])
        elif t["name"].startswith(SEVERITY_TAG_PREFIX):
            severities.append(t["name"])
    into["Tag"] = [{"name": n} for n in [*kinds, max(severities)]]


def anomaly_attributes(anomalies: Sequence[Anomaly]) -> list[dict[str, Any]]:
    """The attributes reporting ``anomalies``, one per subject (see the module
    docstring), in the order of their first anomaly."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for a in anomalies:
        attr = anomaly_attribute(a)
        key = (attr["type"], attr["category"], attr["value"])
        if key in out:
            _merge(out[key], attr)
        else:
            out[key] = attr
    return list(out.values())
