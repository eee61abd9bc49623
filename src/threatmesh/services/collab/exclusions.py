"""``correlation_exclusions/*`` (MISP's ``CorrelationExclusionsController``, site admins
only): values that never correlate (:mod:`threatmesh.storage.collab.exclusions`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_bool, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.errors import Conflict, InvalidInput, NotFound
from threatmesh.services.collab.common import require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.collab import exclusions as stored
from threatmesh.storage.core.database import Row

MODEL = "CorrelationExclusion"
MAX_VALUE = 1024
_MISSING = "Invalid CorrelationExclusion"


def _public(row: Row) -> dict[str, Any]:
    return {
        MODEL: {
            "id": str(row["id"]),
            "value": row["value"],
            "from_json": bool(row["from_json"]),
            "comment": row["comment"],
        }
    }


def index(platform: Platform, who: Identity, named: Mapping[str, str]) -> list[dict[str, Any]]:
    """The exclusions by value (``value:``, ``comment:``, ``quickFilter:`` narrow them)."""
    require_site_admin(who)
    match = {k: named[k] for k in ("value", "comment") if named.get(k)}
    quick = named.get("quickFilter")
    with platform.read() as conn:
        rows = stored.entries(conn, match)
    if quick:
        rows = [r for r in rows if quick.lower() in f"{r['value']} {r['comment']}".lower()]
    return [_public(r) for r in rows]


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """One exclusion by id."""
    require_site_admin(who)
    with platform.read() as conn:
        row = stored.find(conn, ref)
    if row is None:
        raise NotFound(_MISSING)
    return _public(row)


def add(platform: Platform, who: Identity, body: Any) -> dict[str, Any]:
    """Exclude a value (``%`` at either end makes it a rule; see the storage module)."""
    require_site_admin(who)
    data = unwrap(body, MODEL)
    if data.get("value") in (None, ""):
        raise InvalidInput("CorrelationExclusion.value: give the value to exclude")
    value = as_str(data["value"], "CorrelationExclusion.value", max_len=MAX_VALUE)
    comment = as_str(data.get("comment") or "", "CorrelationExclusion.comment", max_len=65535)
    from_json = as_bool(data.get("from_json", False), "CorrelationExclusion.from_json")
    with platform.write() as conn:
        if stored.by_value(conn, value) is not None:
            raise Conflict("CorrelationExclusion.value: Value is already in the exclusion list.")
        new_id = stored.add(conn, value, comment, from_json)
        row = stored.find(conn, str(new_id))
    assert row is not None
    return _public(row)


def edit(platform: Platform, who: Identity, ref: str, body: Any) -> dict[str, Any]:
    """Change an exclusion's comment (MISP edits nothing else)."""
    require_site_admin(who)
    data = unwrap(body, MODEL)
    with platform.write() as conn:
        row = stored.find(conn, ref)
        if row is None:
            raise NotFound(_MISSING)
        if data.get("comment") is not None:
            comment = as_str(data["comment"], "CorrelationExclusion.comment", max_len=65535)
            stored.set_comment(conn, int(row["id"]), comment)
        row = stored.find(conn, ref)
    assert row is not None
    return _public(row)


def delete(platform: Platform, who: Identity, ref: str) -> None:
    """Remove an exclusion: its values correlate again at once."""
    require_site_admin(who)
    with platform.write() as conn:
        row = stored.find(conn, ref)
        if row is None:
            raise NotFound(_MISSING)
        stored.delete(conn, int(row["id"]))


def clean(platform: Platform, who: Identity) -> None:
    """MISP deletes the stored correlations the exclusions cover. Correlations are
    computed on read here, so there is nothing to delete: the permission check only."""
    require_site_admin(who)
