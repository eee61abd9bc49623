"""A second opinion on EBIDS's detections, from the benign-profile anomaly detector.

For each ``ebids-detection`` object of an event, the traffic EBIDS carved into its
``pcap`` attachment is metered again into flows and scored by the profile
(:mod:`threatmesh.detection.anomaly`); the object's ``attack-type`` JSON gains the
detector's own entry (``ANOMALY``: version, verdict, confidence), next to EBIDS's, as
the EBIDS/NetGen convention has cooperating detectors do. The event's credibility tag
(``admiralty-scale:information-credibility``) then says how far the two agree: 2
("probably true") when they agree on every object, 4 ("doubtful") when they disagree on
every one, 3 ("possibly true") in between. Only the MISP REST API is used.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatmesh.client.http import ThreatmeshClient
from threatmesh.client.misp_detections import OBJECT_NAME
from threatmesh.detection.anomaly import BenignProfile
from threatmesh.detection.batch import concat
from threatmesh.detection.features import FeatureError
from threatmesh.sensors.flows import pcap_flows

__all__ = [
    "DETECTOR",
    "Review",
    "credibility_tag",
    "load_profile",
    "review_event",
    "review_events",
]

Json = dict[str, Any]
DETECTOR = "ANOMALY"
_CREDIBILITY = "admiralty-scale:information-credibility"


def credibility_tag(agreed: int, disagreed: int) -> str:
    """The event's credibility from how many objects the detectors agree on."""
    grade = "2" if disagreed == 0 else "4" if agreed == 0 else "3"
    return f'{_CREDIBILITY}="{grade}"'


@dataclass(slots=True)
class Review:
    """What a review did to one event."""

    reviewed: int = 0
    agreed: int = 0
    disagreed: int = 0
    tag: str | None = None


def _score(profile: BenignProfile, pcap: bytes) -> float | None:
    """The highest anomaly score of the flows in a carved capture (None: no flow)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "carved.pcap"
        path.write_bytes(pcap)
        try:
            batch = concat(list(pcap_flows(path)), str(path))
        except FeatureError:
            return None
    return float(profile.score(batch.features).max()) if len(batch) else None


def _objects(event: Json) -> Iterator[dict[str, Json]]:
    for obj in event.get("Object", []):
        if obj.get("name") == OBJECT_NAME and not obj.get("deleted"):
            yield {a.get("object_relation", ""): a for a in obj.get("Attribute", [])}


def _verdicts(entries: Json) -> tuple[str | None, str]:
    """(the first other detector's verdict, ours)."""
    others = [v for k, v in entries.items() if k != DETECTOR and isinstance(v, dict)]
    return (others[0].get("verdict") if others else None), str(entries[DETECTOR]["verdict"])


def _review_object(
    client: ThreatmeshClient,
    rels: dict[str, Json],
    profile: BenignProfile,
    version: str,
    threshold: float,
) -> Json | None:
    """Our entry in one object's attack-type (written if new); None when it cannot be had."""
    attack, pcap = rels.get("attack-type"), rels.get("pcap")
    if attack is None or pcap is None or not pcap.get("data"):
        return None
    try:
        entries = json.loads(attack["value"])
    except ValueError:
        return None
    if not isinstance(entries, dict):
        return None
    if DETECTOR not in entries:
        score = _score(profile, base64.b64decode(pcap["data"]))
        if score is None:
            return None
        verdict = "attack" if score >= threshold else "benign"
        entries[DETECTOR] = {
            "version": version, "verdict": verdict, "confidence": round(score, 4),
            "attacks": [{"attack_type": "anomaly" if verdict == "attack" else "benign",
                         "confidence": round(score, 4)}],
        }  # fmt: skip
        client.request(
            "POST", f"/attributes/edit/{attack['uuid']}", json={"value": json.dumps(entries)}
        )
    return entries


def _retag(client: ThreatmeshClient, event: Json, tag: str) -> None:
    for old in event.get("Tag", []):
        name = str(old.get("name", ""))
        if name.startswith(_CREDIBILITY) and name != tag:
            client.request(
                "POST", "/tags/removeTagFromObject", json={"uuid": event["uuid"], "tag": name}
            )
    if all(t.get("name") != tag for t in event.get("Tag", [])):
        client.request("POST", "/tags/attachTagToObject", json={"uuid": event["uuid"], "tag": tag})


def review_event(
    client: ThreatmeshClient,
    event: Json,
    profile: BenignProfile,
    *,
    version: str,
    threshold: float = 0.99,
) -> Review:
    """Give (or count) the second opinion on every detection object of ``event``."""
    review = Review()
    for rels in _objects(event):
        entries = _review_object(client, rels, profile, version, threshold)
        if entries is None:
            continue
        theirs, ours = _verdicts(entries)
        review.reviewed += 1
        if theirs is not None:
            review.agreed += theirs == ours
            review.disagreed += theirs != ours
    if review.agreed + review.disagreed:
        review.tag = credibility_tag(review.agreed, review.disagreed)
        _retag(client, event, review.tag)
    return review


#: EBIDS tags every detection event with this (``detection.alerts.EVENT_TAGS``).
DETECTION_TAG = 'ecsirt:intrusion-attempts="ids-alert"'


def review_events(
    url: str, key: str, profile: BenignProfile, *, version: str, threshold: float = 0.99,
    event: str | None = None, since: int | None = None,
) -> list[Review]:  # fmt: skip
    """Review one event, or every detection event changed since ``since`` (all)."""
    with ThreatmeshClient(url, key, timeout=120) as client:
        if event is not None:
            return [review_event(client, client.get_event(event), profile, version=version,
                                 threshold=threshold)]  # fmt: skip
        body: Json = {"returnFormat": "json", "tags": [DETECTION_TAG]}
        if since is not None:
            body["timestamp"] = str(since)
        answer = client.request("POST", "/events/restSearch", json=body)
        found = answer.get("response", []) if isinstance(answer, dict) else answer or []
        uuids = [e.get("Event", e).get("uuid") for e in found if isinstance(e, dict)]
        # events/view, not the search's answer: it carries the attachments' data.
        return [
            review_event(client, client.get_event(u), profile, version=version, threshold=threshold)
            for u in uuids
            if u
        ]


def load_profile(path: Path) -> BenignProfile:
    """A profile file (JSON), refused with the reason when it is not one."""
    try:
        return BenignProfile.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FeatureError(f"{path}: not a usable benign profile: {exc}") from None
