"""``events/upload_stix``: a STIX 1 package or a STIX 2 bundle, converted by misp-stix
(:mod:`threatmesh.formats.stix`) into one MISP event, then stored exactly as an
``events/add`` of that event: same permission, blocklist and validation checks, one
transaction. Content that does not convert is a 400 and nothing is written."""

from __future__ import annotations

from threatmesh.formats import stix
from threatmesh.formats.misp_types import EventView
from threatmesh.model.errors import ACL_REFUSAL, Forbidden, InvalidInput
from threatmesh.services.events import events
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.events.attachments import AttachmentStore

#: The versions ``events/upload_stix/{version}`` takes (MISP's: 1 is its default).
VERSIONS = ("1", "2")


def upload_stix(
    platform: Platform,
    who: Identity,
    data: bytes,
    *,
    version: str = "1",
    store: AttachmentStore | None = None,
) -> EventView:
    """Convert ``data`` (STIX ``version`` 1 XML or 2 JSON) and add it as a new event.

    The event is not published, whatever the STIX says: MISP publishes an upload only
    when asked to (its ``publish`` argument), which this instance does not take."""
    if version not in VERSIONS:
        raise InvalidInput(f"STIX version {version!r} is not supported; use 1 or 2")
    if not who.viewer.can("perm_add"):
        raise Forbidden(ACL_REFUSAL)
    if not data.strip():
        raise InvalidInput("The request body is empty: send the STIX document as the body")
    convert = stix.stix1_to_event if version == "1" else stix.stix2_to_event
    payload = convert(data)
    event = payload["Event"]
    event["published"] = False
    event.pop("publish_timestamp", None)
    return events.add_event(platform, who, payload, store=store)
