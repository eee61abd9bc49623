"""Persistence: SQLAlchemy Core tables, repositories, the correlation index, migrations.

Depends on ``model`` only. Every write function takes an open connection inside the
caller's transaction, so a use case is committed or rolled back as one unit.
"""
