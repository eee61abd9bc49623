"""restSearch as STIX (``returnFormat`` ``stix``, ``stix-xml``, ``stix-json``, ``stix2``):
the matches as the JSON search reads them, converted by :mod:`threatmesh.formats.stix`.

MISP's STIX exports are not restrictive (``StixExport::$non_restrictive_export``): they
export unpublished events and non-IDS attributes as the JSON search does. The converter
works on whole documents in memory, so the answer is built before it is sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from threatmesh.formats import stix
from threatmesh.model.errors import NotInstalled
from threatmesh.model.query import Query
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.search import attributes as search_attributes
from threatmesh.services.search import events as search_events
from threatmesh.storage.sync.store import host_org

FORMATS = stix.FORMATS


def check_available(fmt: str) -> None:
    """A STIX ``fmt`` on an instance without misp-stix: 501 naming the extra."""
    if fmt in FORMATS and not stix.available():
        raise NotInstalled(f"returnFormat {fmt}", "stix")


def media_type(fmt: str, accept: str) -> str:
    """The answer's media type: XML for STIX 1 asked as XML, JSON otherwise."""
    return "application/xml" if stix.wants_xml(fmt, accept) else "application/json"


def events_export(
    platform: Platform, who: Identity, q: Query, ids: list[int], fmt: str, accept: str
) -> bytes:
    """The events ``ids`` of an ``events/restSearch`` as one STIX document."""
    events = list(search_events.found_events(platform, who, ids, q, metadata=False))
    if fmt == "stix2":
        return stix.events_to_stix2(events)
    return stix.events_to_stix1(events, xml=stix.wants_xml(fmt, accept), org=_org(platform))


def attributes_export(platform: Platform, who: Identity, q: Query, fmt: str, accept: str) -> bytes:
    """The matches of an ``attributes/restSearch`` as one STIX document."""
    raw = b"".join(search_attributes.rest_search(platform, who, q))
    found: Mapping[str, Any] = orjson.loads(raw).get("response", {})
    attributes = list(found.get("Attribute", []))
    if fmt == "stix2":
        return stix.attributes_to_stix2(attributes)
    xml = stix.wants_xml(fmt, accept)
    return stix.attributes_to_stix1(attributes, xml=xml, org=_org(platform))


def _org(platform: Platform) -> str:
    """The name STIX 1 headers give the producer: the host organisation's, as MISP's
    ``MISP.org`` (``threatmesh`` before ``admin init`` made one)."""
    with platform.read() as conn:
        host = host_org(conn)
    return str(host["name"]) if host is not None else "threatmesh"
