"""misp-objects templates (bundled with PyMISP) and the check of an object against one.

Objects whose name is not a known template are accepted as custom objects, as MISP
accepts them; a known template constrains relations, their types and what is required.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatmesh.model.drafts import AttributeDraft
from threatmesh.model.errors import InvalidInput
from threatmesh.model.library.object_templates import definitions


@dataclass(frozen=True, slots=True)
class ObjectTemplate:
    """The parts of a misp-objects ``definition.json`` that validation needs."""

    name: str
    uuid: str
    version: str
    meta_category: str
    description: str
    #: relation -> allowed MISP attribute types
    relations: dict[str, frozenset[str]]
    required: frozenset[str]
    required_one_of: frozenset[str]


def _load(definition: Mapping[str, Any]) -> ObjectTemplate:
    relations: dict[str, frozenset[str]] = {}
    attrs = definition.get("attributes", {})
    assert isinstance(attrs, dict)
    for rel, spec in attrs.items():
        types = {spec["misp-attribute"]}
        # Templates list alternatives for some relations (e.g. ip vs hostname).
        types.update(spec.get("types", []))
        relations[rel] = frozenset(types)
    return ObjectTemplate(
        name=str(definition["name"]),
        uuid=str(definition.get("uuid", "")),
        version=str(definition.get("version", "")),
        meta_category=str(definition.get("meta-category", "")),
        description=str(definition.get("description", "")),
        relations=relations,
        required=frozenset(definition.get("required", []) or []),
        required_one_of=frozenset(definition.get("requiredOneOf", []) or []),
    )


@functools.cache
def templates() -> dict[str, ObjectTemplate]:
    """All templates shipped in PyMISP's ``data/misp-objects``, by object name."""
    out: dict[str, ObjectTemplate] = {}
    for definition in definitions().values():
        tpl = _load(definition)
        out[tpl.name] = tpl
    return out


def template(name: str) -> ObjectTemplate | None:
    """The template called ``name``, or None for a custom object."""
    return templates().get(name)


def check(tpl: ObjectTemplate | None, attributes: Sequence[AttributeDraft], path: str) -> None:
    """Raise :class:`InvalidInput` if ``attributes`` do not fit template ``tpl``."""
    if tpl is None:
        return
    present: set[str] = set()
    for i, attr in enumerate(attributes):
        rel = attr.object_relation or ""
        allowed = tpl.relations.get(rel)
        if allowed is None:
            raise InvalidInput(
                f"{path}.Attribute[{i}].object_relation: {rel!r} is not a relation of "
                f"object template {tpl.name!r}"
            )
        if attr.type not in allowed:
            raise InvalidInput(
                f"{path}.Attribute[{i}].type: relation {rel!r} of {tpl.name!r} takes "
                f"{sorted(allowed)}, not {attr.type!r}"
            )
        present.add(rel)
    missing = tpl.required - present
    if missing:
        raise InvalidInput(f"{path}: object {tpl.name!r} requires {sorted(missing)}")
    if tpl.required_one_of and not (tpl.required_one_of & present):
        raise InvalidInput(
            f"{path}: object {tpl.name!r} requires one of {sorted(tpl.required_one_of)}"
        )
