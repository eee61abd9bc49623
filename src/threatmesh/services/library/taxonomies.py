"""Taxonomies: MISP's ``TaxonomiesController`` (update, index, view, enable, disable,
addTag, disableTag, toggleRequired)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from threatmesh.formats import misp_out
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import NotFound
from threatmesh.model.library import taxonomies as lib
from threatmesh.services.library.outcome import admin_only, changed, update_message
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.library import records
from threatmesh.storage.library import tags as stored_tags
from threatmesh.storage.library.tables import taxonomies

_NOT_FOUND = "Taxonomy not found."


def _row(taxonomy: lib.Taxonomy) -> dict[str, Any]:
    return {
        "namespace": taxonomy.namespace,
        "description": taxonomy.description,
        "version": taxonomy.version,
        "exclusive": taxonomy.exclusive,
        "highlighted": taxonomy.highlighted,
        "data": records.pack(dataclasses.asdict(taxonomy)),
    }


def _taxonomy(data: bytes) -> lib.Taxonomy:
    doc = records.unpack(data)
    predicates = tuple(
        lib.Predicate(**{**p, "entries": tuple(lib.TaxonomyEntry(**e) for e in p["entries"])})
        for p in doc.pop("predicates")
    )
    return lib.Taxonomy(**{**doc, "predicates": predicates, "refs": tuple(doc["refs"])})


def update(platform: Platform, who: Identity) -> str:
    """``taxonomies/update``: store every taxonomy of the installed ``pytaxonomies`` that
    is new or has a higher version (enabled and required switches stay)."""
    admin_only(who)
    return load(platform)


def load(platform: Platform) -> str:
    """What ``update`` does, for the operator's ``threatmesh library update``."""
    loaded = lib.load_taxonomies()
    with platform.write() as conn:
        todo = changed(loaded.items, "namespace", records.installed(conn, taxonomies, "namespace"))
        records.write_rows(conn, taxonomies, "namespace", [_row(t) for t in todo])
    return update_message(
        len(todo),
        len(loaded.failures),
        none="All taxonomy libraries are up to date already.",
        some="Successfully updated %s taxonomy libraries.",
        plural="taxonomy libraries",
    )


def _public(row: Row) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "namespace": row["namespace"],
        "description": row["description"],
        "version": str(row["version"]),
        "enabled": bool(row["enabled"]),
        "exclusive": bool(row["exclusive"]),
        "required": bool(row["required"]),
        "highlighted": bool(row["highlighted"]),
    }


def index(platform: Platform, who: Identity, named: Mapping[str, str]) -> list[dict[str, Any]]:
    """``taxonomies/index``: every taxonomy with ``total_count`` (its tags) and
    ``current_count`` (those that exist as visible tags); ``enabled:1`` filters."""
    with platform.read() as conn:
        rows = records.rows(conn, taxonomies, with_data=True)
        if "enabled" in named:
            rows = [r for r in rows if bool(r["enabled"]) == (named["enabled"] not in ("", "0"))]
        visible = stored_tags.visible_tag_names(conn)
    out = []
    for row in rows:
        names = [t.tag.lower() for t in lib.entries(_taxonomy(row["data"]))]
        current = sum(1 for n in names if n in visible)
        out.append({"Taxonomy": _public(row), "total_count": len(names), "current_count": current})
    return out


def _find(conn: Connection, ref: str) -> Row:
    row = records.find(
        conn, taxonomies, ref.strip().lower() if not ref.isdigit() else ref, "namespace"
    )
    if row is None:
        raise NotFound(_NOT_FOUND)
    return row


def _entry(tag: lib.TaxonomyTag, existing: Row | None) -> dict[str, Any]:
    out: dict[str, Any] = {"tag": tag.tag, "expanded": tag.expanded}
    if tag.exclusive_predicate is not None:
        out["exclusive_predicate"] = tag.exclusive_predicate
    for key in ("description", "colour", "numerical_value"):
        if getattr(tag, key) is not None:
            out[key] = getattr(tag, key)
    out["existing_tag"] = (
        False
        if existing is None
        else {"Tag": misp_out.tag({**existing, "tag_id": existing["id"], "local": False})}
    )
    return out


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``taxonomies/view/{id or namespace}``: the taxonomy and its tags, each with the tag
    that exists for it (or false)."""
    with platform.read() as conn:
        row = _find(conn, ref)
        tags = lib.entries(_taxonomy(row["data"]))
        have = stored_tags.tags_by_lower_name(conn, (t.tag for t in tags))
    entries = [_entry(t, have.get(t.tag.lower())) for t in tags]
    return {"Taxonomy": _public(row), "entries": entries}


def set_enabled(platform: Platform, who: Identity, ref: str, *, enabled: bool) -> int:
    """``taxonomies/enable`` and ``disable`` (which hides the taxonomy's tags too)."""
    admin_only(who)
    with platform.write() as conn:
        row = _find(conn, ref)
        if not enabled:
            _hide(conn, row)
        records.set_values(conn, taxonomies, [row["id"]], enabled=enabled)
    return int(row["id"])


def _hide(conn: Connection, row: Row) -> None:
    stored_tags.hide_tags(conn, [t.tag for t in lib.entries(_taxonomy(row["data"]))])


def add_tags(platform: Platform, who: Identity, ref: str) -> int:
    """``taxonomies/addTag/{id}``: create (or show again) every tag of the taxonomy, in
    its colours."""
    admin_only(who)
    with platform.write() as conn:
        row = _find(conn, ref)
        taxonomy = _taxonomy(row["data"])
        colours = lib.tag_colours(taxonomy)
        wanted = [(t.tag, colours[t.tag], t.numerical_value) for t in lib.entries(taxonomy)]
        stored_tags.save_tags(conn, wanted)
    return int(row["id"])


def disable_tags(platform: Platform, who: Identity, ref: str) -> int:
    """``taxonomies/disableTag/{id}``: hide every tag of the taxonomy."""
    admin_only(who)
    with platform.write() as conn:
        row = _find(conn, ref)
        _hide(conn, row)
    return int(row["id"])


def set_required(platform: Platform, who: Identity, ref: str, payload: Any) -> int:
    """``taxonomies/toggleRequired/{id}``: ``{"Taxonomy": {"required": bool}}``."""
    admin_only(who)
    data = unwrap(payload, "Taxonomy") if isinstance(payload, Mapping) else {}
    required = data.get("required")
    with platform.write() as conn:
        row = _find(conn, ref)
        value = not row["required"] if required is None else required not in (False, 0, "0", "")
        records.set_values(conn, taxonomies, [row["id"]], required=value)
    return int(row["id"])
