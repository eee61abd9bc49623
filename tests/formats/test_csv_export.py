"""MISP's CSV and text exports (formats.csv_export), checked against MISP's CsvExport."""

from __future__ import annotations

import csv
import io

from threatmesh.formats import csv_export

EVENT = {
    "id": "7",
    "info": 'say "hi"',
    "distribution": "1",
    "threat_level_id": "2",
    "analysis": "0",
    "date": "2026-01-02",
    "timestamp": "1796500171",
    "Org": {"name": "ORG"},
    "Orgc": {"name": "ORGC"},
    "Tag": [{"name": "tlp:white"}, {"name": "x"}],
    "Attribute": [
        {
            "uuid": "u1",
            "event_id": "7",
            "category": "Network activity",
            "type": "ip-src",
            "value": "8.8.8.8",
            "comment": "",
            "to_ids": True,
            "timestamp": "1796500171",
            "object_relation": None,
            "Tag": [{"name": "a"}, {"name": "b"}],
        }
    ],
    "Object": [
        {
            "uuid": "o1",
            "name": "file",
            "meta-category": "file",
            "Attribute": [
                {
                    "uuid": "u2",
                    "event_id": "7",
                    "type": "filename",
                    "value": "a,b.exe",
                    "to_ids": False,
                    "object_relation": "filename",
                }
            ],
        }
    ],
}


def test_default_columns_and_cells_as_misp_writes_them() -> None:
    options = csv_export.csv_options(None, None, include_context=False, headerless=False)
    assert options.header() == (
        "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,"
        "attribute_tag,object_uuid,object_name,object_meta_category\n"
    )
    first, second = csv_export.event_rows(EVENT)
    assert csv_export.line(first, options) == (
        '"u1",7,"Network activity","ip-src","8.8.8.8","",1,1796500171,"","a,b","","",""\n'
    )
    parsed = next(csv.reader(io.StringIO(csv_export.line(second, options))))
    assert parsed[4] == "a,b.exe"
    assert parsed[-3:] == ["o1", "file", "file"]


def test_requested_columns_context_and_headerless() -> None:
    options = csv_export.csv_options(
        ["value", "event_id"], None, include_context=True, headerless=True
    )
    assert options.header() == ""
    assert options.fields[:2] == ("value", "event_id")
    assert "object_uuid" not in options.fields
    row = next(csv_export.event_rows(EVENT))
    cells = next(csv.reader(io.StringIO(csv_export.line(row, options))))
    named = dict(zip(options.fields, cells, strict=True))
    assert named["event_info"] == 'say "hi"'
    assert named["event_threat_level_id"] == "Medium"  # the events scope writes the name
    assert named["event_tag"] == "tlp:white,x"
    assert named["event_source_org"] == "ORGC"


def test_text_is_each_value_once() -> None:
    assert csv_export.text(["8.8.8.8", "1.1.1.1", "8.8.8.8"]) == "8.8.8.8\n1.1.1.1\n"
    assert csv_export.text([]) == "\n"
