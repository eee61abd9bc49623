"""``objects/restSearch``: objects matching MISP's object filters, each as
``objects/view`` shows it (MISP's ``MispObject::restSearch`` with the JSON export)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.model.errors import InvalidInput
from threatmesh.model.query import parse_terms
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.search.params import parse_query
from threatmesh.storage.events import object_search
from threatmesh.storage.events import objects as stored


def _filters(params: Mapping[str, Any]) -> object_search.ObjectFilters:
    return object_search.ObjectFilters(
        template_uuid=parse_terms(params.get("object_template_uuid"), "object_template_uuid"),
        template_version=parse_terms(
            params.get("object_template_version"), "object_template_version"
        ),
        object_relation=parse_terms(params.get("object_relation"), "object_relation"),
    )


def search_objects(platform: Platform, who: Identity, params: Any) -> list[dict[str, Any]]:
    """The visible objects matching ``params`` (a restSearch body), in id order, with
    the attributes the user may see (deleted ones too when ``deleted`` asks for them)."""
    q = parse_query(params, now=platform.now())
    fmt = str(params.get("returnFormat") or "json")
    if fmt != "json":
        raise InvalidInput(f"returnFormat: {fmt!r} is not available on objects (only json)")
    extra = _filters(params)
    upp = platform.unpublished_private
    with platform.read() as conn:
        ids = object_search.object_ids(conn, q, extra, who.viewer, unpublished_private=upp)
        return stored.visible_views(conn, who.viewer, ids, include_deleted=q.deleted != "no")
