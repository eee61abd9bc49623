"""Publishing detections to a MISP-compatible server through PyMISP.

Only the MISP REST API is used (events by UUID, objects/add, sightings/add, tags), so the
same code publishes to threatmesh or to a real MISP.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymisp import MISPEvent, MISPObject, MISPSighting, PyMISP

from threatmesh.model.errors import ThreatmeshError

log = logging.getLogger(__name__)
OBJECT_NAME = "ebids-detection"


class PublishError(ThreatmeshError):
    """The platform refused or failed a write (its message is kept)."""

    status = 502
    name = "Publish failed"


@dataclass(frozen=True)
class ObjectSpec:
    """One detection object: ``(relation, MISP type, value)`` triples plus an attachment."""

    key: str
    attributes: Sequence[tuple[str, str, str]]
    attachment_name: str = ""
    attachment: bytes = b""
    first_seen: float = 0.0
    last_seen: float = 0.0


@dataclass
class EventState:
    """What the server already holds for one window's event."""

    event_id: str
    attacker_attr: str
    objects: dict[str, str] = field(default_factory=dict)  # flow key -> ip-src attribute uuid


def _check(result: Any, what: str) -> Any:
    if isinstance(result, dict) and "errors" in result:
        raise PublishError(f"{what}: {result['errors']}")
    return result


class MispDetections:
    """A PyMISP session that writes one window's detections."""

    def __init__(
        self, url: str, key: str, *, verify_tls: bool = True, misp: PyMISP | None = None
    ) -> None:
        self.misp = misp or PyMISP(url, key, ssl=verify_tls, timeout=30)

    def ensure_event(self, uuid: str, info: str, attacker: str, tags: Sequence[str]) -> EventState:
        """The window's event, created with its attacker attribute and tags if new."""
        if self.misp.event_exists(uuid):
            found = _check(self.misp.get_event(uuid, pythonify=True), f"event {uuid}")
            return self._state(found)
        event = MISPEvent()
        event.uuid, event.info = uuid, info
        event.distribution, event.threat_level_id, event.analysis = 0, 2, 0
        event.add_attribute(
            "ip-src",
            attacker,
            category="Network activity",
            to_ids=True,
            comment="attacker (flow initiator)",
        )
        for tag in tags:
            event.add_tag(tag)
        created = _check(self.misp.add_event(event, pythonify=True), f"event {uuid}")
        return self._state(created)

    @staticmethod
    def _state(event: MISPEvent) -> EventState:
        attacker = next((a.uuid for a in event.attributes if a.type == "ip-src"), "")
        state = EventState(str(event.id), attacker)
        for obj in event.objects:
            if obj.name != OBJECT_NAME:
                continue
            rels = {a.object_relation: a for a in obj.attributes}
            if "flow-key" in rels and "ip-src" in rels:
                state.objects[rels["flow-key"].value] = rels["ip-src"].uuid
        return state

    def add_object(self, state: EventState, spec: ObjectSpec, tags: Sequence[str]) -> str:
        """Add a detection object; return the uuid of its ip-src attribute."""
        obj = MISPObject(OBJECT_NAME, strict=False, standalone=False)
        obj.comment = "EBIDS detection"
        for relation, type_, value in spec.attributes:
            obj.add_attribute(
                relation,
                value=value,
                type=type_,
                disable_correlation=False,
                to_ids=type_ in {"ip-src", "ip-dst"},
            )
        if spec.attachment:
            obj.add_attribute(
                "pcap",
                value=spec.attachment_name,
                type="attachment",
                data=io.BytesIO(spec.attachment),
                to_ids=False,
            )
        for attr in obj.attributes:
            for tag in tags if attr.object_relation == "attack-type" else ():
                attr.add_tag(tag)
        created = _check(self.misp.add_object(state.event_id, obj, pythonify=True), spec.key)
        src = next(a.uuid for a in created.attributes if a.object_relation == "ip-src")
        state.objects[spec.key] = src
        return str(src)

    def sight(self, attribute_uuid: str, source: str, timestamp: float) -> None:
        """A sighting: the detector saw this again."""
        sighting = MISPSighting()
        sighting.from_dict(source=source, type="0", timestamp=int(timestamp))
        _check(self.misp.add_sighting(sighting, attribute_uuid), f"sighting {attribute_uuid}")

    def attachment(self, attribute: Any) -> bytes:
        """The bytes of an attachment attribute read back (PyMISP gives a BytesIO)."""
        data = attribute.data
        if isinstance(data, io.BytesIO):
            return data.getvalue()
        return base64.b64decode(data) if data else b""
