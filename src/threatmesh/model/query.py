"""A restSearch query, parsed from MISP's many parameter spellings into plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threatmesh.model.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Terms:
    """Values to match: any of ``any_of`` (empty: no constraint), all of ``all_of``,
    none of ``none_of``. ``%`` in a term is a wildcard, as in MISP."""

    any_of: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.any_of or self.all_of or self.none_of)


def _split(text: str) -> tuple[list[str], list[str]]:
    """``"a||b&&c"``-style strings: ``||`` separates alternatives; ``&&`` required terms."""
    if "&&" in text:
        return [], [t for t in text.split("&&") if t]
    return [t for t in text.split("||") if t], []


def parse_terms(raw: Any, name: str) -> Terms:
    """MISP's filter syntax: a scalar, a list, ``"a||b"``, ``"!x"`` negation, or
    ``{"OR": [...], "AND": [...], "NOT": [...]}``."""
    if raw is None or raw == "" or raw == []:
        return Terms()
    if isinstance(raw, dict):
        unknown = set(raw) - {"OR", "AND", "NOT", "or", "and", "not"}
        if unknown:
            raise InvalidInput(f"{name}: unknown operator(s) {sorted(unknown)}; use OR, AND, NOT")

        def part(key: str) -> list[str]:
            value = raw.get(key, raw.get(key.lower()))
            return [str(v) for v in _as_list(value)]

        pos = parse_terms(part("OR"), name)
        return Terms(pos.any_of, tuple(part("AND")) + pos.all_of, tuple(part("NOT")) + pos.none_of)
    items = _as_list(raw)
    any_of: list[str] = []
    all_of: list[str] = []
    none_of: list[str] = []
    for item in items:
        if isinstance(item, dict | list):
            raise InvalidInput(f"{name}: nested structures are not supported here")
        text = str(item)
        alts, required = _split(text)
        for t in alts or required:
            target = none_of if t.startswith("!") else (all_of if required else any_of)
            target.append(t[1:] if t.startswith("!") else t)
    return Terms(tuple(any_of), tuple(all_of), tuple(none_of))


def is_wildcard(term: str) -> bool:
    """MISP's ``generic_add_filter``: a term is a LIKE pattern when it starts or ends
    with ``%``; any other term (also one with a ``%`` inside) matches exactly."""
    return term.startswith("%") or term.endswith("%")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@dataclass(frozen=True, slots=True)
class Query:
    """Filters common to ``attributes/restSearch``, ``events/restSearch`` and ``events/index``."""

    value: Terms = field(default_factory=Terms)
    type: Terms = field(default_factory=Terms)
    category: Terms = field(default_factory=Terms)
    tags: Terms = field(default_factory=Terms)
    #: ``event_tags``: tags on the event itself (not its attributes')
    event_tags: Terms = field(default_factory=Terms)
    org: Terms = field(default_factory=Terms)
    event_id: Terms = field(default_factory=Terms)
    uuid: Terms = field(default_factory=Terms)
    eventinfo: Terms = field(default_factory=Terms)
    object_name: Terms = field(default_factory=Terms)
    #: (from, to) on the event's ``date`` (ISO dates)
    date: tuple[str | None, str | None] = (None, None)
    #: (from, to) epoch seconds on the attribute's (or event's) ``timestamp``
    timestamp: tuple[int | None, int | None] = (None, None)
    event_timestamp: tuple[int | None, int | None] = (None, None)
    publish_timestamp: tuple[int | None, int | None] = (None, None)
    to_ids: bool | None = None
    published: bool | None = None
    #: "no" (default: only live data), "only", or "both"
    deleted: str = "no"
    distribution: tuple[int, ...] = ()
    threat_level: tuple[int, ...] = ()
    analysis: tuple[int, ...] = ()
    sharing_group: tuple[int, ...] = ()
    include_correlations: bool = False
    include_sightings: bool = False
    include_event_uuid: bool = False
    include_event_tags: bool = False
    #: ``includeContext``: each attribute's ``Event`` is the event's metadata and tags
    include_context: bool = False
    #: ``includeDecayScore``: each attribute's ``decay_score`` under the enabled models
    include_decay_score: bool = False
    #: ``excludeDecayed``: drop the attributes every applicable model scores as decayed
    exclude_decayed: bool = False
    #: ``decayingModel``: score with these models (enabled or not, whatever the type)
    decaying_models: tuple[int, ...] = ()
    #: ``modelOverrides`` (and ``score``, the threshold): parameters the scores use
    model_overrides: tuple[tuple[str, float], ...] = ()
    limit: int | None = None
    page: int = 1
    sort: str = "id"
    descending: bool = False
    #: restSearch ``order``: (model "Event", "Attribute" or "", field, descending)
    order: tuple[str, str, bool] | None = None
