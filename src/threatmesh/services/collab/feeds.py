"""``feeds/*`` (MISP's ``FeedsController``): the feed catalogue, site admins only.

What is stored and answered follows MISP: MISP's default feeds are there from the
start (the two of MISP's installer first, then ``Feed::load_default_feeds``), disabled;
``add``, ``edit`` (a partial edit changes only the fields sent), ``enable``, ``disable``
and ``delete`` change the catalogue. Fetching and caching feeds is not done here
(the exchange issue's import engine): ``cacheFeeds`` answers as MISP does when it
queues the job, and nothing else happens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_bool, as_int, as_str
from threatmesh.formats.misp_json import unwrap
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.model.library.feeds import DefaultFeed, feeds_to_add, load_default_feeds
from threatmesh.services.collab.common import require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.collab import feeds as stored
from threatmesh.storage.core.database import Connection, Row

MODEL = "Feed"
_MISSING = "Invalid feed."
#: The feeds MISP's installer creates (``INSTALL/MYSQL.sql``), before the defaults.
INSTALLED = ("CIRCL OSINT Feed", "The Botvrij.eu Data")
_BOOLEANS = {
    "enabled", "fixed_event", "delta_merge", "publish", "override_ids", "delete_local_file",
    "lookup_visible", "caching_enabled", "force_to_ids",
}  # fmt: skip
_INTEGERS = {"distribution", "sharing_group_id", "tag_id", "event_id", "orgc_id"}
_JSON_TEXT = {"rules", "settings"}
_SOURCES = frozenset({"network", "local"})
_FORMATS = frozenset({"misp", "freetext", "csv"})
_DISTRIBUTIONS = frozenset(int(d) for d in Distribution if d != Distribution.INHERIT)


def public(row: Row) -> dict[str, Any]:
    """A feed as MISP shows it (ids and numbers as strings, flags as booleans)."""
    out: dict[str, Any] = {"id": str(row["id"]), "default": bool(row["default"])}
    for name in stored.EDITABLE:
        value = row[name]
        if name in _BOOLEANS:
            out[name] = bool(value)
        elif name in _INTEGERS or name == "tag_collection_id":
            out[name] = str(value)
        else:
            out[name] = value
    # PyMISP parses ``settings`` as JSON whenever the key is there.
    out["settings"] = row["settings"] or "{}"
    return out


def _value(name: str, raw: Any) -> Any:
    path = f"Feed.{name}"
    if name in _BOOLEANS:
        return as_bool(raw, path)
    if name in _INTEGERS or name == "tag_collection_id":
        return as_int(raw or 0, path)
    if name in _JSON_TEXT:
        return raw if raw is None or isinstance(raw, str) else json.dumps(raw)
    text = as_str(raw if raw is not None else "", path, max_len=255)
    if name == "input_source" and text not in _SOURCES:
        raise InvalidInput(f"{path}: {text!r} is not one of network, local")
    if name == "source_format" and text not in _FORMATS:
        raise InvalidInput(f"{path}: {text!r} is not one of misp, freetext, csv")
    return text


def _fields(data: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    out = {n: _value(n, data[n]) for n in stored.EDITABLE if n in data}
    if "distribution" in out and out["distribution"] not in _DISTRIBUTIONS:
        raise InvalidInput(f"Feed.distribution: {out['distribution']} is not 0-4")
    for name in ("name", "provider", "url"):
        if (new or name in out) and not str(out.get(name) or "").strip():
            raise InvalidInput(f"Feed.{name}: a feed needs a {name}")
    return out


def _default_row(feed: DefaultFeed) -> dict[str, Any]:
    names = (
        *("name", "provider", "url", "rules", "source_format", "fixed_event", "delta_merge"),
        *("override_ids", "publish", "settings", "lookup_visible", "headers"),
    )
    return {n: getattr(feed, n) for n in names} | {"default": True}


def seed_defaults(conn: Connection) -> int:
    """Store MISP's default feeds into an empty catalogue (installer's two first); how
    many were added (none when feeds exist: the operator's catalogue is theirs)."""
    if stored.count(conn):
        return 0
    defaults = list(load_default_feeds().items)
    first = [f for name in INSTALLED for f in defaults if f.name == name]
    rest = feeds_to_add(defaults, {f.url for f in first})
    rows = [_default_row(f) for f in [*first, *rest]]
    stored.insert_many(conn, rows)
    return len(rows)


def index(platform: Platform, who: Identity) -> list[dict[str, Any]]:
    """Every feed, ``[{"Feed": {...}}]``."""
    require_site_admin(who)
    with platform.read() as conn:
        return [{MODEL: public(r)} for r in stored.entries(conn)]


def _get(conn: Connection, ref: str) -> Row:
    row = stored.find(conn, ref)
    if row is None:
        raise NotFound(_MISSING)
    return row


def view(platform: Platform, who: Identity, ref: str) -> dict[str, Any]:
    """One feed by id."""
    require_site_admin(who)
    with platform.read() as conn:
        return {MODEL: public(_get(conn, ref))}


def add(platform: Platform, who: Identity, body: Any) -> dict[str, Any]:
    """A new feed (``name``, ``provider``, ``url`` required)."""
    require_site_admin(who)
    values = _fields(unwrap(body, MODEL), new=True)
    with platform.write() as conn:
        new_id = stored.insert(conn, values)
        return {MODEL: public(_get(conn, str(new_id)))}


def edit(platform: Platform, who: Identity, ref: str, body: Any) -> dict[str, Any]:
    """Change the fields sent, the others stay."""
    require_site_admin(who)
    values = _fields(unwrap(body, MODEL), new=False)
    with platform.write() as conn:
        row = _get(conn, ref)
        stored.update(conn, int(row["id"]), values)
        return {MODEL: public(_get(conn, ref))}


def set_enabled(platform: Platform, who: Identity, ref: str, enabled: bool) -> None:
    """``feeds/enable`` and ``feeds/disable``."""
    require_site_admin(who)
    with platform.write() as conn:
        stored.update(conn, int(_get(conn, ref)["id"]), {"enabled": enabled})


def delete(platform: Platform, who: Identity, ref: str) -> None:
    """Remove a feed."""
    require_site_admin(who)
    with platform.write() as conn:
        stored.delete(conn, int(_get(conn, ref)["id"]))


def cache(platform: Platform, who: Identity, scope: str) -> None:
    """``feeds/cacheFeeds/{all|freetext|misp|id}``: the permission and scope checks of
    MISP's; caching itself belongs to the feed import engine."""
    require_site_admin(who)
    if scope not in ("all", "freetext", "misp"):
        with platform.read() as conn:
            _get(conn, scope)
