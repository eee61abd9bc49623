"""MISP's CSV and text exports (``returnFormat: csv`` / ``text`` of restSearch), as
MISP's ``CsvExport`` and ``TextExport`` write them, from attributes in MISP JSON.

CSV: a header line (``timestamp`` is named ``date``, ``-`` becomes ``_``), one line per
attribute, then an empty line. Numbers and booleans are bare, other fields quoted with
``"`` doubled, a missing field is ``""``. Text: each distinct value once, one a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.errors import InvalidInput

DEFAULT_FIELDS = (
    "uuid",
    "event_id",
    "category",
    "type",
    "value",
    "comment",
    "to_ids",
    "timestamp",
    "object_relation",
    "attribute_tag",
)
DEFAULT_OBJECT_FIELDS = ("object_uuid", "object_name", "object_meta-category")
EVENT_CONTEXT_FIELDS = (
    "event_info",
    "event_member_org",
    "event_source_org",
    "event_distribution",
    "event_threat_level_id",
    "event_analysis",
    "event_date",
    "event_tag",
    "event_timestamp",
)
#: MISP's ``ThreatLevel.name``: the events scope writes it where attributes write the id.
THREAT_LEVEL_NAMES = {"1": "High", "2": "Medium", "3": "Low", "4": "Undefined"}
# PHP's is_numeric: such strings (ids, timestamps, numeric values) are written bare.
_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """What a CSV export writes: its columns, and whether it starts with a header."""

    fields: tuple[str, ...]
    headerless: bool = False

    def header(self) -> str:
        """The header line, as MISP names the columns (empty when ``headerless``)."""
        if self.headerless:
            return ""
        names = ("date" if f == "timestamp" else f.replace("-", "_") for f in self.fields)
        return ",".join(names) + "\n"


def _names(raw: Any, name: str) -> tuple[str, ...] | None:
    if raw in (None, "", []):
        return None
    items = raw if isinstance(raw, list) else str(raw).split(",")
    if not all(isinstance(i, str) and i for i in items):
        raise InvalidInput(f"{name}: expected a list of field names")
    return tuple(items)


def csv_options(
    requested: Any, requested_obj: Any, *, include_context: bool, headerless: bool
) -> CsvOptions:
    """Columns from ``requested_attributes`` and ``requested_obj_attributes`` (MISP's
    defaults without them), plus the event's context with ``includeContext``."""
    fields = _names(requested, "requested_attributes")
    obj = _names(requested_obj, "requested_obj_attributes")
    columns = list(fields or DEFAULT_FIELDS)
    if obj is not None:
        columns += [f"object_{o}" for o in obj]
    elif fields is None:
        columns += DEFAULT_OBJECT_FIELDS
    if include_context:
        columns += EVENT_CONTEXT_FIELDS
    return CsvOptions(tuple(columns), headerless)


def _cell(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _NUMERIC.match(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def line(row: Mapping[str, Any], options: CsvOptions) -> str:
    """One attribute's line (``row``: the attribute's fields and its flat context)."""
    return ",".join(_cell(row.get(f)) for f in options.fields) + "\n"


def flat_attribute(
    attribute: Mapping[str, Any],
    event: Mapping[str, Any] | None,
    obj: Mapping[str, Any] | None,
    *,
    threat_level_names: bool,
) -> dict[str, Any]:
    """An attribute with MISP's flat columns: ``attribute_tag``, its object's
    ``object_*`` and its event's ``event_*`` (``event``: MISP JSON event metadata with
    ``Org``, ``Orgc`` and ``Tag``; the events scope writes the threat level's name)."""
    row = dict(attribute)
    tags = [t["name"] for t in attribute.get("Tag") or ()]
    if tags:
        row["attribute_tag"] = ",".join(tags)
    if obj is not None:
        row["object_uuid"] = obj.get("uuid")
        row["object_name"] = obj.get("name")
        row["object_meta-category"] = obj.get("meta-category")
    if event is not None:
        level = str(event.get("threat_level_id"))
        row |= {
            "event_info": event.get("info"),
            "event_member_org": (event.get("Org") or {}).get("name"),
            "event_source_org": (event.get("Orgc") or {}).get("name"),
            "event_distribution": event.get("distribution"),
            "event_threat_level_id": THREAT_LEVEL_NAMES.get(level, level)
            if threat_level_names
            else level,
            "event_analysis": event.get("analysis"),
            "event_date": event.get("date"),
            "event_timestamp": event.get("timestamp"),
        }
        event_tags = [t["name"] for t in event.get("Tag") or ()]
        if event_tags:
            row["event_tag"] = ",".join(event_tags)
    return row


def event_rows(event: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The flat rows of an event's attributes, then of its objects' attributes (MISP's
    events scope), each with the event's context."""
    for attribute in event.get("Attribute") or ():
        yield flat_attribute(attribute, event, None, threat_level_names=True)
    for obj in event.get("Object") or ():
        for attribute in obj.get("Attribute") or ():
            yield flat_attribute(attribute, event, obj, threat_level_names=True)


def text(values: Iterable[str]) -> str:
    """MISP's text export: each distinct value once, in first-seen order, one a line
    (an empty export is one empty line, as MISP's)."""
    return "\n".join(dict.fromkeys(values)) + "\n"
