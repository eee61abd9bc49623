"""Every row that names an organisation, and what deleting the organisation does to it.

MISP refuses to delete an organisation that still has users or events
(``Organisation::beforeDelete``) and deletes its sharing group memberships with it
(``SharingGroupOrg`` is ``dependent``); it leaves every other reference dangling. Here a
dangling id is worse than in MySQL: a foreign key turns it into an error, and SQLite
hands the id of a deleted last row to the next organisation, which would inherit
whatever still named the old one. So every reference is one of:

- :data:`BLOCKING`: rows other users rely on, or that tie a connection or policy to the
  organisation. The delete is refused (409) while any exists, naming them, so the
  admin removes or changes them first (and sees what the organisation still holds);
- :data:`REMOVED`: rows that only mean something while the organisation exists (its
  sharing group memberships, its UMA resources with their policies and tickets, its
  blind-index keys, the reputation evidence about it and given by it, its sightings,
  which every read joins to their organisation and so already cannot show, the event
  delegation requests it made or received, and its attribute proposals). They are
  deleted in the same transaction as the organisation.

Anonymizer bindings name an organisation by UUID (kind ``organisation``): they block
the delete, since removing one would let data leave unanonymized should the UUID come
back through sync. Privacy budgets are kept: epsilon already spent on a UUID stays
spent. ``tests/storage/test_org_references.py`` checks that every foreign key to
``organisations`` and every ``*org_id`` column of the schema is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from threatmesh.storage.abe.tables import abe_index_keys
from threatmesh.storage.anonymizer.tables import anonymizer_bindings, anonymizer_policies
from threatmesh.storage.collab.tables import event_delegations, feeds, shadow_attributes
from threatmesh.storage.core.tables import (
    events,
    servers,
    sharing_group_orgs,
    sharing_groups,
    sightings,
    tags,
    users,
)
from threatmesh.storage.inventory.tables import inventory_hosts
from threatmesh.storage.library.tables import decaying_models, galaxy_clusters
from threatmesh.storage.provenance.tables import reputation_evidence
from threatmesh.storage.uma.tables import uma_resources


@dataclass(frozen=True, slots=True)
class Blocker:
    """Rows that keep an organisation from being deleted: ``what`` they are, and the
    ``column`` that names the organisation by its ``key`` (``id`` or ``uuid``), among
    the rows that also match ``where``."""

    what: str
    column: sa.Column[Any]
    key: str = "id"
    where: sa.ColumnElement[bool] | None = None

    def rows_of(self, org: RowMapping) -> sa.ColumnElement[bool]:
        """The condition that finds the blocking rows of ``org``."""
        named = self.column == (org["id"] if self.key == "id" else str(org[self.key]).lower())
        return named if self.where is None else sa.and_(named, self.where)


BLOCKING: tuple[Blocker, ...] = (
    Blocker("users", users.c.org_id),
    Blocker("events it owns", events.c.org_id),
    Blocker("events it created", events.c.orgc_id),
    Blocker("sharing groups it owns", sharing_groups.c.org_id),
    Blocker("sync servers it owns", servers.c.org_id),
    Blocker("sync servers connecting to it", servers.c.remote_org_id),
    Blocker("tags restricted to it", tags.c.org_id),
    Blocker("anonymization policies it owns", anonymizer_policies.c.org_id),
    Blocker("galaxy clusters it owns", galaxy_clusters.c.org_id),
    Blocker("galaxy clusters it created", galaxy_clusters.c.orgc_id),
    Blocker("decaying models it owns", decaying_models.c.org_id),
    Blocker("feeds whose events it creates", feeds.c.orgc_id),
    # A host inventory is the organisation's own record of its machines (decoys, risk):
    # the admin removes it first rather than losing it with the organisation.
    Blocker("hosts of its inventory", inventory_hosts.c.org_id),
    Blocker(
        "anonymization policy bindings",
        anonymizer_bindings.c.ident,
        key="uuid",
        where=anonymizer_bindings.c.kind == "organisation",
    ),
)

#: Columns whose rows are deleted with the organisation they name. UMA policies and
#: tickets go with their resources (``ON DELETE CASCADE``).
REMOVED: tuple[sa.Column[Any], ...] = (
    sharing_group_orgs.c.org_id,
    uma_resources.c.owner_org_id,
    abe_index_keys.c.org_id,
    reputation_evidence.c.subject_org_id,
    reputation_evidence.c.source_org_id,
    sightings.c.org_id,
    # A pending delegation request means nothing once either organisation is gone.
    event_delegations.c.org_id,
    event_delegations.c.requester_org_id,
    # its attribute proposals: nobody can act on them for an organisation that is gone
    shadow_attributes.c.org_id,
)


def blockers(conn: Connection, org: RowMapping) -> list[str]:
    """``"users (3)"``, ``"sharing groups it owns (1)"``...: what still keeps ``org``."""
    found = []
    for b in BLOCKING:
        count = sa.select(sa.func.count()).select_from(b.column.table).where(b.rows_of(org))
        n = int(conn.execute(count).scalar_one())
        if n:
            found.append(f"{b.what} ({n})")
    return found


def remove_dependents(conn: Connection, org_id: int) -> None:
    """Delete every :data:`REMOVED` row naming ``org_id`` (inside the caller's
    transaction, before the organisation itself)."""
    for column in REMOVED:
        conn.execute(sa.delete(column.table).where(column == org_id))
