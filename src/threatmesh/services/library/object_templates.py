"""Object templates: MISP's ``ObjectTemplatesController`` (update, index, view, getRaw)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from threatmesh.model.errors import NotFound
from threatmesh.model.library import object_templates as lib
from threatmesh.services.library.outcome import admin_only, changed, update_message
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Row
from threatmesh.storage.library import records
from threatmesh.storage.library.tables import object_templates

_NOT_FOUND = "Invalid object template"


def update(platform: Platform, who: Identity) -> str:
    """``objectTemplates/update``: store each template of the installed PyMISP that is
    new or has a higher version (by uuid)."""
    admin_only(who)
    return load(platform)


def load(platform: Platform) -> str:
    """What ``update`` does, for the operator's ``threatmesh library update``."""
    loaded = lib.load_object_templates()
    with platform.write() as conn:
        todo = changed(loaded.items, "uuid", records.installed(conn, object_templates, "uuid"))
        rows = [
            {
                "uuid": t.uuid,
                "name": t.name,
                "version": t.version,
                "description": t.description,
                "meta_category": t.meta_category,
                "data": records.pack(dataclasses.asdict(t)),
            }
            for t in todo
        ]
        records.write_rows(conn, object_templates, "uuid", rows)
    return update_message(
        len(rows),
        0,
        none="All object templates are up to date already.",
        some="Successfully updated %s object templates.",
        plural="object templates",
    )


def _public(row: Row, doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "user_id": "0",
        "org_id": "0",
        "uuid": row["uuid"],
        "name": row["name"],
        "meta-category": row["meta_category"],
        "description": row["description"],
        "version": str(row["version"]),
        "requirements": doc["requirements"],
        "fixed": bool(row["fixed"]),
        "active": bool(row["active"]),
    }


def index(platform: Platform, who: Identity, named: Mapping[str, str]) -> list[dict[str, Any]]:
    """``objectTemplates/index``: the active templates (``searchall`` in the uuid, name,
    meta-category or description)."""
    with platform.read() as conn:
        rows = records.rows(conn, object_templates, with_data=True, active=True)
    needle = named.get("searchall", "").lower()
    if needle:
        fields = ("uuid", "name", "meta_category", "description")
        rows = [r for r in rows if any(needle in str(r[f]).lower() for f in fields)]
    return [{"ObjectTemplate": _public(r, records.unpack(r["data"]))} for r in rows]


def _element(template_id: str, number: int, element: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(number),
        "object_template_id": template_id,
        "object_relation": element["object_relation"],
        "type": element["type"],
        "ui-priority": str(element["ui_priority"]),
        "categories": element["categories"],
        "sane_default": element["sane_default"],
        "values_list": element["values_list"],
        "description": element["description"],
        "disable_correlation": element["disable_correlation"],
        "multiple": element["multiple"],
    }


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``objectTemplates/view/{id or uuid}``: the template and its elements."""
    key = ref.strip().lower()
    if not (key.isascii() and (key.isdigit() or len(key) == 36)):
        raise NotFound("Invalid object template id.")
    with platform.read() as conn:
        row = records.find(conn, object_templates, key, "uuid")
    if row is None:
        raise NotFound(_NOT_FOUND)
    doc = records.unpack(row["data"])
    template_id = str(row["id"])
    elements = [_element(template_id, i, e) for i, e in enumerate(doc["elements"], 1)]
    return {
        "ObjectTemplate": _public(row, doc),
        "Organisation": {"id": "0", "name": "", "uuid": ""},
        "ObjectTemplateElement": elements,
    }


def raw(platform: Platform, who: Identity, uuid_or_name: str) -> dict[str, Any]:
    """``objectTemplates/getRaw/{uuid or name}``: the template's definition file as the
    installed PyMISP ships it (MISP reads it from disk too)."""
    found = lib.raw_template(uuid_or_name)
    if found is None:
        raise NotFound("Template not found.")
    return found
