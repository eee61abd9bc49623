"""Loading the whole library at once (``threatmesh library update``), as MISP's
installer runs each kind's update after setting up an instance."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from threatmesh.services.library import (
    decaying_models,
    galaxies,
    noticelists,
    object_templates,
    taxonomies,
    warninglists,
)
from threatmesh.services.platform import Platform

#: Each kind's loader, by the name the CLI takes, in MISP's installer order.
LOADERS: dict[str, Callable[[Platform], str]] = {
    "taxonomies": taxonomies.load,
    "warninglists": warninglists.load,
    "noticelists": noticelists.load,
    "object-templates": object_templates.load,
    "galaxies": galaxies.load,
    "decaying-models": decaying_models.load,
}


def load_all(platform: Platform, kinds: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """``(kind, MISP's update message)`` for each kind loaded (every kind if none are
    named), one transaction per kind."""
    for kind, load in LOADERS.items():
        if not kinds or kind in kinds:
            yield kind, load(platform)
