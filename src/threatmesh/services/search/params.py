"""MISP restSearch / index parameters -> :class:`~threatmesh.model.query.Query`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from threatmesh.formats.fields import as_bool, as_int
from threatmesh.model.errors import InvalidInput
from threatmesh.model.library.decaying_models import OVERRIDABLE
from threatmesh.model.query import Query, Terms, is_wildcard, parse_terms
from threatmesh.model.validation import rules

#: MISP's durations (``resolveTimeDelta``): a number and a unit, ``5d``, ``12h``, ``1.5h``.
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$", re.IGNORECASE)
#: PHP's ``is_numeric`` for what clients send: ``1796500171``, ``1796500171.0``, ``-1``.
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_LIMIT = 100_000
#: Keeps ``(page - 1) * limit`` within a 64-bit offset.
MAX_PAGE = 1_000_000_000
#: Epochs are clamped to 64 bits: the database compares them with BIGINT columns.
_MAX_EPOCH = 2**63 - 1


def _epoch(number: float | int | str) -> int:
    value = int(number) if isinstance(number, int) else int(float(number))
    return max(-_MAX_EPOCH, min(value, _MAX_EPOCH))


def relative_time(raw: Any, name: str, now: int) -> int:
    """An epoch timestamp from MISP's forms, as MISP's ``resolveTimeDelta`` reads them:
    a number (epoch seconds, also a float such as PyMISP makes of a ``datetime``),
    ``"5d"``/``"12h"``/``"30m"`` (that long ago), or a date. Anything else is a moment
    in the future (``now + 1``), so it matches nothing, as in MISP: a malformed
    duration is an empty result, not an error."""
    if isinstance(raw, Mapping | list):
        raise InvalidInput(f"{name}: expected a timestamp, a duration (5d, 12h) or a date")
    if isinstance(raw, bool):
        return now + 1
    if isinstance(raw, int | float):
        return _epoch(raw)
    text = str(raw).strip()
    if _NUMBER_RE.match(text):
        return _epoch(text if "." in text else int(text))
    m = _DURATION_RE.match(text)
    if m:
        # Longer ago than the epoch: since the beginning.
        ago = float(m.group(1)) * _UNIT[m.group(2).lower()]
        return max(now - int(min(ago, _MAX_EPOCH)), 0)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return now + 1
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _span(raw: Any, name: str, now: int) -> tuple[int | None, int | None]:
    """A timestamp filter: one bound (from), or ``[from, to]`` in either order (MISP
    swaps them)."""
    if raw in (None, ""):
        return (None, None)
    if isinstance(raw, list | tuple):
        if len(raw) != 2:
            raise InvalidInput(f"{name}: a range is [from, to]")
        lo, hi = (None if b in (None, "") else relative_time(b, name, now) for b in raw)
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return (lo, hi)
    return (relative_time(raw, name, now), None)


def _ints(raw: Any, name: str) -> tuple[int, ...]:
    if raw in (None, "", []):
        return ()
    items = raw if isinstance(raw, list) else str(raw).split("|")
    return tuple(as_int(i, name) for i in items)


def _number(value: Any, path: str) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise InvalidInput(f"{path}: must be a number")
    return number


def _overrides(raw: Any, score: Any) -> tuple[tuple[str, float], ...]:
    """``modelOverrides`` (MISP keeps only :data:`OVERRIDABLE`) and ``score``, which
    sets the threshold."""
    if raw in (None, "", []):
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidInput('modelOverrides: must be an object such as {"threshold": 30}')
    out = {}
    for key, value in raw.items():
        if key in OVERRIDABLE:
            out[key] = _number(value, f"modelOverrides.{key}")
    if score not in (None, ""):
        out["threshold"] = float(int(_number(score, "score")))  # MISP: intval
    return tuple(sorted(out.items()))


def _date_bound(raw: Any) -> str | None:
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    # An epoch (PyMISP sends a datetime as a float): its UTC date.
    if not isinstance(raw, bool) and _NUMBER_RE.match(text) and len(text.split(".")[0]) >= 9:
        try:
            return dt.datetime.fromtimestamp(float(text), dt.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise InvalidInput(f"from/to: {raw!r} is not a date") from None
    return text[:10]


def _deleted(raw: Any) -> str:
    if isinstance(raw, list):
        if len(raw) > 1:
            return "both"
        raw = raw[0] if raw else None
    if raw in (None, "", False, 0, "0"):
        return "no"
    if raw in (True, 1, "1", "only"):
        return "only"
    raise InvalidInput(f"deleted: {raw!r} is not 0, 1 or [0, 1]")


def view_deleted(raw: Any) -> str:
    """``deleted`` of ``events/view`` (named parameter or body), as MISP's
    ``EventsController::view`` reads it: absent or 0, live content ("no"); 1 or true,
    live and deleted ("both"); 2, deleted only ("only"); a list, the states it names.
    (restSearch reads 1 as "only", see :func:`parse_query`.)"""
    if isinstance(raw, list):
        states = {as_int(v, "deleted[]", allowed=frozenset({0, 1})) for v in raw}
        return {frozenset({1}): "only", frozenset({0, 1}): "both"}.get(frozenset(states), "no")
    if raw in (None, "", False, 0, "0", "false"):
        return "no"
    if raw in (True, 1, "1", "true"):
        return "both"
    if raw in (2, "2", "only"):
        return "only"
    raise InvalidInput(f"deleted: {raw!r} is not 0, 1, 2 or a list of 0 and 1")


_ORDER_RE = re.compile(r"^(?:(event|attribute)\.)?(\w+)(?:\s+(asc|desc))?$", re.IGNORECASE)


def _order(raw: Any) -> tuple[str, str, bool] | None:
    """restSearch ``order`` (``"Event.timestamp ASC"``, ``"Attribute.value DESC"``,
    ``"timestamp"``) as (model, field, descending); which fields sort is the
    storage's business."""
    if raw in (None, ""):
        return None
    m = _ORDER_RE.match(str(raw).strip()) if isinstance(raw, str) else None
    if m is None:
        raise InvalidInput(f"order: {raw!r} is not '<Model>.<field> ASC' or '... DESC'")
    model = (m.group(1) or "").capitalize()
    return (model, m.group(2).lower(), (m.group(3) or "asc").lower() == "desc")


