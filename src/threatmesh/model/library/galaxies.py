"""Galaxies and their clusters, as MISP's ``Galaxy::update`` stores them.

Source: ``pymispgalaxies``' ``data/misp-galaxy/{galaxies,clusters}/*.json``. A galaxy file
is one ``galaxies`` row; a cluster file (a "package") holds the clusters of the galaxy whose
``type`` it names. Each cluster is saved with MISP's fixed defaults (:data:`CLUSTER_DEFAULTS`),
its tag name ``misp-galaxy:<type>="<value>"``, its ``meta`` flattened into
``(key, value)`` elements and its ``related`` entries as relations, which MISP saves after
every cluster so that ``referenced_galaxy_cluster_id`` can be resolved by uuid.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from threatmesh.model.library import php
from threatmesh.model.library.packaged import Loaded, child_files, read_json, resource

__all__ = [
    "CLUSTER_DEFAULTS",
    "GALAXY_TAG_PREFIX",
    "ClusterPackage",
    "ClusterRelation",
    "Galaxy",
    "GalaxyCluster",
    "GalaxyElement",
    "cluster_package_from_json",
    "cluster_tag_name",
    "clusters_to_update",
    "galaxies_to_update",
    "galaxy_from_json",
    "is_galaxy_tag",
    "load_cluster_packages",
    "load_galaxies",
]

GALAXY_TAG_PREFIX = "misp-galaxy:"

#: What ``Galaxy::__createClusters`` sets on every default cluster (and on every relation:
#: ``default`` and ``distribution``). ``org_id``/``orgc_id`` 0 read back as MISP's generic
#: organisation (``Organisation::GENERIC_MISP_ORGANISATION``, name "MISP").
CLUSTER_DEFAULTS: Mapping[str, object] = {
    "distribution": 3,
    "default": True,
    "published": False,
    "org_id": 0,
    "orgc_id": 0,
    "locked": False,
    "deleted": False,
}

_PACKAGE = "pymispgalaxies"
_ROOT = ("data", "misp-galaxy")


@dataclass(frozen=True, slots=True)
class Galaxy:
    """One ``galaxies`` row. ``kill_chain_order`` is None when the file has none."""

    uuid: str
    name: str
    type: str
    description: str
    version: int
    icon: str
    namespace: str
    kill_chain_order: dict[str, list[str]] | None
    local_only: bool = False
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class GalaxyElement:
    """One ``galaxy_elements`` row: a flattened ``meta`` entry."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class ClusterRelation:
    """One ``galaxy_cluster_relations`` row and the names of the tags MISP attaches to it."""

    galaxy_cluster_uuid: str
    referenced_galaxy_cluster_uuid: str
    referenced_galaxy_cluster_type: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GalaxyCluster:
    """One default ``galaxy_clusters`` row with its elements and relations."""

    uuid: str
    collection_uuid: str
    type: str
    value: str
    tag_name: str
    description: str
    source: str
    authors: tuple[str, ...]
    version: int
    elements: tuple[GalaxyElement, ...]
    relations: tuple[ClusterRelation, ...]


@dataclass(frozen=True, slots=True)
class ClusterPackage:
    """One ``clusters/*.json`` file: the clusters of the galaxy of type ``type``."""

    name: str
    type: str
    uuid: str
    version: int
    clusters: tuple[GalaxyCluster, ...]


def cluster_tag_name(galaxy_type: str, value: str) -> str:
    """The tag a cluster is attached as: ``misp-galaxy:<type>="<value>"`` (not escaped)."""
    return f'{GALAXY_TAG_PREFIX}{galaxy_type}="{value}"'


def is_galaxy_tag(tag_name: str) -> bool:
    """Whether a tag names a galaxy cluster (MISP's ``Tag.is_galaxy``)."""
    return tag_name.startswith(GALAXY_TAG_PREFIX)


def galaxy_from_json(data: Mapping[str, Any]) -> Galaxy:
    """A galaxy file as MISP saves it (absent columns take MISP's defaults)."""
    return Galaxy(
        uuid=str(data["uuid"]),
        name=str(data.get("name", "")),
        type=str(data["type"]),
        description=str(data.get("description", "")),
        version=int(data.get("version", 0)),
        icon=str(data.get("icon", "")),
        namespace=str(data.get("namespace") or "misp"),
        kill_chain_order=data.get("kill_chain_order"),
        local_only=bool(data.get("local_only", False)),
        enabled=bool(data.get("enabled", True)),
    )


