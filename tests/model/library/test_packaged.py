"""Reading packaged data and MISP's update rule."""

from __future__ import annotations

from threatmesh.model.library.packaged import (
    child_files,
    named_files,
    own_data,
    pending,
    read_json,
    source_versions,
)


def test_pending_new_newer_and_forced() -> None:
    items = [("a", 1), ("b", 2), ("c", 3)]
    kwargs = {"key": lambda i: i[0], "version": lambda i: i[1]}
    assert pending(items, installed={"a": 1, "b": 2, "c": 3}, **kwargs) == []  # type: ignore[arg-type]
    assert pending(items, installed={"a": 1, "b": 1}, **kwargs) == [("b", 2), ("c", 3)]  # type: ignore[arg-type]
    # An older file never downgrades what is stored.
    assert pending(items, installed={"a": 5, "b": 2, "c": 3}, **kwargs) == []  # type: ignore[arg-type]
    assert len(pending(items, installed={"a": 1, "b": 2, "c": 3}, force=True, **kwargs)) == 3  # type: ignore[arg-type]


def test_vendored_files_are_packaged() -> None:
    assert [f.name for f in child_files(own_data("decaying-models"))] == [
        "nids-simple-model.json",
        "phishing-model.json",
        "vishing-model.json",
    ]
    assert len(named_files(own_data("noticelists"), "list.json")) == 1
    assert isinstance(read_json(own_data("feed-metadata", "defaults.json")), list)
    assert own_data("README.md").is_file()


def test_source_versions_are_the_pinned_ones() -> None:
    versions = source_versions()
    assert versions["pymispgalaxies"] == "1.1.1"
    assert versions["pymispwarninglists"] == "1.7.0"
    assert versions["pytaxonomies"] == "2.1.2"
    assert set(versions) == {"pymispgalaxies", "pytaxonomies", "pymispwarninglists", "pymisp"}
