"""``generalise_time``: truncate a timestamp to the minute, hour or day."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.technique import StrictParams, Technique, register

_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class Params(StrictParams):
    """The unit kept."""

    unit: Literal["minute", "hour", "day"] = "hour"


def truncate(value: str, unit: str) -> str:
    """Epoch seconds (``"1533306058"``) or ISO 8601 (MISP's ``first_seen``), truncated
    to ``unit`` and written back in the same notation."""
    if value.isdigit():
        step = _SECONDS[unit]
        return str(int(value) // step * step)
    when = dt.datetime.fromisoformat(value)
    when = when.replace(second=0, microsecond=0)
    if unit in ("hour", "day"):
        when = when.replace(minute=0)
    if unit == "day":
        when = when.replace(hour=0)
    return when.isoformat()


@register
class GeneraliseTime(Technique):
    """Timestamp generalisation."""

    name = "generalise_time"
    kinds = frozenset({kinds.TIMESTAMP})
    Params = Params
    example: ClassVar[dict[str, Any]] = {"unit": "day"}

    def value(self, value: str, kind: str) -> str | None:
        assert isinstance(self.params, Params)
        return truncate(value, self.params.unit)
