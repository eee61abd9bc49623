"""Analysts in the loop: the queue of uncertain detections, labels, and what labels feed.

The queue holds the ``ebids-detection`` objects nobody has verified whose verdict is in
doubt: a confidence in the uncertainty band around the threshold, or detectors that
disagree (EBIDS and the anomaly detector's review). The most doubtful come first (the
detectors disagree; then the confidence nearest the threshold): labelling those teaches a
model most (uncertainty sampling, as in Guarascio et al.'s active learning loop).

A label, through the MISP REST API only:

- sets the object's ``verified`` to 1 and adds the analyst's entry (``ANALYST``: verdict,
  who) to its ``attack-type`` next to the detectors';
- records a sighting on its ``ip-src``: type 0 (true positive) when the analyst confirms,
  type 1 (false positive) when they reject, which is the reputation evidence the
  platform keeps about the organisation that published the detection;
- makes the object's carved traffic a training example: :func:`export_labelled` writes
  each labelled capture with a lab schedule beside it (confirmed: its flows are attacks;
  rejected: they are benign), which ``threatmesh detect train`` reads.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatmesh.client.http import ClientError, ThreatmeshClient
from threatmesh.client.misp_detections import OBJECT_NAME
from threatmesh.detection.schedule import Schedule, Step
from threatmesh.model.errors import InvalidInput, NotFound

__all__ = [
    "ANALYST",
    "QueueItem",
    "doubt",
    "export_labelled",
    "label",
    "open_client",
    "queue",
]

Json = dict[str, Any]
ANALYST = "ANALYST"
DETECTION_TAG = 'ecsirt:intrusion-attempts="ids-alert"'
#: The class a confirmed detection's flows get in training (the detector is binary).
CONFIRMED_CLASS = "Analyst-confirmed"


def open_client(url: str, key: str) -> ThreatmeshClient:
    """A client of the platform at ``url`` (the entry points may not build one)."""
    return ThreatmeshClient(url, key, timeout=120)


def doubt(confidence: float, threshold: float, disagreement: bool) -> tuple[int, float]:
    """The queue's order (smallest first): detectors that disagree, then the confidence
    nearest the threshold. The uncertainty rule ``bench.labelling`` measures."""
    return (0 if disagreement else 1, abs(confidence - threshold))


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One detection waiting for an analyst."""

    event: str
    object: str
    attacker: str
    target: str
    port: str
    confidence: float
    threshold: float
    disagreement: bool

    @property
    def doubt(self) -> tuple[int, float]:
        """Sort key: disagreements first, then the confidence nearest the threshold."""
        return doubt(self.confidence, self.threshold, self.disagreement)


def _detections(client: ThreatmeshClient) -> list[Json]:
    body = {"returnFormat": "json", "tags": [DETECTION_TAG], "metadata": 1}
    answer = client.request("POST", "/events/restSearch", json=body)
    found = answer.get("response", []) if isinstance(answer, dict) else answer or []
    uuids = [e.get("Event", e).get("uuid") for e in found if isinstance(e, dict)]
    return [client.get_event(u) for u in uuids if u]


def _relations(obj: Json) -> dict[str, Json]:
    return {a.get("object_relation", ""): a for a in obj.get("Attribute", [])}


def _entries(rels: dict[str, Json]) -> Json:
    try:
        entries = json.loads(rels["attack-type"]["value"])
    except (KeyError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _item(event: Json, obj: Json, band: tuple[float, float], threshold: float) -> QueueItem | None:
    rels = _relations(obj)
    if str(rels.get("verified", {}).get("value", "0")) in {"1", "true", "True"}:
        return None
    entries = _entries(rels)
    detectors = {k: v for k, v in entries.items() if k != ANALYST and isinstance(v, dict)}
    if not detectors:
        return None
    first = next(iter(detectors.values()))
    confidence = float(first.get("confidence", 0.0))
    disagree = len({str(v.get("verdict")) for v in detectors.values()}) > 1
    if not disagree and not band[0] <= confidence < band[1]:
        return None
    src, dst, port = (
        str(rels.get(r, {}).get("value", "")) for r in ("ip-src", "ip-dst", "dst-port")
    )
    return QueueItem(event["uuid"], obj["uuid"], src, dst, port, confidence, threshold, disagree)


def queue(
    client: ThreatmeshClient, *, band: tuple[float, float] = (0.5, 0.95), threshold: float = 0.75
) -> list[QueueItem]:
    """The unverified detections in doubt, most doubtful first."""
    items = [
        item
        for event in _detections(client)
        for obj in event.get("Object", [])
        if obj.get("name") == OBJECT_NAME and not obj.get("deleted")
        if (item := _item(event, obj, band, threshold)) is not None
    ]
    return sorted(items, key=lambda i: i.doubt)


def _find(client: ThreatmeshClient, event: str, obj: str) -> dict[str, Json]:
    try:
        found = client.get_event(event)
    except ClientError as exc:
        if exc.status == 404:
            raise NotFound(f"event {event} not found") from None
        raise
    for candidate in found.get("Object", []):
        if candidate.get("uuid") == obj and candidate.get("name") == OBJECT_NAME:
            return _relations(candidate)
    raise NotFound(f"no detection object {obj} in event {event}")


def _edit(client: ThreatmeshClient, attribute: Json, value: str) -> None:
    client.request("POST", f"/attributes/edit/{attribute['uuid']}", json={"value": value})


def label(client: ThreatmeshClient, event: str, obj: str, *, attack: bool, analyst: str) -> None:
    """Record an analyst's verdict on one detection object (see the module's docstring)."""
    rels = _find(client, event, obj)
    if "attack-type" not in rels or "ip-src" not in rels:
        raise InvalidInput(f"detection object {obj} has no attack-type or ip-src")
    entries = _entries(rels)
    entries[ANALYST] = {"verdict": "attack" if attack else "benign", "analyst": analyst}
    _edit(client, rels["attack-type"], json.dumps(entries))
    if "verified" in rels:
        _edit(client, rels["verified"], "1")
    sighting = {"uuid": rels["ip-src"]["uuid"], "type": "0" if attack else "1", "source": analyst}
    client.request("POST", "/sightings/add", json=sighting)


def _epoch(text: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _example(rels: dict[str, Json], out: Path) -> bool:
    """Write one labelled object's capture and schedule to ``out``; False if it has none."""
    verdict = _entries(rels).get(ANALYST, {}).get("verdict")
    pcap = rels.get("pcap", {}).get("data")
    first = _epoch(str(rels.get("first-seen", {}).get("value", "")))
    last = _epoch(str(rels.get("last-seen", {}).get("value", "")))
    if verdict not in {"attack", "benign"} or not pcap or first is None or last is None:
        return False
    name = f"analyst-{rels['attack-type']['uuid']}"
    (out / f"{name}.pcap").write_bytes(base64.b64decode(pcap))
    steps: tuple[Step, ...] = ()
    if verdict == "attack":
        src, dst = str(rels["ip-src"]["value"]), str(rels["ip-dst"]["value"])
        steps = (Step(CONFIRMED_CLASS, "analyst", src, dst, first, last),)
    schedule = Schedule(name, steps)
    (out / f"{name}.schedule.json").write_text(json.dumps(schedule.to_dict()), encoding="utf-8")
    return True


def export_labelled(client: ThreatmeshClient, out: Path) -> int:
    """Write every labelled detection's traffic as a training chunk; how many."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for event in _detections(client):
        for obj in event.get("Object", []):
            if obj.get("name") == OBJECT_NAME and not obj.get("deleted"):
                written += _example(_relations(obj), out)
    return written
