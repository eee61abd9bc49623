"""Data the installed packages ship (describeTypes, the misp-objects templates, MISP's
taxonomies, galaxies, warninglists...): the one place the pure layers read files.

Reading a file that belongs to an installed package is not I/O in the sense of the
layer rule: it cannot fail because of the outside world, and it never changes while the
process runs. Everything else (the database, sockets, the clock, user files) stays out
of the pure layers; ``tests/test_architecture.py`` allows file reads here only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any


def root(package: str, *path: str) -> Traversable:
    """The folder (or file) ``path`` inside the installed ``package``."""
    return resources.files(package).joinpath(*path)


def read_text(package: str, *path: str) -> str:
    """The text of file ``path`` inside ``package`` (UTF-8)."""
    return root(package, *path).read_text(encoding="utf-8")


def read_json(package: str, *path: str) -> Any:
    """The parsed JSON of file ``path`` inside ``package``."""
    return json.loads(read_text(package, *path))


def children(package: str, *path: str) -> Iterator[Traversable]:
    """The entries of folder ``path`` inside ``package``, in name order (so whatever
    is built from them does not depend on the file system's order)."""
    return iter(sorted(root(package, *path).iterdir(), key=lambda e: e.name))


def load_json(entry: Traversable) -> Any:
    """The parsed JSON of ``entry``, an entry :func:`children` gave."""
    return json.loads(entry.read_text(encoding="utf-8"))
