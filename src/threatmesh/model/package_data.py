"""Data the installed packages ship (describeTypes, the misp-objects templates, MISP's
taxonomies, galaxies, warninglists...): the one place the pure layers read files.

Reading a file that belongs to an installed package is not I/O in the sense of the
layer rule: it cannot fail because of the outside world, and it never changes while the
process runs. Everything else (the database, sockets, the clock, user files) stays out
of the pure layers; ``tests/test_architecture.py`` allows file reads here only.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import orjson

# The files vendored in this repository (see model/data/misp/README.md).
_OWN_PACKAGE = "threatmesh.model"
_OWN_ROOT = ("data", "misp")


def root(package: str, *path: str) -> Traversable:
    """The folder (or file) ``path`` inside the installed ``package``."""
    return resources.files(package).joinpath(*path)


def read_text(package: str, *path: str) -> str:
    """The text of file ``path`` inside ``package`` (UTF-8)."""
    return root(package, *path).read_text(encoding="utf-8")


def children(package: str, *path: str) -> Iterator[Traversable]:
    """The entries of folder ``path`` inside ``package``, in name order (so whatever
    is built from them does not depend on the file system's order)."""
    return iter(sorted(root(package, *path).iterdir(), key=lambda e: e.name))


def resource(package: str, *parts: str) -> Traversable:
    """The file or folder ``parts`` inside installed ``package``."""
    node = resources.files(package)
    for part in parts:
        node = node / part
    return node


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