def _ip_normal(term: str) -> str:
    """An IPv6 address (or network) compressed and lower-cased, as MISP's restSearch
    rewrites a value before matching (values are stored so); any other term unchanged."""
    if term.count(":") < 2 or is_wildcard(term):
        return term
    canonical = rules.canonical_ip_or_cidr(term)
    return canonical if canonical is not None and ":" in canonical else term


def _values(raw: Any) -> Terms:
    terms = parse_terms(raw, "value")
    return Terms(*(tuple(_ip_normal(t) for t in part) for part in dataclasses.astuple(terms)))


def event_scope(params: Any) -> Any:
    """Filters of ``events/restSearch`` and ``events/index``: there ``timestamp`` is the
    event's own (MISP's ``set_filter_timestamp`` with scope ``Event``), not its
    attributes'. (With ``event_timestamp`` given too, ``timestamp`` keeps to attributes.)"""
    if not isinstance(params, Mapping):
        return params  # parse_query says what is wrong with it
    out = dict(params)
    if out.get("timestamp") not in (None, "") and out.get("event_timestamp") in (None, ""):
        out["event_timestamp"] = out.pop("timestamp")
    return out


def _flag(params: Mapping[str, Any], *names: str) -> bool:
    for n in names:
        if params.get(n) not in (None, ""):
            return as_bool(params[n], n)
    return False


def parse_query(params: Mapping[str, Any], *, now: int) -> Query:
    """Build a query from a restSearch body or index filters (MISP spellings accepted)."""
    if not isinstance(params, Mapping):  # e.g. {"request": 5}
        kind = type(params).__name__
        raise InvalidInput(f"request: expected a JSON object of filters, got {kind}")
    p = {k: v for k, v in params.items() if v is not None}
    limit = p.get("limit")
    limit_n = None if limit in (None, "", 0, "0") else as_int(limit, "limit")
    if limit_n is not None and not 0 < limit_n <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 1 and {MAX_LIMIT}")
    page = as_int(p.get("page") or 1, "page")
    if not 0 < page <= MAX_PAGE:
        raise InvalidInput(f"page: must be between 1 and {MAX_PAGE}")
    to_ids = p.get("to_ids")
    published = p.get("published")
    last = p.get("last", p.get("publish_timestamp"))
    return Query(
        value=_values(p.get("value", p.get("attribute"))),
        type=parse_terms(p.get("type"), "type"),
        category=parse_terms(p.get("category"), "category"),
        tags=parse_terms(p.get("tags", p.get("tag")), "tags"),
        event_tags=parse_terms(p.get("event_tags"), "event_tags"),
        org=parse_terms(p.get("org"), "org"),
        event_id=parse_terms(p.get("eventid"), "eventid"),
        uuid=parse_terms(p.get("uuid"), "uuid"),
        eventinfo=parse_terms(p.get("eventinfo"), "eventinfo"),
        object_name=parse_terms(p.get("object_name"), "object_name"),
        date=(
            _date_bound(p.get("from", p.get("datefrom"))),
            _date_bound(p.get("to", p.get("dateuntil"))),
        ),
        timestamp=_span(p.get("timestamp"), "timestamp", now),
        event_timestamp=_span(p.get("event_timestamp"), "event_timestamp", now),
        publish_timestamp=_span(last, "last", now),
        to_ids=None if to_ids in (None, "") else as_bool(to_ids, "to_ids"),
        published=None
        if published in (None, "", []) or isinstance(published, list)
        else as_bool(published, "published"),
        deleted=_deleted(p.get("deleted")),
        distribution=_ints(p.get("distribution"), "distribution"),
        threat_level=_ints(p.get("threat_level_id", p.get("threatlevel")), "threatlevel"),
        analysis=_ints(p.get("analysis"), "analysis"),
        sharing_group=_ints(p.get("sharinggroup"), "sharinggroup"),
        include_correlations=_flag(p, "includeCorrelations", "include_correlations"),
        include_sightings=_flag(p, "includeSightings", "include_sightings"),
        include_event_uuid=_flag(p, "includeEventUuid"),
        include_event_tags=_flag(p, "includeEventTags"),
        include_context=_flag(p, "includeContext"),
        include_decay_score=_flag(p, "includeDecayScore") or _flag(p, "excludeDecayed"),
        exclude_decayed=_flag(p, "excludeDecayed"),
        decaying_models=_ints(p.get("decayingModel"), "decayingModel"),
        model_overrides=_overrides(p.get("modelOverrides"), p.get("score")),
        limit=limit_n,
        page=page,
        sort=str(p.get("sort") or "id"),
        descending=str(p.get("direction", "asc")).lower() == "desc",
        order=_order(p.get("order")),
    )


def index_query(q: Query) -> Query:
    """``q`` as ``events/index`` reads it: MISP's index matches ``eventinfo`` as a
    substring (``lower(Event.info) LIKE '%term%'``, ``\\`` escaping as in MySQL), where
    ``restSearch`` matches it exactly unless the term has its own ``%``."""

    def around(terms: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"%{t}%" for t in terms)

    info = q.eventinfo
    wrapped = Terms(around(info.any_of), around(info.all_of), around(info.none_of))
    return dataclasses.replace(q, eventinfo=wrapped)
