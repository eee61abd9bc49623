"""Out-of-tree anonymization techniques, found through package entry points."""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Iterable
from typing import Any

from threatmesh.model.errors import Conflict, InvalidInput
from threatmesh.privacy.anonymizer import TECHNIQUES, Technique

PLUGIN_GROUP = "threatmesh.anonymizers"


def load_technique_plugins(found: Iterable[Any] | None = None) -> list[str]:
    """Register the techniques that installed packages declare in the entry-point group
    ``threatmesh.anonymizers`` (``name = "package.module:TechniqueClass"``); the names
    added. A plugin that is not a :class:`Technique` or reuses a taken name is refused."""
    added = []
    for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP) if found is None else found:
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Technique)):
            raise InvalidInput(f"anonymizer plugin {ep.name!r} is not a Technique subclass")
        if TECHNIQUES.get(cls.name) is cls:
            continue
        try:
            TECHNIQUES.register(cls.name, cls)
        except ValueError as exc:
            raise Conflict(f"anonymizer plugin {ep.name!r}: {exc}") from None
        added.append(cls.name)
    return added


@functools.cache
def ensure_loaded() -> None:
    """Load the plugins once per process (before the first policy is compiled)."""
    load_technique_plugins()
