"""restSearch ``returnFormat``: ``json`` (the default), MISP's ``csv`` and ``text``
exports (:mod:`threatmesh.formats.csv_export`) and STIX (:mod:`.stix_exports`, with the
``stix`` extra; 501 without it). Any other format is refused (400), never answered with
JSON: a client asking for YARA must not parse MISP JSON as YARA."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from threatmesh.formats import csv_export, misp_out
from threatmesh.formats.misp_types import as_json
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.model.query import Query
from threatmesh.services.events import events as event_svc
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.search import events as search_events
from threatmesh.services.search import stix_exports
from threatmesh.storage.core.database import Connection
from threatmesh.storage.events import reads
from threatmesh.storage.search import export_context
from threatmesh.storage.search import queries as search

SUPPORTED = ("json", "csv", "text", *stix_exports.FORMATS)
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "text": "text/plain"}
Row = Mapping[Any, Any]
#: ``responses=`` of the restSearch routes: the answer's media type follows returnFormat.
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The matches in the returnFormat asked for (json, csv, text, "
        "stix, stix-xml or stix2).",
        "content": {media: {} for media in (*MEDIA_TYPES.values(), "application/xml")},
    },
    501: {"description": "A STIX returnFormat on an instance without the stix extra."},
}


def return_format(params: Any) -> str:
    """The ``returnFormat`` asked for (``json`` when absent), or a 400 naming the
    supported ones (a 501 for STIX without misp-stix)."""
    raw = params.get("returnFormat") if isinstance(params, Mapping) else None
    fmt = "json" if raw in (None, "") else str(raw).lower()
    if fmt not in SUPPORTED:
        raise InvalidInput(
            f"returnFormat: {raw!r} is not supported by this instance; use one of "
            f"{', '.join(SUPPORTED)}"
        )
    stix_exports.check_available(fmt)
    return fmt


def with_export_defaults(params: Any, fmt: str) -> Any:
    """MISP's restrictive exports (``text``: every one but json and csv here) only
    export published events' IDS attributes unless ``to_ids``/``published`` say
    otherwise (``non_restrictive_export`` in MISP's export classes)."""
    if fmt != "text" or not isinstance(params, Mapping):
        return params
    out = dict(params)
    for key in ("to_ids", "published"):
        if out.get(key) in (None, ""):
            out[key] = 1
    return out


def _options(params: Mapping[str, Any], q: Query) -> csv_export.CsvOptions:
    return csv_export.csv_options(
        params.get("requested_attributes"),
        params.get("requested_obj_attributes"),
        include_context=q.include_context,
        headerless=str(params.get("headerless", "")).lower() in ("1", "true"),
    )


def attributes_export(
    platform: Platform, who: Identity, params: Mapping[str, Any], q: Query, fmt: str
) -> Iterator[bytes]:
    """``attributes/restSearch`` as CSV or text, a database page at a time (the first
    page is read before the answer starts, so a bad filter is still a 4xx)."""
    options = _options(params, q)
    render = functools.partial(_page_rows, platform, q)
    pages = search.iter_attributes(
        platform.read, q, who.viewer, render, unpublished_private=platform.unpublished_private
    )
    first = next(pages, [])
    return _attribute_chunks(itertools.chain([first], pages), options, fmt)


def _attribute_chunks(
    pages: Iterator[list[dict[str, Any]]], options: csv_export.CsvOptions, fmt: str
) -> Iterator[bytes]:
    if fmt == "text":
        yield csv_export.text(str(r["value"]) for page in pages for r in page).encode()
        return
    yield options.header().encode()
    for page in pages:
        yield "".join(csv_export.line(r, options) for r in page).encode()
    yield b"\n"


def _page_rows(
    platform: Platform, q: Query, conn: Connection, rows: Sequence[Row]
) -> list[dict[str, Any]]:
    """A page of attribute rows as flat CSV rows (tags, object and event context)."""
    tags = reads.tags_from_refs(conn, rows, platform.tag_cache)
    objs = export_context.objects_of(conn, rows)
    events = export_context.events_of(conn, rows) if q.include_context else {}
    out = []
    for r in rows:
        a = misp_out.attribute(r)
        a["Tag"] = tags.get(r["id"], [])
        flat = csv_export.flat_attribute(
            a, events.get(r["event_id"]), objs.get(r["object_id"]), threat_level_names=False
        )
        out.append(flat)
    return out


def events_export(
    platform: Platform, who: Identity, params: Mapping[str, Any], q: Query, ids: Sequence[int]
) -> Iterator[bytes]:
    """``events/restSearch`` as CSV or text: the attributes (objects' too) of the
    matching events, read one event at a time; ``to_ids`` trims them as MISP's
    ``fetchEvent`` does."""
    fmt = return_format(params)
    options = _options(params, q)
    values: list[str] = []
    if fmt == "csv":
        yield options.header().encode()
    for event_id in ids:
        try:
            event = event_svc.view_event(
                platform, who, str(event_id), **event_svc.deleted_options(q.deleted)
            )
        except NotFound:  # deleted since the search ran
            continue
        rows = list(csv_export.event_rows(search_events.trim_attributes(as_json(event), q)))
        if fmt == "text":
            values += [str(r["value"]) for r in rows]
        else:
            yield "".join(csv_export.line(r, options) for r in rows).encode()
    yield (csv_export.text(values) if fmt == "text" else "\n").encode()
