"""The tag catalogue (MISP's ``tags/view|edit|delete|search|tagStatistics``) and the
flags a tag carries: ``exportable``, ``hide_tag``, ``local_only``,
``numerical_value``, and ``org_id``/``user_id`` (the only organisation or user that may
attach it). Tags are instance-wide, as in MISP: anyone sees them; the counts of their
uses count only what the caller may see. Changing them needs the tag editor role.
"""

from __future__ import annotations

from typing import Any

from threatmesh.formats.fields import as_bool, as_colour, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import ACL_REFUSAL, Conflict, Forbidden, InvalidInput, NotFound
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import tags as stored

_FLAGS = ("exportable", "hide_tag", "local_only", "is_galaxy", "is_custom_galaxy")


def summary(row: Row) -> dict[str, Any]:
    """A tag as MISP's ``Tag`` shows it."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "colour": row["colour"],
        "exportable": bool(row["exportable"]),
        "org_id": str(row["org_id"]),
        "user_id": str(row["user_id"]),
        "hide_tag": bool(row["hide_tag"]),
        "numerical_value": row["numerical_value"],
        "is_galaxy": bool(row["is_galaxy"]),
        "is_custom_galaxy": bool(row["is_custom_galaxy"]),
        "local_only": bool(row["local_only"]),
    }


def flags(conn: Connection, data: Any) -> dict[str, Any]:
    """The columns a ``Tag`` body sets besides its name (``tags/add``, ``tags/edit``);
    an ``org_id`` or ``user_id`` must name an existing organisation or user."""
    values: dict[str, Any] = {}
    for flag in _FLAGS:
        if data.get(flag) is not None:
            values[flag] = as_bool(data[flag], f"Tag.{flag}")
    if data.get("colour"):
        values["colour"] = as_colour(data["colour"], "Tag.colour")
    if "numerical_value" in data:
        raw = data["numerical_value"]
        values["numerical_value"] = (
            None if raw in (None, "") else as_int(raw, "Tag.numerical_value")
        )
    if data.get("org_id") not in (None, ""):
        org_id = as_int(data["org_id"], "Tag.org_id")
        if org_id and directory.find_org(conn, org_id) is None:
            raise InvalidInput(f"Tag.org_id: organisation {org_id} does not exist")
        values["org_id"] = org_id
    if data.get("user_id") not in (None, ""):
        user_id = as_int(data["user_id"], "Tag.user_id")
        if user_id and directory.find_user(conn, user_id) is None:
            raise InvalidInput(f"Tag.user_id: user {user_id} does not exist")
        values["user_id"] = user_id
    return values


def may_attach(who: Identity, row: Row) -> None:
    """A tag restricted to one organisation or one user is attached only by them (or
    a site admin), as MISP's ``Tag`` rules say."""
    if who.viewer.site_admin:
        return
    if row["org_id"] and int(row["org_id"]) != who.viewer.org_id:
        raise Forbidden("Invalid Tag. This tag can only be set by a fixed organisation.")
    if row["user_id"] and int(row["user_id"]) != who.viewer.user_id:
        raise Forbidden("Invalid Tag. This tag can only be set by a fixed user.")


def _existing(conn: Connection, ref: str) -> Row:
    row = stored.find_tag(conn, ref)
    if row is None:
        raise NotFound("Invalid tag")
    return row


def _require_editor(who: Identity) -> None:
    if not who.viewer.can("perm_tag_editor"):
        raise Forbidden(ACL_REFUSAL)


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """``tags/view/{id}``: the tag with ``count`` (events) and ``attribute_count``."""
    with platform.read() as conn:
        row = _existing(conn, ref)
        events, attributes = stored.uses(conn, who.viewer, int(row["id"]))
    return summary(row) | {"count": events, "attribute_count": attributes}


def edit(platform: Platform, who: Identity, ref: str, payload: Any) -> dict[str, Any]:
    """``tags/edit/{id}``: name and flags; answers ``{"Tag": ...}``."""
    _require_editor(who)
    data = unwrap(payload, "Tag")
    with platform.write() as conn:
        row = _existing(conn, ref)
        values = flags(conn, data)
        if data.get("name") is not None:
            name = as_str(data["name"], "Tag.name", max_len=255).strip()
            if not name:
                raise InvalidInput("Tag.name: a tag needs a name")
            other = stored.find_tag(conn, name)
            if other is not None and other["id"] != row["id"]:
                raise Conflict(f"Tag {name!r} already exists.")
            values["name"] = name
        if values:
            stored.update_tag(conn, row["id"], values)
        return {"Tag": summary(_existing(conn, str(row["id"])))}


def delete(platform: Platform, who: Identity, ref: str) -> None:
    """``tags/delete/{id}``: the tag and its links to events and attributes."""
    _require_editor(who)
    with platform.write() as conn:
        stored.delete_tag(conn, int(_existing(conn, ref)["id"]))


def search(platform: Platform, who: Identity, payload: Any) -> list[dict[str, Any]]:
    """``tags/search``: tags whose name is LIKE the given name(s) (``%`` wildcards,
    any case); with ``strict_tagname`` only exact names."""
    data = payload.get("Tag", payload) if isinstance(payload, dict) else payload
    wanted = data.get("tag") or data.get("tagname") if isinstance(data, dict) else data
    names = wanted if isinstance(wanted, list) else [wanted]
    patterns = [as_str(n, "tagname", max_len=255) for n in names if n not in (None, "")]
    strict = isinstance(data, dict) and as_bool(data.get("strict_tagname", False), "strict")
    if strict:
        patterns = [p.replace("%", "\\%").replace("_", "\\_") for p in patterns]
    with platform.read() as conn:
        rows = stored.search(conn, patterns) if patterns else []
    return [{"Tag": summary(r)} for r in rows]


def percent(count: int, total: int) -> str:
    """PHP's ``round(100 * count / total, 3) . '%'``."""
    text = f"{round(100 * count / total, 3):.3f}".rstrip("0").rstrip(".")
    return f"{text}%"


def statistics(platform: Platform, who: Identity, *, percentage: bool, name_sort: bool) -> Any:
    """``tags/tagStatistics/{percentage}/{name_sort}``: events per tag (those the
    caller may see), by count or by name."""
    with platform.read() as conn:
        counts = stored.event_tag_counts(conn, who.viewer)
    if name_sort:
        counts.sort(key=lambda nc: nc[0].lower())
    else:
        counts.sort(key=lambda nc: -nc[1])
    total = sum(c for _, c in counts)
    shown = {n: percent(c, total) if percentage else str(c) for n, c in counts}
    return {"tags": shown, "taxonomies": []}
