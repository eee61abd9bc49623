"""Correlation computed on read from the value index (no table of pairs).

MISP writes one row per pair of matching attributes, which grows quadratically with
common values (users report 291 GB of correlations for 4.9 GB of attributes). Here a
correlation is an index lookup: the values of the source attributes are looked up in
the value index (:mod:`threatmesh.storage.correlation.value_index`) and, for IP types,
in ``ip_index`` for CIDR
containment. Rules follow MISP: non-correlating types and ``disable_correlation`` (on
the attribute or its event) are skipped, ``ip|port``-like types correlate on their
first part only, deleted attributes never correlate, and a value shared by more than
``cap`` attributes is over-correlating and ignored, as is a value a correlation exclusion
covers (:mod:`threatmesh.storage.collab.exclusions`). Only attributes the viewer may see
are ever matched, so a correlation never reveals an invisible event.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, FromClause

from threatmesh.model.access import Viewer
from threatmesh.model.validation import describe_types
from threatmesh.model.validation.values import network_host_bits
from threatmesh.storage.collab import exclusions
from threatmesh.storage.core import acl, lists
from threatmesh.storage.core.tables import attributes, events, ip_index, ip_network_sizes
from threatmesh.storage.correlation import value_index

_CHUNK = 2000  # values per IN list: well under SQLite's 32,766 parameters
_IX = ip_index.c
_T = TypeVar("_T")
#: Types whose values take part in CIDR containment.
IP_SOURCE_TYPES = describe_types.IP_TYPES | describe_types.IP_VALUE2_TYPES


@dataclass(frozen=True, slots=True)
class Source:
    """An attribute whose correlations are wanted."""

    id: int
    event_id: int
    type: str
    value1: str
    value2: str


@dataclass(frozen=True, slots=True)
class Match:
    """Source attribute ``source_id`` correlates with attribute ``id`` of ``event_id``."""

    source_id: int
    id: int
    event_id: int


def source_values(src: Source) -> tuple[str, ...]:
    """The values of ``src`` that take part in correlation."""
    if src.type in describe_types.NON_CORRELATING_TYPES:
        return ()
    if src.value2 and src.type not in describe_types.PRIMARY_ONLY_CORRELATING_TYPES:
        return (src.value1, src.value2)
    return (src.value1,)


def not_of_types(column: ColumnElement[Any], types: Iterable[str]) -> ColumnElement[bool]:
    """``column NOT IN (...)`` for a fixed set of types, as one bound parameter per
    type: an expanding list is re-rendered into the SQL text at every execution (a
    third of the cost of ``storage.related``'s statement for a small event)."""
    return sa.not_(column.in_([sa.literal(t, column.type) for t in sorted(types)]))


def correlatable(attr: FromClause, ev: FromClause) -> ColumnElement[bool]:
    """Attributes that may correlate at all (joined with their event ``ev``)."""
    return sa.and_(
        attr.c.deleted.is_(False),
        attr.c.disable_correlation.is_(False),
        not_of_types(attr.c.type, describe_types.NON_CORRELATING_TYPES),
        ev.c.disable_correlation.is_(False),
    )


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _value_match(attr: FromClause, values: Sequence[str]) -> ColumnElement[bool]:
    return sa.or_(
        value_index.value1_in(attr, values),
        sa.and_(
            value_index.value2_in(attr, values),
            attr.c.type.not_in(sorted(describe_types.PRIMARY_ONLY_CORRELATING_TYPES)),
        ),
    )


def capped_carriers(
    source: Any, cap: Any, attr: FromClause, ev: FromClause, *, second: bool
) -> sa.ScalarSelect[Any]:
    """How many correlatable attributes (``attr``, joined with its event ``ev``) carry
    the value ``source.v`` (key ``source.k``) in value1, or with ``second`` in value2,
    counted only up to ``cap + 1``: enough to tell an over-correlating value, without
    reading every carrier of a popular one at every view. The sum of the two capped
    counts is <= ``cap`` exactly when the sum of the true counts is."""
    carries = value_index.value2_is if second else value_index.value1_is
    conds = [carries(attr, source.c.v, source.c.k), correlatable(attr, ev)]
    if second:
        conds.append(not_of_types(attr.c.type, describe_types.PRIMARY_ONLY_CORRELATING_TYPES))
    joined = attr.join(ev, ev.c.id == attr.c.event_id)
    some: sa.Select[Any] = sa.select(sa.literal_column("1")).select_from(joined)
    some = some.where(*conds).correlate(source)
    return sa.select(sa.func.count()).select_from(some.limit(cap + 1).subquery()).scalar_subquery()


def over_correlating(conn: Connection, values: Iterable[str], cap: int) -> set[str]:
    """The values among ``values`` that more than ``cap`` attributes carry."""
    counts: dict[str, int] = {}
    ordered = sorted(set(values))
    a, e = attributes, events
    primary_only = sorted(describe_types.PRIMARY_ONLY_CORRELATING_TYPES)
    # Counted in two GROUP BY statements a chunk at a time: measured twice as fast, for a
    # page of 1,000 values, as the capped count per value that RelatedEvent uses.
    for chunk in _chunks(ordered):
        base = sa.select(sa.func.count()).select_from(a.join(e, e.c.id == a.c.event_id))
        q1 = base.add_columns(a.c.value1).where(value_index.value1_in(a, chunk), correlatable(a, e))
        q2 = base.add_columns(a.c.value2).where(
            value_index.value2_in(a, chunk),
            a.c.type.not_in(primary_only),
            correlatable(a, e),
        )
        for q, col in ((q1, a.c.value1), (q2, a.c.value2)):
            for count, value in conn.execute(q.group_by(col)).all():
                counts[value] = counts.get(value, 0) + count
    return {v for v, n in counts.items() if n > cap}


def _exact_matches(
    conn: Connection, viewer: Viewer, sources: Sequence[Source], cap: int, upp: bool
) -> list[Match]:
    by_value: dict[str, list[Source]] = {}
    for src in sources:
        for v in source_values(src):
            by_value.setdefault(v, []).append(src)
    hot = over_correlating(conn, by_value, cap) | exclusions.excluded(conn, by_value)
    values = [v for v in sorted(by_value) if v not in hot]
    a, e = attributes, events
    out: list[Match] = []
    for chunk in _chunks(values):
        q = (
            sa.select(a.c.id, a.c.event_id, a.c.value1, a.c.value2, a.c.type)
            .select_from(a.join(e, e.c.id == a.c.event_id))
            .where(
                _value_match(a, chunk),
                correlatable(a, e),
                acl.attribute_visible(viewer, a, e, unpublished_private=upp),
            )
        )
        wanted = set(chunk)  # once per chunk, not per matching row
        for row in conn.execute(q):
            matched = {row.value1}
            if row.value2 and row.type not in describe_types.PRIMARY_ONLY_CORRELATING_TYPES:
                matched.add(row.value2)
            for v in matched & wanted:
                out.extend(
                    Match(s.id, row.id, row.event_id)
                    for s in by_value[v]
                    if s.event_id != row.event_id
                )
    return out


#: At most this many stored networks are read in one query rather than probed for.
_FEW_NETWORKS = 5_000

#: Stored networks by their number of host bits (32 for a /96 in the mapped space, 8 for
#: an IPv4 /24...), as the set of their network addresses.
Networks = dict[int, set[bytes]]


def _by_host_bits(spans: Iterable[tuple[bytes, bytes]]) -> Networks:
    out: Networks = {}
    for lo, hi in spans:
        out.setdefault(network_host_bits(lo, hi), set()).add(lo)
    return out


def _containing(address: bytes, networks: Networks) -> list[bytes]:
    """Network addresses of the stored networks that contain ``address``: only the
    prefix lengths some stored network has are tried (a handful, not 129)."""
    return sorted({p for bits in networks if (p := _start(address, bits)) in networks[bits]})


def _start(address: bytes, host_bits: int) -> bytes:
    """The first address of the network of ``host_bits`` host bits around ``address``."""
    n = int.from_bytes(address, "big")
    return (n >> host_bits << host_bits).to_bytes(16, "big")


_SIZES = sa.select(ip_network_sizes.c.host_bits)
# Networks are the rows with a ``hi`` (a single address has none).
_SOME_NETWORKS = (
    sa.select(_IX.lo, _IX.hi)
    .where(_IX.hi.is_not(None))
    .distinct()
    .limit(sa.bindparam("limit", type_=sa.Integer()))
)
_NETWORKS_AT = (
    sa.select(_IX.lo, _IX.hi)
    .distinct()
    .where(_IX.lo.in_(sa.bindparam("lo", expanding=True, type_=_IX.lo.type)), _IX.hi.is_not(None))
)


def _stored_networks(conn: Connection, addresses: Iterable[bytes]) -> Networks:
    """Stored networks that may contain one of ``addresses`` (a superset, cheap to test
    in memory with :func:`_containing`).

    A containing network starts at one of the addresses' prefixes, at a length some
    stored network has (``ip_network_sizes``), so probing the index there finds them
    all whatever the table holds. When the stored networks are fewer than those probes
    (many addresses, few networks: the common case for a big event), reading them all
    is cheaper; they are read with a limit of that many, so the attempt never costs
    much more than the probes it may save."""
    sizes = conn.execute(_SIZES).scalars().all()
    if not sizes:
        return {}
    addresses = set(addresses)
    limit = min(len(addresses) * len(sizes), _FEW_NETWORKS)
    if limit:
        few = conn.execute(_SOME_NETWORKS, {"limit": limit + 1}).all()
        if len(few) <= limit:
            return _by_host_bits((lo, hi) for lo, hi in few)
    starts = sorted({_start(a, bits) for a in addresses for bits in sizes})
    found: list[tuple[bytes, bytes]] = []
    for chunk in _chunks(starts):
        found.extend((lo, hi) for lo, hi in conn.execute(_NETWORKS_AT, {"lo": list(chunk)}))
    return _by_host_bits(found)


# The statements of CIDR containment, built once (building them cost more than running
# them for a small event); ``limit`` is the cap + 1.
_SPANS = sa.select(_IX.attribute_id, _IX.lo, _IX.hi).where(lists.in_list(_IX.attribute_id, "ids"))
_LO, _HI = sa.bindparam("lo", type_=_IX.lo.type), sa.bindparam("hi", type_=_IX.hi.type)
_CAPPED = sa.select(_IX.attribute_id).limit(sa.bindparam("limit", type_=sa.Integer()))
# A single address: which networks contain it? ``lo`` is always a network address
# (see ``ip_range``), so a containing network's ``lo`` is the address with its low
# bits cleared: at most 129 index probes, where ``lo <= address`` scanned every
# network below the address (and PostgreSQL even chose a sequential scan for it).
_CONTAINING = _CAPPED.where(
    _IX.lo.in_(sa.bindparam("prefixes", expanding=True, type_=_IX.lo.type)),
    _IX.hi.is_not(None),
    _IX.hi >= _HI,
)
# A network: which addresses and smaller networks lie inside? (An address has no
# ``hi``: lo <= hi already puts it inside.)
_INSIDE = _CAPPED.where(_IX.lo >= _LO, _IX.lo <= _HI, sa.or_(_IX.hi.is_(None), _IX.hi <= _HI))


def _ip_candidates(conn: Connection, sources: Sequence[Source], cap: int) -> list[tuple[int, int]]:
    """(source id, matching attribute id) pairs by CIDR containment, before ACL."""
    rows = conn.execute(_SPANS, {"ids": lists.as_list(s.id for s in sources)})
    spans = [(aid, lo, hi or lo) for aid, lo, hi in rows]
    pairs: list[tuple[int, int]] = []
    singles = {lo for _, lo, hi in spans if lo == hi}
    networks = _stored_networks(conn, singles) if singles else {}
    for src_id, lo, hi in spans:
        if lo == hi:
            near = _containing(lo, networks) if networks else []
            if not near:  # no stored network contains this address
                continue
            params = {"prefixes": near, "hi": hi, "limit": cap + 1}
            found = conn.execute(_CONTAINING, params).scalars().all()
        else:
            found = conn.execute(_INSIDE, {"lo": lo, "hi": hi, "limit": cap + 1}).scalars().all()
        if len(found) <= cap:
            pairs.extend((src_id, f) for f in found if f != src_id)
    return pairs


@functools.lru_cache(maxsize=8)
def _visible_targets(viewer: Viewer, upp: bool) -> sa.Select[Any]:
    """(id, event id) of the correlatable attributes among ``ids`` that ``viewer`` (a
    :func:`acl.bound` one) may see: built once per kind of viewer."""
    a, e = attributes, events
    return (
        sa.select(a.c.id, a.c.event_id)
        .select_from(a.join(e, e.c.id == a.c.event_id))
        .where(
            lists.in_list(a.c.id, "ids"),
            correlatable(a, e),
            acl.attribute_visible(viewer, a, e, unpublished_private=upp),
        )
    )


def cidr_matches(
    conn: Connection, viewer: Viewer, sources: Sequence[Source], cap: int, upp: bool
) -> list[Match]:
    """Correlations of ``sources`` by CIDR containment only (see :func:`correlate`)."""
    ip_sources = [s for s in sources if s.type in IP_SOURCE_TYPES]
    if not ip_sources:
        return []
    excluded = exclusions.excluded(conn, (s.value1 for s in ip_sources))
    ip_sources = [s for s in ip_sources if s.value1 not in excluded]
    if not ip_sources:
        return []
    pairs = _ip_candidates(conn, ip_sources, cap)
    if not pairs:
        return []
    event_of = {s.id: s.event_id for s in ip_sources}
    q = _visible_targets(acl.bound(viewer), upp)
    params = {"ids": lists.as_list(t for _, t in pairs), **acl.params(viewer)}
    visible = {r[0]: r[1] for r in conn.execute(q, params)}
    return [
        Match(src, t, visible[t])
        for src, t in pairs
        if t in visible and visible[t] != event_of[src]
    ]


def correlate(
    conn: Connection,
    viewer: Viewer,
    sources: Sequence[Source],
    *,
    cap: int,
    unpublished_private: bool = False,
) -> list[Match]:
    """All correlations of ``sources`` with attributes of other events that ``viewer``
    may see: exact value matches and CIDR containment, without duplicates. Pass the
    platform's ``unpublished_private``: under it, another organisation's unpublished
    event is invisible, and a correlation must not reveal it."""
    seen: set[tuple[int, int]] = set()
    out: list[Match] = []
    for m in (
        *_exact_matches(conn, viewer, sources, cap, unpublished_private),
        *cidr_matches(conn, viewer, sources, cap, unpublished_private),
    ):
        if (m.source_id, m.id) not in seen:
            seen.add((m.source_id, m.id))
            out.append(m)
    return out
