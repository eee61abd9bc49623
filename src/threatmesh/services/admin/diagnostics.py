"""MISP's health checks for site admins: ``servers/dbSchemaDiagnostic`` (is the
database at the schema this code expects?) and
``events/queryACL/findMissingFunctionNames`` (controller actions MISP's ACL table does
not list: none here, every route states its own access rule)."""

from __future__ import annotations

from typing import Any

from threatmesh.services.admin.checks import require_site_admin
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.core import schema_check
from threatmesh.storage.schema import metadata


def db_schema(platform: Platform, who: Identity) -> dict[str, Any]:
    """The schema diagnostic of this instance's database."""
    require_site_admin(who)
    return schema_check.diagnostic(platform.engine, metadata)


def missing_acl_functions(who: Identity) -> list[str]:
    """Actions without an access rule: none (each route checks its caller itself)."""
    require_site_admin(who)
    return []
