"""MISP's list of known sharing communities (``Model/Community.php``).

Source: the vendored ``model/data/misp/community-metadata/defaults.json``. MISP never
stores it: ``communities/index`` and ``communities/view`` read the file on each request,
number the communities from 1 in file order and add ``Org {uuid, name}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmesh.model.library.packaged import Loaded, own_data, read_json

__all__ = ["Community", "community", "community_list", "load_communities"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# The fields communities/index searches (``getCommunityList``).
_SEARCHED = (
    "name",
    "uuid",
    "description",
    "url",
    "sector",
    "nationality",
    "type",
    "org_uuid",
    "org_name",
)


@dataclass(frozen=True, slots=True)
class Community:
    """One community: its position-based ``id`` and the file's fields, in file order."""

    id: int
    uuid: str
    name: str
    vetted: bool
    fields: Mapping[str, Any] = field(default_factory=dict)

    def as_misp(self) -> dict[str, Any]:
        """The community as MISP answers it (the file's fields, ``id`` and ``Org``)."""
        out = dict(self.fields)
        out["id"] = self.id
        out["Org"] = {"uuid": self.fields.get("org_uuid"), "name": self.fields.get("org_name")}
        return out


def load_communities() -> Loaded[Community]:
    """Every community of the vendored list, ``id`` = position + 1."""
    raw = read_json(own_data("community-metadata", "defaults.json"))
    return Loaded(
        tuple(
            Community(
                id=i + 1,
                uuid=str(c.get("uuid", "")),
                name=str(c.get("name", "")),
                vetted=c.get("misp_project_vetted") is True,
                fields=c,
            )
            for i, c in enumerate(raw)
        )
    )


def community_list(context: str = "vetted", value: str | None = None) -> list[Community]:
    """``communities/index``: the vetted communities (``context`` ``"vetted"``) or the
    others, optionally only those where ``value`` occurs (no case) in a searched field."""
    wanted = context == "vetted"
    needle = value.lower() if value else None
    out = []
    for item in load_communities().items:
        if item.vetted != wanted:
            continue
        if needle and not any(needle in str(item.fields.get(f, "")).lower() for f in _SEARCHED):
            continue
        out.append(item)
    return out


def community(id_or_uuid: str | int) -> Community | None:
    """``communities/view``: by uuid when the argument is one, else by numeric id."""
    text = str(id_or_uuid)
    for item in load_communities().items:
        if (_UUID.match(text) and item.uuid == text) or (text.isdigit() and item.id == int(text)):
            return item
    return None
