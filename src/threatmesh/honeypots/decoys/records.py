"""A decoy's interactions: the record a listener writes (one JSON line each), and how it
goes into MISP (``risk.facts`` reads the sightings back as decoy hits):

- a sighting (type 0, source ``decoy@<host>``) on the CVE's ``vulnerability``
  attributes, sent by value so that it lands on whatever intelligence names the CVE;
- the host's decoy event of the day (UUID from host and day, tagged
  ``threatmesh:decoy`` and ``threatmesh:host="<host>"``), holding per interaction a
  ``network-connection`` object (attacker address and port, decoy port, protocol) and a
  ``file`` object with the payload as an attachment and its SHA-256, tagged with the
  ATT&CK technique. The event holds no ``vulnerability`` attribute, so later sightings
  by value never land on a decoy's own report."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from threatmesh.honeypots.decoys.base import Decoy
from threatmesh.honeypots.risk.facts import host_tag
from threatmesh.model.errors import InvalidInput

__all__ = ["DECOY_TAG", "Interaction", "hit_event", "hit_event_uuid", "hit_objects"]

DECOY_TAG = "threatmesh:decoy"
#: The namespace of decoy event UUIDs (uuid5 of ``<host>/<YYYY-MM-DD>``).
HIT_NAMESPACE = uuid.UUID("0f5b3c2e-8d1a-5b7e-a4c9-3e6d2b1f0a77")
_TECHNIQUES = {"T1190": "Exploit Public-Facing Application - T1190"}


@dataclass(frozen=True, slots=True)
class Interaction:
    """One client's session with a decoy: who, when, what it sent, whether it was the
    exploit the decoy lures."""

    cve: str
    host: str
    port: int
    peer: str
    peer_port: int
    at: int
    payload: bytes
    exploit: bool

    @property
    def sha256(self) -> str:
        """The payload's SHA-256."""
        return hashlib.sha256(self.payload).hexdigest()

    def to_line(self) -> str:
        """The record as one JSON line."""
        fields = {k: getattr(self, k) for k in ("cve", "host", "port", "peer", "peer_port",
                                                "at", "exploit")}  # fmt: skip
        return json.dumps({**fields, "payload": base64.b64encode(self.payload).decode()})

    @classmethod
    def from_line(cls, line: str) -> Interaction:
        """A record from its JSON line; InvalidInput when it is not one."""
        try:
            raw = json.loads(line)
            return cls(str(raw["cve"]), str(raw["host"]), int(raw["port"]), str(raw["peer"]),
                       int(raw["peer_port"]), int(raw["at"]),
                       base64.b64decode(raw["payload"]), bool(raw["exploit"]))  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"not an interaction record: {exc}") from None


def _day(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()


def hit_event_uuid(host: str, at: int) -> str:
    """The UUID of ``host``'s decoy event for the UTC day of ``at``."""
    return str(uuid.uuid5(HIT_NAMESPACE, f"{host}/{_day(at)}"))


def hit_event(host: str, at: int) -> dict[str, Any]:
    """The (empty) decoy event of ``host`` for the day of ``at`` (``events/add`` body),
    shared with the organisation only (it names the decoys' ports)."""
    return {
        "uuid": hit_event_uuid(host, at),
        "info": f"Decoy interactions on {host}, {_day(at)}",
        "date": _day(at),
        "distribution": "0",
        "threat_level_id": "2",
        "analysis": "1",
        "Tag": [{"name": DECOY_TAG}, {"name": host_tag(host)}],
    }


def _attribute(relation: str, type_: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"object_relation": relation, "type": type_, "value": value, **extra}


def hit_objects(hit: Interaction, decoy: Decoy) -> list[dict[str, Any]]:
    """The objects recording ``hit`` (``objects/add`` bodies): the connection, then the
    payload with its hash."""
    technique = _TECHNIQUES.get(decoy.technique, decoy.technique)
    tags = [{"name": f'misp-galaxy:mitre-attack-pattern="{technique}"'},
            {"name": f'threatmesh:cve="{hit.cve}"'}]  # fmt: skip
    what = "exploitation attempt" if hit.exploit else "interaction"
    comment = f"{hit.cve} decoy ({decoy.title}): {what}"
    seen = dt.datetime.fromtimestamp(hit.at, dt.UTC).isoformat()
    connection = {
        "name": "network-connection", "meta-category": "network", "distribution": "5",
        "comment": comment,
        "Attribute": [
            _attribute("ip-src", "ip-src", hit.peer, to_ids=hit.exploit, Tag=tags),
            _attribute("src-port", "port", str(hit.peer_port), disable_correlation=True),
            _attribute("dst-port", "port", str(hit.port), disable_correlation=True),
            _attribute("layer7-protocol", "text", decoy.protocol),
            _attribute("first-packet-seen", "datetime", seen),
        ],
    }  # fmt: skip
    payload = {
        "name": "file", "meta-category": "file", "distribution": "5", "comment": comment,
        "Attribute": [
            _attribute("filename", "filename", f"payload-{hit.sha256[:16]}.bin"),
            _attribute("attachment", "attachment", f"payload-{hit.sha256[:16]}.bin",
                       data=base64.b64encode(hit.payload).decode(), Tag=tags),
            _attribute("sha256", "sha256", hit.sha256, to_ids=hit.exploit),
            _attribute("size-in-bytes", "size-in-bytes", str(len(hit.payload)),
                       disable_correlation=True),
        ],
    }  # fmt: skip
    return [connection, payload]
