"""``POST /uma/events/{uuid}/sightings``: a requesting party whose RPT grants
``sighting:add`` reports a sighting (or a false positive) of one of the event's
attributes, as its own organisation, without any MISP right on the event."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.fields import as_int, as_str, as_timestamp, as_uuid
from threatmesh.formats.misp_json import unwrap
from threatmesh.formats.misp_types import SightingView
from threatmesh.model.enums import SightingType
from threatmesh.model.errors import NotFound
from threatmesh.services.platform import Platform
from threatmesh.services.provenance import log as provenance
from threatmesh.services.uma.resources import authorize
from threatmesh.storage.directory import records as directory
from threatmesh.storage.uma import sightings

SCOPE = "sighting:add"


def _values(platform: Platform, payload: Any) -> dict[str, Any]:
    data = unwrap(payload, "Sighting")
    kinds = frozenset({int(SightingType.SIGHTING), int(SightingType.FALSE_POSITIVE)})
    return {
        "attribute_uuid": as_uuid(data.get("attribute_uuid"), "Sighting.attribute_uuid"),
        "type": as_int(data.get("type", 0), "Sighting.type", allowed=kinds),
        "date_sighting": as_timestamp(data.get("timestamp"), "Sighting.timestamp", platform.now()),
        "source": as_str(data.get("source") or "", "Sighting.source", max_len=255),
    }


def add_sighting(
    platform: Platform, bearer: str | None, event_uuid: str, payload: Any
) -> SightingView:
    """Record the sighting; answers it as MISP shows sightings. The RPT is checked
    before the body: a caller without one learns nothing from validation errors."""
    with platform.read() as conn:  # a challenge's resource registration must persist
        rpt, event = authorize(platform, conn, bearer, event_uuid, SCOPE)
    values = _values(platform, payload)
    with platform.write() as conn:
        user = directory.find_user(conn, rpt.subject)
        if user is None or user["disabled"]:
            raise NotFound("The requesting party of this RPT no longer exists.")
        target = sightings.live_attribute(conn, event["id"], values["attribute_uuid"])
        if target is None:
            raise NotFound("Sighting.attribute_uuid: no such attribute in this event")
        row = {
            "uuid": str(uuidlib.uuid4()),
            "attribute_id": target["id"],
            "event_id": target["event_id"],
            "org_id": user["org_id"],
            "date_sighting": values["date_sighting"],
            "source": values["source"],
            "type": values["type"],
        }
        sightings.add(conn, row)
        provenance.record_sightings(platform, conn, [row["uuid"]])
        return misp_out.sighting(sightings.by_uuid(conn, row["uuid"]))
