"""Taxonomies, as MISP's ``Taxonomy::update`` stores them, and the tags they define.

Source: ``pytaxonomies``' ``data/misp-taxonomies/<namespace>/machinetag.json`` (the data
MISP ships as its ``taxonomies`` submodule). MISP walks the folders, skips taxonomies whose
``type`` does not include ``event``, defaults ``version`` to 1, and stores predicates with
their entries (the ``values`` blocks merged per predicate, in file order). Loaded
taxonomies start disabled and not required.

A taxonomy's tags (:func:`entries`, MISP's ``__getTaxonomy``) are ``ns:pred="value"`` for
each entry and ``ns:pred`` for each predicate without entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.errors import InvalidInput
from threatmesh.model.library import php
from threatmesh.model.library.colours import palette_from_string
from threatmesh.model.library.packaged import Failure, Loaded, named_files, read_json, resource

__all__ = [
    "Predicate",
    "Taxonomy",
    "TaxonomyEntry",
    "TaxonomyTag",
    "entries",
    "load_taxonomies",
    "tag_colours",
    "taxonomy_from_json",
]

_PACKAGE = "pytaxonomies"
_ROOT = ("data", "misp-taxonomies")


@dataclass(frozen=True, slots=True)
class TaxonomyEntry:
    """One ``taxonomy_entries`` row (a value of a predicate)."""

    value: str
    expanded: str | None = None
    description: str | None = None
    colour: str | None = None
    numerical_value: int | None = None


@dataclass(frozen=True, slots=True)
class Predicate:
    """One ``taxonomy_predicates`` row and its entries, in file order."""

    value: str
    expanded: str | None = None
    description: str | None = None
    colour: str | None = None
    exclusive: bool = False
    numerical_value: int | None = None
    entries: tuple[TaxonomyEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """One ``taxonomies`` row with its predicates. ``uuid``/``expanded``/``refs`` are not
    stored by MISP; they are kept for display."""

    namespace: str
    description: str
    version: int
    exclusive: bool
    highlighted: bool
    predicates: tuple[Predicate, ...]
    uuid: str = ""
    expanded: str = ""
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaxonomyTag:
    """One item of ``taxonomies/view``'s ``entries``: a tag the taxonomy defines.

    ``exclusive_predicate`` is None for a predicate without entries (MISP leaves the key
    out); ``description``, ``colour`` and ``numerical_value`` are None when MISP leaves
    them out.
    """

    tag: str
    expanded: str
    exclusive_predicate: bool | None
    description: str | None
    colour: str | None
    numerical_value: int | None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _entry(raw: Mapping[str, Any]) -> TaxonomyEntry:
    return TaxonomyEntry(
        value=str(raw["value"]),
        expanded=_text(raw.get("expanded")),
        description=_text(raw.get("description")),
        colour=_text(raw.get("colour")),
        numerical_value=_number(raw.get("numerical_value")),
    )


def taxonomy_from_json(data: Mapping[str, Any]) -> Taxonomy:
    """A ``machinetag.json`` as MISP saves it.

    Raises :class:`InvalidInput` when a ``values`` block names an unknown predicate
    (MISP's "Invalid taxonomy `ns` provided. Predicate `p` is missing.").
    """
    namespace = str(data["namespace"])
    raw_predicates = [p for p in data.get("predicates", ()) if isinstance(p, Mapping)]
    entries_of: dict[str, list[TaxonomyEntry]] = {str(p["value"]): [] for p in raw_predicates}
    for block in data.get("values") or ():
        predicate = str(block["predicate"])
        if predicate not in entries_of:
            raise InvalidInput(
                f"Invalid taxonomy `{namespace}` provided. Predicate `{predicate}` is missing."
            )
        entries_of[predicate].extend(_entry(e) for e in block.get("entry") or ())
    predicates = tuple(
        Predicate(
            value=str(p["value"]),
            expanded=_text(p.get("expanded")),
            description=_text(p.get("description")),
            colour=_text(p.get("colour")),
            exclusive=bool(p.get("exclusive", False)),
            numerical_value=_number(p.get("numerical_value")),
            entries=tuple(entries_of[str(p["value"])]),
        )
        for p in raw_predicates
    )
    return Taxonomy(
        namespace=namespace,
        description=str(data.get("description", "")),
        version=int(data.get("version", 1)),
        exclusive=not php.is_empty(data.get("exclusive")),
        highlighted=not php.is_empty(data.get("highlighted")),
        predicates=predicates,
        uuid=str(data.get("uuid", "")),
        expanded=str(data.get("expanded", "")),
        refs=tuple(str(r) for r in data.get("refs") or ()),
    )


def _for_events(data: Mapping[str, Any]) -> bool:
    """MISP loads a taxonomy only if it has no ``type`` or its ``type`` includes ``event``."""
    kinds = data.get("type")
    if kinds is None:
        return True
    return "event" in kinds if isinstance(kinds, list) else kinds == "event"


def load_taxonomies() -> Loaded[Taxonomy]:
    """Every event taxonomy of the installed ``pytaxonomies``, in folder-name order."""
    items: list[Taxonomy] = []
    failures: list[Failure] = []
    for node in named_files(resource(_PACKAGE, *_ROOT), "machinetag.json"):
        data = read_json(node)
        if not _for_events(data):
            continue
        try:
            items.append(taxonomy_from_json(data))
        except InvalidInput as exc:
            failures.append(Failure(key=str(data.get("namespace", "")), reason=exc.message))
    return Loaded(tuple(items), tuple(failures))


def _or_value(expanded: str | None, value: str) -> str:
    return value if php.is_empty(expanded) else str(expanded)


def _keep(text: str | None) -> str | None:
    return None if php.is_empty(text) else text


def entries(taxonomy: Taxonomy, name_filter: str | None = None) -> list[TaxonomyTag]:
    """The tags of ``taxonomy`` (``taxonomies/view``'s ``entries``), optionally only those
    whose lower-cased name contains ``name_filter`` lower-cased."""
    out: list[TaxonomyTag] = []
    for predicate in taxonomy.predicates:
        out.extend(_predicate_tags(taxonomy.namespace, predicate))
    if name_filter:
        needle = name_filter.lower()
        out = [t for t in out if needle in t.tag.lower()]
    return out


def _predicate_tags(namespace: str, predicate: Predicate) -> Iterable[TaxonomyTag]:
    label = _or_value(predicate.expanded, predicate.value)
    if not predicate.entries:
        yield TaxonomyTag(
            tag=f"{namespace}:{predicate.value}",
            expanded=label,
            exclusive_predicate=None,
            description=_keep(predicate.description),
            colour=_keep(predicate.colour),
            numerical_value=predicate.numerical_value,
        )
    for entry in predicate.entries:
        yield TaxonomyTag(
            tag=f'{namespace}:{predicate.value}="{entry.value}"',
            expanded=f"{label}: {_or_value(entry.expanded, entry.value)}",
            exclusive_predicate=predicate.exclusive,
            description=_keep(entry.description),
            colour=_keep(entry.colour),
            numerical_value=entry.numerical_value,
        )


def tag_colours(taxonomy: Taxonomy) -> dict[str, str]:
    """The colour MISP gives each tag it creates from ``taxonomy`` (``Taxonomy::addTags``):
    the entry's own colour, else a shade of the namespace's palette."""
    tags = entries(taxonomy)
    shades = palette_from_string(taxonomy.namespace, len(tags))
    return {t.tag: t.colour or shades[i] for i, t in enumerate(tags)}