def cluster_package_from_json(data: Mapping[str, Any]) -> ClusterPackage:
    """A cluster file as MISP saves it.

    Clusters with an empty value are skipped: MISP would save them with value ``""`` and,
    as it matches stored clusters by value, add them again at every update (the shipped
    data has none).
    """
    package_version: Any = data.get("version")
    template = _Template(
        type=str(data["type"]),
        collection_uuid=php.to_str(data.get("uuid")),
        source=php.to_str(data.get("source")),
        authors=tuple(str(a) for a in data.get("authors") or ()),
        version=0 if php.is_empty(package_version) else int(package_version),
    )
    clusters = tuple(_cluster(template, raw) for raw in data.get("values", ()) if raw.get("value"))
    return ClusterPackage(
        name=str(data.get("name", "")),
        type=template.type,
        uuid=template.collection_uuid,
        version=template.version,
        clusters=clusters,
    )


@dataclass(frozen=True, slots=True)
class _Template:
    """The fields every cluster of a package shares (``__update_prepare_template``)."""

    type: str
    collection_uuid: str
    source: str
    authors: tuple[str, ...]
    version: int


def _cluster(template: _Template, raw: Mapping[str, Any]) -> GalaxyCluster:
    value = php.to_str(raw["value"])
    uuid = php.to_str(raw.get("uuid"))
    own_version = raw.get("version")
    version = template.version if own_version is None else int(own_version)
    return GalaxyCluster(
        uuid=uuid,
        collection_uuid=template.collection_uuid,
        type=template.type,
        value=value,
        tag_name=cluster_tag_name(template.type, value),
        description=php.to_str(raw.get("description")),
        source=template.source,
        authors=template.authors,
        # MISP compares with 0 but saves an empty version as 1.
        version=version or 1,
        elements=tuple(_elements(raw.get("meta") or {})),
        relations=tuple(_relations(uuid, raw.get("related") or ())),
    )


def _elements(meta: Mapping[str, Any]) -> Iterator[GalaxyElement]:
    """``meta`` flattened as MISP does: one element per scalar; nested arrays are skipped."""
    for key, value in meta.items():
        values = value if isinstance(value, (list, dict)) else [value]
        if isinstance(values, dict):
            values = list(values.values())
        for item in values:
            if not isinstance(item, (list, dict)):
                yield GalaxyElement(key=str(key), value=php.to_str(item))


def _relations(uuid: str, related: Any) -> Iterator[ClusterRelation]:
    for relation in related:
        yield ClusterRelation(
            galaxy_cluster_uuid=uuid,
            referenced_galaxy_cluster_uuid=str(relation["dest-uuid"]),
            referenced_galaxy_cluster_type=str(relation["type"]),
            tags=tuple(str(t) for t in relation.get("tags") or ()),
        )


def load_galaxies() -> Loaded[Galaxy]:
    """Every galaxy file of the installed ``pymispgalaxies``, in file-name order."""
    files = child_files(resource(_PACKAGE, *_ROOT, "galaxies"))
    return Loaded(tuple(galaxy_from_json(read_json(f)) for f in files))


def load_cluster_packages() -> Iterator[ClusterPackage]:
    """Every cluster file, in file-name order, one at a time (45k clusters in all)."""
    for node in child_files(resource(_PACKAGE, *_ROOT, "clusters")):
        yield cluster_package_from_json(read_json(node))


def galaxies_to_update(
    galaxies: tuple[Galaxy, ...],
    installed: Mapping[str, tuple[int, str]],
    *,
    force: bool = False,
) -> list[Galaxy]:
    """The galaxies ``Galaxy::update`` saves: new uuids, newer versions, or a changed icon.

    ``installed`` maps a stored galaxy's uuid to its ``(version, icon)``.
    """
    out = []
    for galaxy in galaxies:
        stored = installed.get(galaxy.uuid)
        if stored is None or force or stored[0] < galaxy.version:
            out.append(galaxy)
        elif galaxy.icon and stored[1] != galaxy.icon:
            out.append(galaxy)
    return out


def clusters_to_update(
    package: ClusterPackage,
    installed: Mapping[str, int],
    *,
    force: bool = False,
) -> list[GalaxyCluster]:
    """The clusters of ``package`` to (re)create, as ``Galaxy::__deleteOutdated`` decides.

    ``installed`` maps the *value* of each cluster already stored in the package's galaxy
    to its version (MISP matches default clusters by value, not uuid). A stored cluster
    listed in the answer is replaced: its elements and relations are deleted with it.
    Stored clusters missing from the package are left alone.
    """
    return [
        c
        for c in package.clusters
        if force or c.value not in installed or installed[c.value] < c.version
    ]
