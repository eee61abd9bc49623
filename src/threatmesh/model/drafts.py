"""Validated, normalised content of a write, before it has database ids.

The parsers in :mod:`threatmesh.formats.misp_json` build these from client JSON; the
storage layer writes them. Slotted dataclasses keep a 10,000-attribute event cheap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class TagRef:
    """A tag attached by name (created on first use, as MISP does)."""

    name: str
    local: bool = False
    colour: str | None = None


@dataclass(slots=True)
class AttributeDraft:
    """One attribute, validated and normalised."""

    uuid: str
    type: str
    category: str
    value1: str
    value2: str
    to_ids: bool
    distribution: int
    sharing_group_id: int
    comment: str
    disable_correlation: bool
    timestamp: int
    first_seen: int | None = None
    last_seen: int | None = None
    deleted: bool = False
    object_relation: str | None = None
    tags: list[TagRef] = field(default_factory=list)
    #: The CP-ABE envelope (JSON text) of a protected value; ``value1`` is then its marker.
    envelope: str | None = None
    #: The content of an attachment or malware-sample, as sent (stored outside the database).
    data: bytes | None = None

    @property
    def value(self) -> str:
        """The value as MISP shows it (compound parts joined by ``|``)."""
        return f"{self.value1}|{self.value2}" if self.value2 else self.value1


@dataclass(slots=True)
class ReferenceDraft:
    """A relationship from an object to another object or attribute, by UUID."""

    uuid: str
    referenced_uuid: str
    relationship_type: str
    comment: str
    timestamp: int
    deleted: bool = False


@dataclass(slots=True)
class ObjectDraft:
    """An object and the attributes it groups."""

    uuid: str
    name: str
    meta_category: str
    description: str
    template_uuid: str
    template_version: str
    distribution: int
    sharing_group_id: int
    comment: str
    timestamp: int
    first_seen: int | None = None
    last_seen: int | None = None
    deleted: bool = False
    attributes: list[AttributeDraft] = field(default_factory=list)
    references: list[ReferenceDraft] = field(default_factory=list)


@dataclass(slots=True)
class OrgRef:
    """An organisation named in a payload (``Orgc``), by UUID and/or name."""

    uuid: str | None
    name: str | None


@dataclass(slots=True)
class EventDraft:
    """A whole event as submitted to ``events/add`` or ``events/edit``."""

    uuid: str
    info: str
    date: dt.date
    threat_level_id: int
    analysis: int
    distribution: int
    sharing_group_id: int
    published: bool
    timestamp: int
    publish_timestamp: int
    disable_correlation: bool
    extends_uuid: str
    orgc: OrgRef | None = None
    tags: list[TagRef] = field(default_factory=list)
    attributes: list[AttributeDraft] = field(default_factory=list)
    objects: list[ObjectDraft] = field(default_factory=list)
    #: Which top-level fields the client actually sent (edits change only those).
    present: frozenset[str] = frozenset()

    def all_attributes(self) -> list[AttributeDraft]:
        """Attributes at event level and inside objects."""
        out = list(self.attributes)
        for obj in self.objects:
            out.extend(obj.attributes)
        return out
