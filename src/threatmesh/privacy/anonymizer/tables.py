"""Tables carried by events, anonymized as tables (k-anonymity, suppression).

Two tables are recognised: the event's sightings (one row per sighting: ``source``,
``org``, ``date_sighting``, ``type``; path ``Event.Sighting``) and, per object name, the
objects of that name (one row per object, one column per ``object_relation``: a victim
list; path ``Event.Object`` with ``match.object_names``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from threatmesh.privacy.anonymizer import kinds
from threatmesh.privacy.anonymizer.report import Change, TableReport
from threatmesh.privacy.anonymizer.technique import TableResult
from threatmesh.privacy.anonymizer.where import Where

if TYPE_CHECKING:
    from threatmesh.privacy.anonymizer.engine import Run

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


def _sightings(run: Run, event: dict[str, Any], where: Where) -> None:
    refs = _sighting_refs(event)
    rule = run.rule_for(where, "") if refs else None
    if rule is None:
        return
    rows = [_sighting_row(n, s) for n, (_, _, s) in enumerate(refs)]
    result = run.technique(rule).table(rows)
    kept = {int(r["_row"]): r for r in result.rows}
    for n, (path, attr, sighting) in enumerate(refs):
        row = kept.get(n)
        if row is None:
            attr["Sighting"] = [s for s in attr["Sighting"] if s is not sighting]
            run.report.changes.append(Change(rule.label, rule.technique.name, path, "row", None))
            continue
        for col in _SIGHTING_COLUMNS:
            if col in sighting and row.get(col, "") != str(sighting[col]):
                _note(run, rule, f"{path}.{col}", sighting[col], row.get(col, ""))
                sighting[col] = row.get(col, "")
        org = sighting.get("Organisation")
        if isinstance(org, dict) and row.get("org", "") != org.get("name", ""):
            _note(run, rule, f"{path}.Organisation.name", org.get("name"), row.get("org", ""))
            org["name"] = row.get("org", "")
    _table_report(run, rule, "Event.Sighting", len(rows), result)


def _note(run: Run, rule: Any, path: str, before: Any, after: Any) -> None:
    run.report.changes.append(Change(rule.label, rule.technique.name, path, before, after))


def _object_row(n: int, obj: dict[str, Any]) -> dict[str, str]:
    row = {"_row": str(n)}
    for attr in obj.get("Attribute") or ():
        rel = attr.get("object_relation")
        if rel and rel not in row:
            row[rel] = str(attr.get("value", ""))
    return row


def _write_object(run: Run, rule: Any, path: str, obj: dict[str, Any], row: dict[str, str]) -> None:
    attrs = []
    seen: set[str] = set()
    for i, attr in enumerate(obj.get("Attribute") or ()):
        rel = attr.get("object_relation")
        if rel in seen or rel not in row:
            if rel in seen:
                attrs.append(attr)
            else:
                _note(run, rule, f"{path}.Attribute[{i}].value", attr.get("value"), None)
            continue
        seen.add(rel)
        if row[rel] != str(attr.get("value", "")):
            _note(run, rule, f"{path}.Attribute[{i}].value", attr.get("value"), row[rel])
            attr["value"] = row[rel]
        attrs.append(attr)
    obj["Attribute"] = attrs


def _objects(run: Run, event: dict[str, Any], name: str, where_of: Callable[[str], Where]) -> None:
    indexed = [(j, o) for j, o in enumerate(event.get("Object") or ()) if o.get("name") == name]
    rule = run.rule_for(where_of(name), "")
    if rule is None or not indexed:
        return
    rows = [_object_row(n, obj) for n, (_, obj) in enumerate(indexed)]
    result = run.technique(rule).table(rows)
    kept = {int(r["_row"]): r for r in result.rows}
    dropped = set()
    for n, (j, obj) in enumerate(indexed):
        if n in kept:
            _write_object(run, rule, f"Event.Object[{j}]", obj, kept[n])
        else:
            dropped.add(id(obj))
            _note(run, rule, f"Event.Object[{j}]", name, None)
    event["Object"] = [o for o in event.get("Object") or () if id(o) not in dropped]
    _table_report(run, rule, f"Event.Object[name={name}]", len(rows), result)


def _table_report(run: Run, rule: Any, path: str, rows_in: int, result: TableResult) -> None:
    run.report.tables.append(
        TableReport(rule.label, path, rows_in, len(result.rows), result.suppressed, result.k)
    )


def anonymize_tables(run: Run, event: dict[str, Any], tags: frozenset[str]) -> None:
    """Apply table rules to the sightings and to each object name's objects."""
    _sightings(run, event, Where("Event.Sighting", "Event.Sighting", kinds.TABLE, tags=tags))
    names = sorted({str(o.get("name")) for o in event.get("Object") or ()})

    def where_of(name: str) -> Where:
        return Where("Event.Object", "Event.Object", kinds.TABLE, object_name=name, tags=tags)

    for name in names:
        _objects(run, event, name, where_of)
