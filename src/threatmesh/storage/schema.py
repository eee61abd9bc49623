"""The whole schema: importing this module puts every table on ``metadata``.

Tables are declared by topic (``tables`` for the MISP core, then one module per
capability); migrations and the schema test compare against all of them at once.
"""

from __future__ import annotations

from threatmesh.storage.abe import tables as abe_tables
from threatmesh.storage.anonymizer import tables as anonymizer_tables
from threatmesh.storage.collab import tables as collab_tables
from threatmesh.storage.core import tables
from threatmesh.storage.directory import tables as directory_tables
from threatmesh.storage.inventory import tables as inventory_tables
from threatmesh.storage.library import tables as library_tables
from threatmesh.storage.provenance import tables as provenance_tables
from threatmesh.storage.stream import outbox
from threatmesh.storage.sync import tables as sync_tables
from threatmesh.storage.uma import tables as uma_tables

metadata = tables.metadata
#: The modules whose tables make up ``metadata`` (imported for that effect).
TABLE_MODULES = (
    tables,
    outbox,
    sync_tables,
    anonymizer_tables,
    abe_tables,
    provenance_tables,
    uma_tables,
    inventory_tables,
    collab_tables,
    directory_tables,
    library_tables,
)
