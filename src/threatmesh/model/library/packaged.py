"""Reading the packaged data, the load result, and MISP's "is this newer?" rule.

Files are listed in byte order of their names, the order PHP's ``glob`` gives MISP, so
records come out in the order MISP inserts them (and ids are assigned alike).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Generic, TypeVar

from threatmesh.model.package_data import (
    child_files,
    named_files,
    own_data,
    read_json,
    resource,
    sub_folder_files,
)

__all__ = [
    "Failure",
    "Loaded",
    "child_files",
    "named_files",
    "own_data",
    "pending",
    "read_json",
    "resource",
    "source_versions",
    "sub_folder_files",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Failure:
    """One file or record MISP would refuse to load, and why (MISP's ``fails`` entries)."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class Loaded(Generic[T]):
    """What a ``load_*`` function read: the records, and what could not be loaded."""

    items: tuple[T, ...]
    failures: tuple[Failure, ...] = ()


#: The distributions the library reads data from, besides the vendored files.
SOURCES = ("pymispgalaxies", "pytaxonomies", "pymispwarninglists", "pymisp")


def source_versions() -> dict[str, str]:
    """The installed version of every data package: a loader that stores these may skip
    the big kinds (clusters, warninglist entries) when none changed. MISP itself compares
    file by file; the small vendored files are cheap to compare that way every time."""
    return {name: metadata.version(name) for name in SOURCES}


def pending(
    items: Iterable[T],
    *,
    key: Callable[[T], K],
    version: Callable[[T], int],
    installed: Mapping[K, int],
    force: bool = False,
) -> list[T]:
    """The items MISP's ``update`` would (re)write: new keys, or a strictly higher version.

    ``installed`` maps each stored key to its stored version. An empty answer is MISP's
    "All ... are up to date already.".
    """
    return [
        item
        for item in items
        if force or key(item) not in installed or version(item) > installed[key(item)]
    ]
