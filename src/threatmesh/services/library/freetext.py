"""``events/freeTextImport``: MISP's free-text import (``ComplexTypeTool``) into an event,
with the enabled warninglists applied as ``adhereToWarninglists`` asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_str
from threatmesh.formats.freetext import FreetextResult, check_free_text
from threatmesh.model.errors import InvalidInput
from threatmesh.model.validation.describe_types import default_category, default_to_ids
from threatmesh.services.events import attributes, events
from threatmesh.services.library import warninglists
from threatmesh.services.platform import Identity, Platform

#: ``distribution`` when the request gives none: inherit the event's (MISP's usual
#: ``default_attribute_distribution``).
INHERIT = 5


def _request(payload: Any) -> Mapping[str, Any]:
    """The ``Attribute`` part of the body (``{"value": text, ...}``), as MISP unwraps it."""
    data = payload.get("Attribute", payload) if isinstance(payload, Mapping) else payload
    if isinstance(data, Mapping) and "value" in data:
        return data
    return {"value": data}


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "0", "", "false")


def _prepared(result: FreetextResult, distribution: Any, event_id: str) -> dict[str, Any]:
    """A candidate as the attribute MISP's ``__pushFreetext`` saves."""
    kind = result.candidate.default_type
    out: dict[str, Any] = {
        "type": kind,
        "category": default_category(kind),
        "value": result.candidate.value,
        "to_ids": default_to_ids(kind),
        "distribution": distribution,
        "event_id": event_id,
    }
    if isinstance(result.candidate.comment, str):
        out["comment"] = result.candidate.comment
    return out


def free_text_import(
    platform: Platform, who: Identity, ref: str, payload: Any, named: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The attributes found in ``value``: only described (``returnMetaAttributes``), or
    added to event ``ref``. ``adhereToWarninglists``: true skips values on an enabled
    warninglist, ``soft`` adds them with ``to_ids`` off. Values already in the event
    (same type, category and value) are not added again, as MISP refuses them."""
    data = _request(payload)
    text = as_str(data.get("value"), "Attribute.value")
    event = events.view_event(platform, who, ref)  # the same 404 as MISP's for hidden events
    results = check_free_text(text)
    if _truthy(data.get("returnMetaAttributes")) or _truthy(named.get("returnMetaAttributes")):
        return [r.as_misp() for r in results]
    adhere = data.get("adhereToWarninglists", named.get("adhereToWarninglists", False))
    distribution = data.get("distribution", INHERIT)
    if distribution in (None, "", -1, "-1"):
        distribution = INHERIT
    prepared = [_prepared(r, distribution, str(event["id"])) for r in results]
    to_add = _screened(platform, prepared, adhere)
    have = {(a["type"], a["category"], a["value"]) for a in event.get("Attribute") or ()}
    to_add = [a for a in to_add if (a["type"], a["category"], a["value"]) not in have]
    if not to_add:
        return prepared
    saved = attributes.add_attributes(platform, who, str(event["id"]), {"Attribute": to_add})
    by_value = {(a["type"], a["value"]): a for a in saved.attributes}
    return [by_value.get((a["type"], a["value"]), a) for a in prepared]


def _screened(
    platform: Platform, prepared: list[dict[str, Any]], adhere: Any
) -> list[dict[str, Any]]:
    """What is left to add under ``adhereToWarninglists`` (false, true or ``soft``)."""
    if adhere in (None, False, 0, "0", "", "false"):
        return prepared
    if adhere not in (True, 1, "1", "true", "soft"):
        raise InvalidInput("adhereToWarninglists: expected false, true or soft")
    with platform.read() as conn:
        matcher = warninglists.matcher(platform, conn)
    out = []
    for item in prepared:
        if matcher.passes(item["type"], item["value"]):
            out.append(item)
        elif adhere == "soft":
            out.append({**item, "to_ids": False})
    return out
