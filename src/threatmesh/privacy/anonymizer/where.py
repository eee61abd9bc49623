"""Where a field is in an event, and the facts rules match on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Where:
    """A field's address and the facts rules match on."""

    path: str  # with indices, for reports: Event.Attribute[3].comment
    key: str  # without indices, for ``match.paths``: Event.Attribute.comment
    kind: str
    misp_type: str | None = None
    category: str | None = None
    object_name: str | None = None
    relation: str | None = None
    tags: frozenset[str] = frozenset()
