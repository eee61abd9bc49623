"""MISP's knowledge library in the database: taxonomies, warninglists, noticelists,
object templates, galaxies and their clusters (tables and repositories).

Each kind is one row per record keyed as MISP keys it (namespace, name, uuid), with the
columns MISP's index answers carry, and the rest of the record (predicates, entries,
elements) as one compressed JSON document: the library is written in bulk by ``update``
and read a record at a time, never queried inside those documents.
"""
