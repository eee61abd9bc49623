"""MISP's coded fields as enums (the API carries them as strings of their values)."""

from __future__ import annotations

from enum import IntEnum


class Distribution(IntEnum):
    """Who may see an event, object or attribute (MISP's ``distribution``)."""

    ORGANISATION = 0  #: "Your organisation only"
    COMMUNITY = 1  #: "This community only" (this instance)
    CONNECTED = 2  #: "Connected communities"
    ALL = 3  #: "All communities"
    SHARING_GROUP = 4  #: the members of ``sharing_group_id``
    INHERIT = 5  #: "Inherit event" (attributes and objects only)


class ThreatLevel(IntEnum):
    """MISP's ``threat_level_id``."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3
    UNDEFINED = 4


class Analysis(IntEnum):
    """MISP's ``analysis`` state of an event."""

    INITIAL = 0
    ONGOING = 1
    COMPLETED = 2


class SightingType(IntEnum):
    """MISP's sighting ``type``."""

    SIGHTING = 0
    FALSE_POSITIVE = 1
    EXPIRATION = 2


EVENT_DISTRIBUTIONS = frozenset(range(0, 5))
ELEMENT_DISTRIBUTIONS = frozenset(range(0, 6))
