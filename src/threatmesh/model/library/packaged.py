"""Reading the packaged data, the load result, and MISP's "is this newer?" rule.

Files are listed in byte order of their names, the order PHP's ``glob`` gives MISP, so
records come out in the order MISP inserts them (and ids are assigned alike).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from typing import Any, Generic, TypeVar

import orjson

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

# The files vendored in this repository (see model/data/misp/README.md).
_OWN_PACKAGE = "threatmesh.model"
_OWN_ROOT = ("data", "misp")


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


def resource(package: str, *parts: str) -> Traversable:
    """The file or folder ``parts`` inside installed ``package``."""
    node = resources.files(package)
    for part in parts:
        node = node / part
    return node


#: The distributions the library reads data from, besides the vendored files.
SOURCES = ("pymispgalaxies", "pytaxonomies", "pymispwarninglists", "pymisp")


def source_versions() -> dict[str, str]:
    """The installed version of every data package: a loader that stores these may skip
    the big kinds (clusters, warninglist entries) when none changed. MISP itself compares
    file by file; the small vendored files are cheap to compare that way every time."""
    return {name: metadata.version(name) for name in SOURCES}


def own_data(*parts: str) -> Traversable:
    """A file or folder under ``threatmesh/model/data/misp``."""
    return resource(_OWN_PACKAGE, *_OWN_ROOT, *parts)


def read_json(node: Traversable) -> Any:
    """The JSON document in ``node``."""
    return orjson.loads(node.read_bytes())


def child_files(folder: Traversable, suffix: str = ".json") -> list[Traversable]:
    """The files directly in ``folder`` whose name ends in ``suffix``, in name order."""
    found = [c for c in folder.iterdir() if c.is_file() and c.name.endswith(suffix)]
    return sorted(found, key=lambda c: c.name)


def named_files(folder: Traversable, filename: str) -> list[Traversable]:
    """``<sub>/<filename>`` for every sub-folder of ``folder`` that has one, in name order."""
    return [node for _name, node in sub_folder_files(folder, filename)]


def sub_folder_files(folder: Traversable, filename: str) -> list[tuple[str, Traversable]]:
    """``(sub-folder name, <sub>/<filename>)`` for every sub-folder that has the file."""
    subs = sorted((c for c in folder.iterdir() if c.is_dir()), key=lambda c: c.name)
    return [(s.name, s / filename) for s in subs if (s / filename).is_file()]


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
