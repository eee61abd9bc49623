"""Object templates as MISP's ``ObjectTemplate::update`` stores them, and the raw files.

Source: PyMISP's bundled ``data/misp-objects`` (``objects/<name>/definition.json``, the
folder name is the template name; ``relationships/definition.json``). MISP saves each
template with ``requirements`` = its ``required``/``requiredOneOf`` lists, ``fixed`` and,
for a new uuid, ``active`` (older versions of the uuid are deactivated); ``user_id`` and
``org_id`` are those of the user running the update (0 when none). Each attribute becomes
an element with the JSON keys renamed (``misp-attribute`` -> ``type``...).

``objectTemplates/getRaw/<uuid|name>`` answers the definition file as is:
:func:`raw_template`. Validation of objects against templates is in
:mod:`threatmesh.model.validation.object_templates`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from threatmesh.model.library.packaged import Loaded, read_json, resource, sub_folder_files

__all__ = [
    "ObjectRelationship",
    "ObjectTemplateElement",
    "ObjectTemplateRecord",
    "definitions",
    "load_object_relationships",
    "load_object_templates",
    "raw_template",
    "template_from_json",
]

_PACKAGE = "pymisp"
_ROOT = ("data", "misp-objects")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass(frozen=True, slots=True)
class ObjectTemplateElement:
    """One ``object_template_elements`` row (MISP's ``__convertJSONToElement``)."""

    object_relation: str
    type: str
    ui_priority: int
    description: str
    categories: tuple[str, ...]
    sane_default: tuple[str, ...]
    values_list: tuple[str, ...]
    disable_correlation: bool | None
    multiple: bool


@dataclass(frozen=True, slots=True)
class ObjectTemplateRecord:
    """One ``object_templates`` row (``meta-category`` in MISP's answers) and its elements."""

    uuid: str
    name: str
    version: int
    description: str
    meta_category: str
    requirements: dict[str, list[str]]
    elements: tuple[ObjectTemplateElement, ...]
    fixed: bool = True
    active: bool = True


@dataclass(frozen=True, slots=True)
class ObjectRelationship:
    """One ``object_relationships`` row (``objectRelationships`` of MISP)."""

    name: str
    description: str
    format: tuple[str, ...]
    version: int


@functools.cache
def definitions() -> Mapping[str, dict[str, Any]]:
    """Every ``definition.json`` by folder (= template) name, in name order; read once.

    Callers must not modify the answer: :func:`raw_template` gives copies.
    """
    folder = resource(_PACKAGE, *_ROOT, "objects")
    return {name: read_json(node) for name, node in sub_folder_files(folder, "definition.json")}


def raw_template(uuid_or_name: str) -> dict[str, Any] | None:
    """``objectTemplates/getRaw``: the definition with this uuid, or in the folder with this
    exact name (MISP checks the name against the folder list), else None."""
    if _UUID.match(uuid_or_name):
        found = next((d for d in definitions().values() if d.get("uuid") == uuid_or_name), None)
    else:
        found = definitions().get(uuid_or_name)
    if found is None:
        return None
    copied: dict[str, Any] = orjson.loads(orjson.dumps(found))
    return copied


def _element(relation: str, spec: Mapping[str, Any]) -> ObjectTemplateElement:
    # MISP's translation table maps both "misp-attribute" and "type" to type; the later wins.
    kind = spec.get("type", spec.get("misp-attribute"))
    return ObjectTemplateElement(
        object_relation=relation,
        type=str(kind) if kind is not None else "",
        ui_priority=int(spec.get("ui-priority", 0)),
        description=str(spec.get("description") or ""),
        categories=tuple(spec.get("categories") or ()),
        sane_default=tuple(spec.get("sane_default") or ()),
        values_list=tuple(spec.get("values_list") or ()),
        disable_correlation=(
            None if spec.get("disable_correlation") is None else bool(spec["disable_correlation"])
        ),
        multiple=bool(spec.get("multiple", False)),
    )


def template_from_json(data: Mapping[str, Any]) -> ObjectTemplateRecord:
    """A ``definition.json`` as MISP saves it (``version`` defaults to 1)."""
    requirements = {key: list(data[key]) for key in ("required", "requiredOneOf") if key in data}
    attributes: Mapping[str, Any] = data.get("attributes") or {}
    return ObjectTemplateRecord(
        uuid=str(data.get("uuid", "")),
        name=str(data["name"]),
        version=int(data.get("version", 1)),
        description=str(data.get("description", "")),
        meta_category=str(data.get("meta-category", "")),
        requirements=requirements,
        elements=tuple(_element(rel, spec) for rel, spec in attributes.items()),
    )


def load_object_templates() -> Loaded[ObjectTemplateRecord]:
    """Every template of the installed PyMISP, in folder-name order."""
    return Loaded(tuple(template_from_json(d) for d in definitions().values()))


def load_object_relationships() -> Loaded[ObjectRelationship]:
    """The relationship names MISP offers for object references."""
    data = read_json(resource(_PACKAGE, *_ROOT, "relationships", "definition.json"))
    version = int(data.get("version", 1))
    return Loaded(
        tuple(
            ObjectRelationship(
                name=str(v["name"]),
                description=str(v.get("description", "")),
                format=tuple(v.get("format") or ()),
                version=version,
            )
            for v in data.get("values", ())
        )
    )
