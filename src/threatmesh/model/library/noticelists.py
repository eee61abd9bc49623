"""Noticelists, as MISP's ``Noticelist::update`` stores them, and their attribute triggers.

Source: the vendored ``model/data/misp/noticelists/<name>/list.json`` (MISP's
``misp-noticelist``). MISP defaults ``version`` to 1, saves a loaded list disabled and
keeps each non-empty ``notice`` as one entry whose ``data`` is the notice object itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.library import php
from threatmesh.model.library.packaged import Loaded, named_files, own_data, read_json

__all__ = [
    "Notice",
    "Noticelist",
    "load_noticelists",
    "noticelist_from_json",
    "notices_for_attribute",
]

# getTriggerData: the attribute fields a notice can be triggered by.
_ATTRIBUTE_FIELDS = ("category", "type")


@dataclass(frozen=True, slots=True)
class Noticelist:
    """One ``noticelists`` row and the ``data`` of each of its entries (file order)."""

    name: str
    expanded_name: str
    ref: tuple[str, ...]
    geographical_area: tuple[str, ...]
    version: int
    entries: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice an attribute triggers (``getTriggerData``): its message per language."""

    list_id: int
    list_name: str
    field: str
    value: str
    message: Mapping[str, str]


def noticelist_from_json(data: Mapping[str, Any]) -> Noticelist:
    """A ``list.json`` as MISP saves it."""
    return Noticelist(
        name=str(data["name"]),
        expanded_name=str(data.get("expanded_name", "")),
        ref=tuple(str(r) for r in data.get("ref") or ()),
        geographical_area=tuple(str(g) for g in data.get("geographical_area") or ()),
        version=int(data.get("version", 1)),
        entries=tuple(dict(n) for n in data.get("notice") or () if not php.is_empty(n)),
    )


def load_noticelists() -> Loaded[Noticelist]:
    """Every vendored noticelist, in folder-name order."""
    files = named_files(own_data("noticelists"), "list.json")
    return Loaded(tuple(noticelist_from_json(read_json(f)) for f in files))


def notices_for_attribute(
    enabled: Iterable[tuple[int, Noticelist]], *, category: str, attribute_type: str
) -> list[Notice]:
    """The notices an attribute with this category and type triggers, over the enabled
    lists given as ``(id, list)`` (MISP's ``getTriggerData('attribute')``, applied)."""
    wanted = {"category": category, "type": attribute_type}
    out = []
    for list_id, noticelist in enabled:
        for data in noticelist.entries:
            if "attribute" not in data.get("scope", ()):
                continue
            for field in data.get("field", ()):
                if field in _ATTRIBUTE_FIELDS and wanted[field] in data.get("value", ()):
                    out.append(
                        Notice(list_id, noticelist.name, field, wanted[field], data["message"])
                    )
    return out
