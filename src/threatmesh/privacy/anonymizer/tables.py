"""Tables carried by events, anonymized as tables (k-anonymity, suppression).

Two tables are recognised: the event's sightings (one row per sighting: ``source``,
``org``, ``date_sighting``, ``type``; path ``Event.Sighting``) and, per object name, the
objects of that name (one row per object, one column per ``object_relation``: a victim
list; path ``Event.Object`` with ``match.object_names``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.policy import CompiledRule
from threatmesh.privacy.anonymizer.report import TableReport
from threatmesh.privacy.anonymizer.run import Run
from threatmesh.privacy.anonymizer.technique import TableResult
from threatmesh.privacy.anonymizer.where import Where

_SIGHTING_COLUMNS = ("source", "date_sighting", "type")


def _sighting_refs(event: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    refs = []
    for i, attr in enumerate(event.get("Attribute") or ()):
        for s, sighting in enumerate(attr.get("Sighting") or ()):
            refs.append((f"Event.Attribute[{i}].Sighting[{s}]", attr, sighting))
    for j, obj in enumerate(event.get("Object") or ()):
        for i, attr in enumerate(obj.get("Attribute") or ()):
            for s, sighting in enumerate(attr.get("Sighting") or ()):
                refs.append((f"Event.Object[{j}].Attribute[{i}].Sighting[{s}]", attr, sighting))
    return refs


def _sighting_row(n: int, sighting: dict[str, Any]) -> dict[str, str]:
    row = {"_row": str(n), **{c: str(sighting.get(c, "")) for c in _SIGHTING_COLUMNS}}
    org = sighting.get("Organisation")
    row["org"] = str(org.get("name", "")) if isinstance(org, dict) else ""
    return row


@dataclass(frozen=True, slots=True)
class Step:
    """One policy's table rule, as a run applies it."""

    run: Run
    n: int
    rule: CompiledRule

    def table(self, path: str, rows: list[dict[str, str]]) -> TableResult:
        """The rule's technique on ``rows``."""
        return self.run.call(self.n, self.rule, path, lambda t: t.table(rows))

    def note(self, path: str, before: Any, after: Any) -> None:
        """Record one changed cell (or dropped row)."""
        self.run.note(self.n, self.rule, path, before, after)

    def report(self, path: str, rows_in: int, result: TableResult) -> None:
        """Record the table's rows and k."""
        label = self.run.label(self.n, self.rule.label)
        self.run.report.tables.append(
            TableReport(label, path, rows_in, len(result.rows), result.suppressed, result.k)
        )


def _sightings(run: Run, event: dict[str, Any], where: Where) -> None:
    for n, rule in run.rules_for(where, "") if _sighting_refs(event) else ():
        _sightings_under(event, Step(run, n, rule))


def _sightings_under(event: dict[str, Any], step: Step) -> None:
    refs = _sighting_refs(event)
    rows = [_sighting_row(n, s) for n, (_, _, s) in enumerate(refs)]
    result = step.table("Event.Sighting", rows)
    kept = {int(r["_row"]): r for r in result.rows}
    for n, (path, attr, sighting) in enumerate(refs):
        row = kept.get(n)
        if row is None:
            attr["Sighting"] = [s for s in attr["Sighting"] if s is not sighting]
            step.note(path, "row", None)
            continue
        for col in _SIGHTING_COLUMNS:
            if col in sighting and row.get(col, "") != str(sighting[col]):
                step.note(f"{path}.{col}", sighting[col], row.get(col, ""))
                sighting[col] = row.get(col, "")
        org = sighting.get("Organisation")
        if isinstance(org, dict) and row.get("org", "") != org.get("name", ""):
            step.note(f"{path}.Organisation.name", org.get("name"), row.get("org", ""))
            org["name"] = row.get("org", "")
    step.report("Event.Sighting", len(rows), result)


def _object_row(n: int, obj: dict[str, Any]) -> dict[str, str]:
    row = {"_row": str(n)}
    for attr in obj.get("Attribute") or ():
        rel = attr.get("object_relation")
        if rel and rel not in row:
            row[rel] = str(attr.get("value", ""))
    return row


def _write_object(step: Step, path: str, obj: dict[str, Any], row: dict[str, str]) -> None:
    attrs = []
    seen: set[str] = set()
    for i, attr in enumerate(obj.get("Attribute") or ()):
        rel = attr.get("object_relation")
        if rel in seen or rel not in row:
            if rel in seen:
                attrs.append(attr)
            else:
                step.note(f"{path}.Attribute[{i}].value", attr.get("value"), None)
            continue
        seen.add(rel)
        if row[rel] != str(attr.get("value", "")):
            step.note(f"{path}.Attribute[{i}].value", attr.get("value"), row[rel])
            attr["value"] = row[rel]
        attrs.append(attr)
    obj["Attribute"] = attrs


def _objects(run: Run, event: dict[str, Any], name: str, where_of: Callable[[str], Where]) -> None:
    for n, rule in run.rules_for(where_of(name), ""):
        _objects_under(event, name, Step(run, n, rule))


def _objects_under(event: dict[str, Any], name: str, step: Step) -> None:
    indexed = [(j, o) for j, o in enumerate(event.get("Object") or ()) if o.get("name") == name]
    if not indexed:
        return
    rows = [_object_row(n, obj) for n, (_, obj) in enumerate(indexed)]
    path = f"Event.Object[name={name}]"
    result = step.table(path, rows)
    kept = {int(r["_row"]): r for r in result.rows}
    dropped = set()
    for n, (j, obj) in enumerate(indexed):
        if n in kept:
            _write_object(step, f"Event.Object[{j}]", obj, kept[n])
        else:
            dropped.add(id(obj))
            step.note(f"Event.Object[{j}]", name, None)
    event["Object"] = [o for o in event.get("Object") or () if id(o) not in dropped]
    step.report(path, len(rows), result)


def anonymize_tables(run: Run, event: dict[str, Any], tags: frozenset[str]) -> None:
    """Apply table rules to the sightings and to each object name's objects (every
    policy of the run in turn, each on the previous one's output)."""
    _sightings(run, event, Where("Event.Sighting", "Event.Sighting", kinds.TABLE, tags=tags))
    names = sorted({str(o.get("name")) for o in event.get("Object") or ()})

    def where_of(name: str) -> Where:
        return Where("Event.Object", "Event.Object", kinds.TABLE, object_name=name, tags=tags)

    for name in names:
        _objects(run, event, name, where_of)
