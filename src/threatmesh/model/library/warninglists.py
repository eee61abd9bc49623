"""Warninglists, as MISP's ``Warninglist::update`` stores them.

Source: ``pymispwarninglists``' ``data/misp-warninglists/lists/<name>/list.json``
(119 lists, 2.5 million entries). MISP defaults ``version`` to 1 and ``type`` to
``string`` (the first one when ``type`` is a list), drops empty entries (PHP's ``empty``,
so ``"0"`` too), stores ``matching_attributes`` as the list's types (``["ALL"]`` when
there are none), and saves loaded lists disabled, ``default``, category
``false_positive`` (the file's ``category`` is not saved on update).

Matching is in :mod:`threatmesh.model.library.warninglist_match`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from threatmesh.model.errors import InvalidInput
from threatmesh.model.library import php
from threatmesh.model.library.packaged import Failure, Loaded, named_files, read_json, resource

__all__ = [
    "ALL_TYPES",
    "LIST_TYPES",
    "Warninglist",
    "iter_warninglists",
    "load_warninglists",
    "warninglist_from_json",
]

#: The ``warninglist_types`` entry meaning "every attribute type".
ALL_TYPES = "ALL"
#: The list types MISP accepts.
LIST_TYPES = frozenset({"cidr", "hostname", "string", "substring", "regex"})

_PACKAGE = "pymispwarninglists"
_ROOT = ("data", "misp-warninglists", "lists")


@dataclass(frozen=True, slots=True)
class Warninglist:
    """One ``warninglists`` row, its entry values (file order) and its types.

    ``comments`` holds the comment of each value that has one (lists written as an object
    ``value -> comment``). ``valid_attributes`` (``warninglists/index``) is
    ``", ".join(matching_attributes)``; ``warninglist_entry_count`` is ``len(values)``.
    """

    name: str
    type: str
    description: str
    version: int
    category: str
    matching_attributes: tuple[str, ...]
    values: tuple[str, ...]
    comments: Mapping[str, str] = field(default_factory=dict)

    def entries(self) -> Iterator[tuple[str, str | None]]:
        """``(value, comment)`` pairs, the ``warninglist_entries`` rows."""
        return ((v, self.comments.get(v)) for v in self.values)


def _values(raw: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    """A ``list`` that is an array of values, or an object value -> comment."""
    if isinstance(raw, Mapping):
        pairs = [(php.to_str(k), php.to_str(c)) for k, c in raw.items()]
        kept = [(v, c) for v, c in pairs if not php.is_empty(v)]
        return tuple(v for v, _ in kept), dict(kept)
    values = (php.to_str(v) if not isinstance(v, str) else v for v in raw or ())
    return tuple(v for v in values if not php.is_empty(v)), {}


def warninglist_from_json(
    data: Mapping[str, Any], *, category: str = "false_positive"
) -> Warninglist:
    """A ``list.json`` as MISP saves it; :class:`InvalidInput` for a type MISP refuses."""
    kind = data.get("type", "string")
    if isinstance(kind, list):
        kind = kind[0] if kind else "string"
    if kind not in LIST_TYPES:
        raise InvalidInput(f"warninglist {data.get('name')!r}: unknown type {kind!r}")
    name = str(data.get("name", ""))
    if php.is_empty(name):
        raise InvalidInput("warninglist without a name")
    types = tuple(str(t) for t in data.get("matching_attributes") or ()) or (ALL_TYPES,)
    values, comments = _values(data.get("list"))
    return Warninglist(
        name=name,
        type=str(kind),
        description=str(data.get("description", "")),
        version=int(data.get("version", 1)),
        category=category,
        matching_attributes=types,
        values=values,
        comments=comments,
    )


def iter_warninglists() -> Iterator[Warninglist | Failure]:
    """Every list of the installed ``pymispwarninglists``, in folder-name order, one at a
    time (the biggest holds a million entries); a list MISP would refuse is a Failure."""
    for node in named_files(resource(_PACKAGE, *_ROOT), "list.json"):
        data = read_json(node)
        try:
            yield warninglist_from_json(data)
        except InvalidInput as exc:
            yield Failure(key=str(data.get("name", node.name)), reason=exc.message)


def load_warninglists() -> Loaded[Warninglist]:
    """All lists at once (about 2.5 million entries; see :func:`iter_warninglists`)."""
    items: list[Warninglist] = []
    failures: list[Failure] = []
    for loaded in iter_warninglists():
        if isinstance(loaded, Failure):
            failures.append(loaded)
        else:
            items.append(loaded)
    return Loaded(tuple(items), tuple(failures))
