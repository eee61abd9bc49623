"""The checks MISP makes of tags against taxonomies (``Model/Taxonomy.php``, ``Event.php``).

- *Exclusivity* (``checkIfNewTagIsAllowedByTaxonomy``, ``getTagConflicts``): a tag may not
  join a tag with the same prefix (``ns`` for ``ns:pred``, ``ns:pred`` for
  ``ns:pred="v"``) when its taxonomy is exclusive or its predicate is. ``tlp:white`` and
  ``tlp:clear`` are the one allowed pair. MISP looks the taxonomy up whether it is enabled
  or not.
- *Required* (``checkIfPublishable``): an event may be published only when it carries a tag
  of every taxonomy that is both required and enabled.
- *Enabled namespace* (``tags/index``, ``tags/tagStatistics``): a tag belongs to an enabled
  taxonomy when its name *starts with* the namespace, compared without case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from threatmesh.model.library.taxonomies import Predicate, Taxonomy

__all__ = [
    "TagConflict",
    "TagParts",
    "TaxonomyIndex",
    "conflicts",
    "is_allowed",
    "matching_namespace",
    "missing_required",
    "split_tag",
    "strip_last_component",
]

_TAG = re.compile(r'^([^:="]+):([^:="]+)(="([^"]+)")?$', re.IGNORECASE)
_TLP_PAIR = frozenset({"tlp:white", "tlp:clear"})


@dataclass(frozen=True, slots=True)
class TagParts:
    """A tag in taxonomy format split (``splitTagToComponents``); ``value`` may be None."""

    namespace: str
    predicate: str
    value: str | None


@dataclass(frozen=True, slots=True)
class TagConflict:
    """Tags that may not stand together, and why (MISP's ``conflict`` text)."""

    tags: tuple[str, ...]
    namespace: str
    conflict: str


def split_tag(name: str) -> TagParts | None:
    """``ns:pred`` or ``ns:pred="value"`` split, or None if the tag is not in that form."""
    match = _TAG.match(name)
    if match is None:
        return None
    return TagParts(match.group(1), match.group(2), match.group(4))


def strip_last_component(name: str) -> str:
    """``ns:pred`` for ``ns:pred="v"``, ``ns`` for ``ns:pred``, ``""`` for other tags."""
    parts = split_tag(name)
    if parts is None:
        return ""
    return parts.namespace if parts.value is None else f"{parts.namespace}:{parts.predicate}"


class TaxonomyIndex:
    """Taxonomies by namespace, looked up as MISP's ``getTaxonomyForTag`` does (no case)."""

    def __init__(self, taxonomies: Iterable[Taxonomy]) -> None:
        self._by_namespace = {t.namespace.lower(): t for t in taxonomies}

    def for_tag(self, name: str) -> tuple[Taxonomy, Predicate | None] | None:
        """The taxonomy of a tag and its predicate (None if the predicate is unknown)."""
        parts = split_tag(name)
        if parts is None:
            return None
        taxonomy = self._by_namespace.get(parts.namespace.lower())
        if taxonomy is None:
            return None
        wanted = parts.predicate.lower()
        predicate = next((p for p in taxonomy.predicates if p.value.lower() == wanted), None)
        return taxonomy, predicate


def _exclusive(found: tuple[Taxonomy, Predicate | None] | None) -> str | None:
    """Why a taxonomy lookup makes same-prefix tags exclusive, or None."""
    if found is None:
        return None
    taxonomy, predicate = found
    if taxonomy.exclusive:
        return f"Taxonomy `{taxonomy.namespace}` is an exclusive Taxonomy"
    if predicate is not None and predicate.exclusive:
        return f"Predicate `{predicate.value}` is exclusive"
    return None


def is_allowed(new_tag: str, present: Sequence[str], index: TaxonomyIndex) -> bool:
    """Whether ``new_tag`` may join the tags ``present`` (same event/attribute, same
    locality). MISP's answer when not: "Tag is not allowed due to taxonomy exclusivity
    settings"."""
    prefix = strip_last_component(new_tag)
    if all(strip_last_component(t) != prefix for t in present):
        return True
    taxonomy = index.for_tag(new_tag)
    if taxonomy is not None and taxonomy[0].exclusive:
        other = "tlp:clear" if new_tag == "tlp:white" else "tlp:white"
        return new_tag in _TLP_PAIR and other in present
    return _exclusive(taxonomy) is None


def conflicts(tag_names: Sequence[str], index: TaxonomyIndex) -> list[TagConflict]:
    """The exclusivity conflicts among tags already attached (``getTagConflicts``)."""
    groups: dict[str, list[str]] = {}
    for name in tag_names:
        prefix = strip_last_component(name)
        if prefix:
            groups.setdefault(prefix, []).append(name)
    tlp = groups.get("tlp", [])
    if len(tlp) == 2 and set(tlp) == _TLP_PAIR:
        del groups["tlp"]
    out = []
    for prefix, names in groups.items():
        # MISP looks the taxonomy up from the second tag of the group.
        reason = _exclusive(index.for_tag(names[1])) if len(names) > 1 else None
        if reason is not None:
            out.append(TagConflict(tags=tuple(names), namespace=prefix, conflict=reason))
    return out


def missing_required(required_namespaces: Iterable[str], tag_names: Iterable[str]) -> list[str]:
    """The required (and enabled) namespaces none of the event's tags belongs to.

    MISP compares namespaces exactly, case included.
    """
    present = {p.namespace for p in map(split_tag, tag_names) if p is not None}
    return [ns for ns in required_namespaces if ns not in present]


def matching_namespace(tag_name: str, namespaces: Iterable[str]) -> str | None:
    """The first namespace the tag name starts with, compared without case (MISP's test in
    ``tags/index`` and ``tags/tagStatistics``; ``tlpx:y`` therefore matches ``tlp``)."""
    lowered = tag_name.lower()
    return next((ns for ns in namespaces if lowered.startswith(ns.lower())), None)
