"""The whole schema: importing this module puts every table on ``metadata``.

Tables are declared by topic (``tables`` for the MISP core, then one module per
capability); migrations and the schema test compare against all of them at once.
"""

from __future__ import annotations

from threatmesh.storage import (
    abe_tables,
    anonymizer_tables,
    outbox,
    sync_tables,
    tables,
    trust_tables,
)

metadata = tables.metadata
#: The modules whose tables make up ``metadata`` (imported for that effect).
TABLE_MODULES = (tables, outbox, sync_tables, anonymizer_tables, abe_tables, trust_tables)
