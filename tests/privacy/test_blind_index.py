"""Blind index tags: keyed, over MISP-normalised values."""

from __future__ import annotations

import pytest

from threatmesh.model.errors import InvalidValue
from threatmesh.privacy import blind_index


def test_tags_follow_normalisation_and_depend_on_the_key() -> None:
    key, other = blind_index.new_key(), blind_index.new_key()
    assert blind_index.tag(key, "domain", "Evil.Example") == blind_index.tag(
        key, "domain", "evil.example"
    )
    assert blind_index.tag(key, "ip-dst", "203.0.113.5") != blind_index.tag(
        other, "ip-dst", "203.0.113.5"
    )
    assert blind_index.tag(key, "ip-dst", "203.0.113.5") != blind_index.tag(
        key, "ip-dst", "203.0.113.6"
    )
    assert len(blind_index.tag(key, "md5", "d41d8cd98f00b204e9800998ecf8427e")) == 64


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        blind_index.tag(b"short", "domain", "a.example")
    with pytest.raises(InvalidValue):
        blind_index.tag(blind_index.new_key(), "ip-dst", "not an address")
