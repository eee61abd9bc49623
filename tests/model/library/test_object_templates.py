"""Object templates from PyMISP's misp-objects, as ``ObjectTemplate::update`` stores them,
and the raw definitions ``objectTemplates/getRaw`` answers."""

from __future__ import annotations

import json
from importlib import resources

from threatmesh.model.library.object_templates import (
    load_object_relationships,
    load_object_templates,
    raw_template,
    template_from_json,
)
from threatmesh.model.validation import object_templates as validation

FILE_UUID = "688c46fb-5edb-40a3-8273-1af7923e2215"


def _file_definition() -> dict[str, object]:
    path = (
        resources.files("pymisp") / "data" / "misp-objects" / "objects" / "file" / "definition.json"
    )
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_every_template_loads_in_name_order() -> None:
    templates = load_object_templates().items
    assert len(templates) == 432
    names = [t.name for t in templates]
    assert names == sorted(names)
    assert len({t.uuid for t in templates}) == 432
    assert set(names) == set(validation.templates())


def test_file_template_as_misp_stores_it() -> None:
    file = next(t for t in load_object_templates().items if t.name == "file")
    definition = _file_definition()
    assert (file.uuid, file.version, file.meta_category) == (
        FILE_UUID,
        definition["version"],
        "file",
    )
    assert file.requirements == {"requiredOneOf": definition["requiredOneOf"]}
    assert file.fixed and file.active
    assert len(file.elements) == len(definition["attributes"])  # type: ignore[arg-type]
    md5 = next(e for e in file.elements if e.object_relation == "md5")
    assert md5.type == "md5" and md5.multiple is False


def test_element_translation() -> None:
    template = template_from_json(
        {
            "name": "t",
            "uuid": "u",
            "attributes": {
                "rel": {
                    "misp-attribute": "text",
                    "ui-priority": 3,
                    "categories": ["Other"],
                    "sane_default": ["a"],
                    "values_list": ["b"],
                    "disable_correlation": True,
                    "multiple": True,
                    "misp-usage-frequency": 1,
                }
            },
            "required": ["rel"],
        }
    )
    assert template.version == 1 and template.requirements == {"required": ["rel"]}
    (element,) = template.elements
    assert (element.object_relation, element.type, element.ui_priority) == ("rel", "text", 3)
    assert (element.categories, element.sane_default, element.values_list) == (
        ("Other",),
        ("a",),
        ("b",),
    )
    assert element.disable_correlation is True and element.multiple is True
    assert element.description == ""


def test_get_raw_by_uuid_or_folder_name() -> None:
    assert raw_template("file") == _file_definition()
    assert raw_template(FILE_UUID) == _file_definition()
    assert raw_template("no-such-template") is None
    assert raw_template("../file") is None
    assert raw_template("00000000-0000-0000-0000-000000000000") is None


def test_get_raw_returns_a_copy() -> None:
    first = raw_template("file")
    assert first is not None
    first["name"] = "changed"
    assert raw_template("file") == _file_definition()


def test_relationships() -> None:
    relationships = load_object_relationships().items
    names = {r.name for r in relationships}
    assert {"derived-from", "executes", "related-to"} <= names
    assert len({r.version for r in relationships}) == 1
