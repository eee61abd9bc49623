"""MISP's log of user actions: what the use cases record, and ``admin/logs/index``.

An entry is recorded by the use case whose action it describes, in that action's
transaction (users added, edited, deleted, passwords changed, server settings changed,
event delegations requested, accepted and discarded). Nothing is recorded for what
threatmesh does not do: it sends no e-mail, so there is never an ``email`` entry.
Changes to events are in the provenance log (``services.provenance``), which is signed
and hash-chained, not here.

Who reads what is MISP's rule (``LogsController::index``): the role needs
``perm_audit``; a site admin reads every entry, an org admin those of its
organisation, anyone else its own. Entries outside the caller's reach are absent, not
refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from threatmesh.formats.fields import MAX_INT, as_int, as_str
from threatmesh.model.errors import ACL_REFUSAL, Forbidden, InvalidInput
from threatmesh.services.collab.common import misp_datetime
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.directory import logs as stored
from threatmesh.storage.directory import records as directory

_DELTA = re.compile(r"^(\d+)([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def entry(
    conn: Connection,
    now: int,
    who: Identity,
    *,
    model: str,
    model_id: int,
    action: str,
    title: str,
    change: str = "",
) -> None:
    """Append the entry of an action ``who`` did, inside the action's transaction."""
    org = directory.find_org(conn, who.viewer.org_id)
    entry = {
        "created": now,
        "model": model,
        "model_id": model_id,
        "action": action,
        "title": title,
        "change": change,
        "user_id": who.viewer.user_id,
        "email": who.user["email"],
        "org": "" if org is None else org["name"],
    }
    stored.add(conn, entry)


def changes(before: Row | Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """MISP's ``change`` text for the fields that differ: ``name (old) => (new)``,
    comma-separated; secrets show as ``*****``."""
    out = []
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        if name in ("password", "authkey"):
            old, new = "*****", "*****"
        out.append(f"{name} ({'' if old is None else old}) => ({new})")
    return ", ".join(out)


def entry_json(row: Row) -> dict[str, Any]:
    """An entry as MISP's ``Log`` objects show it."""
    out = {name: row[name] for name in ("title", "model", "action", "change", "email",
                                        "org", "description", "ip")}  # fmt: skip
    for name in ("id", "model_id", "user_id"):
        out[name] = str(row[name])
    out["created"] = misp_datetime(int(row["created"]))
    return {"Log": out}


def _moment(value: Any, now: int) -> int:
    """An epoch second from MISP's ``created`` forms: a timestamp, ``30m``/``2d``..., or a
    date (``YYYY-MM-DD[ HH:MM:SS]``, UTC)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput("created: expected a timestamp, a time delta or a date")
    if isinstance(value, int | float):
        return _bounded(value)
    text = value.strip()
    delta = _DELTA.match(text)
    if delta:
        return now - int(delta[1]) * _SECONDS[delta[2]]
    try:
        return _bounded(float(text))
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"created: {text!r} is not a timestamp, time delta or date") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _bounded(number: float) -> int:
    """``number`` as whole epoch seconds, if it is a finite 64-bit value."""
    if not -MAX_INT <= number <= MAX_INT:  # also false for NaN
        raise InvalidInput(f"created: {number!r} is out of range")
    return int(number)


def _values(name: str, raw: Any) -> list[str | int]:
    items = raw if isinstance(raw, list) else [raw]
    out: list[str | int] = []
    for item in items:
        if name in ("id", "model_id", "user_id"):
            out.append(as_int(item, f"Log.{name}"))
        else:
            out.append(as_str(item, f"Log.{name}", max_len=65535))
    return out


def _query(filters: Mapping[str, Any], now: int) -> stored.LogQuery:
    values = {
        name: _values(name, filters[name])
        for name in stored.FILTERABLE
        if filters.get(name) not in (None, "", [])
    }
    created = filters.get("created")
    low = high = None
    if created not in (None, "", []):
        bounds = sorted(
            _moment(c, now) for c in (created if isinstance(created, list) else [created])
        )
        if len(bounds) > 2:
            raise InvalidInput("created: one moment (from) or two (a range)")
        low, high = bounds[0], (bounds[1] if len(bounds) == 2 else None)
    limit = page = None
    if filters.get("limit") not in (None, ""):
        limit = as_int(filters["limit"], "limit")
        if limit < 1:
            raise InvalidInput("limit: expected a positive number")
    if filters.get("page") not in (None, ""):
        page = as_int(filters["page"], "page")
        if page < 1:
            raise InvalidInput("page: expected a positive number")
    if limit is not None and page is not None and limit * (page - 1) > MAX_INT:
        raise InvalidInput("page: out of range for this limit")
    return stored.LogQuery(values, low, high, limit=limit, page=page or 1)


def search(platform: Platform, who: Identity, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``admin/logs/index``: the entries matching ``filters`` that ``who`` may read."""
    if not who.viewer.can("perm_audit"):
        raise Forbidden(ACL_REFUSAL)
    query = _query(filters, platform.now())
    with platform.read() as conn:
        if not who.viewer.site_admin:
            if who.viewer.can("perm_admin"):
                org = directory.find_org(conn, who.viewer.org_id)
                scope_org = "" if org is None else str(org["name"])
                query = replace(query, scope_org=scope_org)
            else:
                query = replace(query, scope_user_id=who.viewer.user_id)
        rows = stored.search(conn, query)
    return [entry_json(r) for r in rows]
