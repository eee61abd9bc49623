"""Out-of-tree techniques arrive through the ``threatmesh.anonymizers`` entry points."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from threatmesh.model.errors import Conflict, InvalidInput
from threatmesh.privacy.anonymizer import TECHNIQUES, Context, Keys, Technique, anonymize_event
from threatmesh.privacy.anonymizer import kinds as k
from threatmesh.services.anonymizer.plugins import PLUGIN_GROUP, load_technique_plugins


class Upper(Technique):
    """Upper-cases text (a stand-in for a third-party technique)."""

    name: ClassVar[str] = "test_upper"
    kinds: ClassVar[frozenset[str]] = frozenset({k.TEXT})

    def value(self, value: str, kind: str) -> str | None:
        return value.upper()


@dataclass
class EntryPoint:
    """What ``importlib.metadata.entry_points`` yields, as far as the loader reads it."""

    name: str
    target: Any
    group: str = PLUGIN_GROUP

    def load(self) -> Any:
        return self.target


@pytest.fixture
def upper() -> Iterator[None]:
    yield
    if "test_upper" in TECHNIQUES:
        TECHNIQUES.unregister("test_upper")


def test_a_plugin_is_registered_and_usable(upper: None) -> None:
    assert load_technique_plugins([EntryPoint("upper", Upper)]) == ["test_upper"]
    assert load_technique_plugins([EntryPoint("upper", Upper)]) == []  # idempotent
    policy = {
        "name": "p",
        "rules": [{"match": {"paths": ["Event.info"]}, "technique": "test_upper"}],
    }
    keys = Keys(pseudonym=b"p" * 32, cryptopan=bytes(32))
    out, _ = anonymize_event({"info": "quiet"}, policy, Context(keys, random.Random(1)))
    assert out["info"] == "QUIET"


def test_bad_plugins_are_refused(upper: None) -> None:
    with pytest.raises(InvalidInput, match="'junk' is not a Technique subclass"):
        load_technique_plugins([EntryPoint("junk", object())])

    class Clash(Upper):
        """Takes a built-in name."""

        name: ClassVar[str] = "cryptopan"

    with pytest.raises(Conflict, match="'cryptopan' is already registered"):
        load_technique_plugins([EntryPoint("clash", Clash)])


def test_the_installed_entry_points_load() -> None:
    assert isinstance(load_technique_plugins(), list)  # none installed: nothing, no error
