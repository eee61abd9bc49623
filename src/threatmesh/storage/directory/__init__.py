"""Organisations, users and their API keys, roles and sharing groups of this instance:
``records`` (the lookups every capability shares), one module of statements per record,
and ``org_references`` (what deleting an organisation does)."""
