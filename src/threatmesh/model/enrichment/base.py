"""The enrichment interface: one attribute in, new attributes and tags out, with provenance.

A module says which attribute types it handles and answers an :class:`Expansion` for a
value of one of them: attributes to add to the event (as ``attributes/add`` takes them)
and tags to put on the attribute it was given. Every attribute it adds names the module
and the attribute it came from in its comment, and carries the module's tag, so an
analyst can tell expanded data from reported data and a second run adds nothing twice.
A module never raises on a value it handles: what it cannot expand is an empty expansion.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from threatmesh.model.registry import Registry

__all__ = ["ENRICHERS", "Enricher", "Expansion", "Found", "module_tag", "provenance"]

Json = dict[str, Any]


def module_tag(module: str) -> str:
    """The tag on every attribute ``module`` adds (machine tag, MISP's syntax)."""
    return f'threatmesh:enrichment="{module}"'


def provenance(module: str, attribute_type: str, value: str) -> str:
    """The comment of an attribute ``module`` made from ``value``."""
    return f"{module}: from {attribute_type} {value}"


@dataclass(frozen=True, slots=True)
class Found:
    """One new attribute: its type, value, category and an optional comment's detail."""

    type: str
    value: str
    category: str
    detail: str = ""


@dataclass(slots=True)
class Expansion:
    """What a module made of one attribute."""

    found: list[Found] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.found or self.tags)

    def attributes(self, module: str, attribute_type: str, value: str) -> list[Json]:
        """The new attributes as ``attributes/add`` takes them, with their provenance."""
        out = []
        for f in self.found:
            comment = provenance(module, attribute_type, value)
            out.append({
                "type": f.type, "value": f.value, "category": f.category, "to_ids": False,
                "comment": f"{comment} ({f.detail})" if f.detail else comment,
                "Tag": [{"name": module_tag(module)}],
            })  # fmt: skip
        return out


class Enricher(Protocol):
    """An enrichment module."""

    #: The module's name (registry key, provenance).
    name: str
    #: The attribute types it expands.
    handles: frozenset[str]

    def expand(self, attribute_type: str, value: str) -> Expansion:
        """What ``value`` (of a type in :attr:`handles`) expands into; empty if nothing."""
        ...


#: Module factories by name: each takes the module's options (a mapping of strings).
ENRICHERS: Registry[Callable[[Mapping[str, str]], Enricher]] = Registry("enrichment module")
