"""Roles (MISP's ``roles/index``): MISP's default roles, created with the schema."""

from __future__ import annotations

from typing import Any

from threatmesh.services.platform import Platform
from threatmesh.storage.directory import records as directory
from threatmesh.storage.directory import roles


def list_roles(platform: Platform) -> list[dict[str, Any]]:
    """``roles/index``."""
    with platform.read() as conn:
        return [{"Role": directory.role_summary(r)} for r in roles.list_roles(conn)]
