"""Setting an instance up: its schema, MISP's default roles, the first organisation
and site admin (``threatmesh db upgrade``, ``admin init``, ``demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from threatmesh.model.roles import SITE_ADMIN_ROLE_ID
from threatmesh.services.admin.organisations import add_org
from threatmesh.services.admin.users import add_user, issue_key
from threatmesh.services.collab import feeds
from threatmesh.services.platform import Platform
from threatmesh.storage.core import database
from threatmesh.storage.directory import records as directory


@dataclass(frozen=True, slots=True)
class Schema:
    """Where a database's schema is: its ``revision``, on the database at ``url``
    (shown without its password)."""

    revision: str | None
    url: str


def upgrade_schema(platform: Platform) -> Schema:
    """Create or migrate the schema of the platform's database and create MISP's
    default roles if there are none; where the schema is now."""
    database.upgrade(platform.engine)
    with platform.write() as conn:
        directory.seed_roles(conn, platform.now())
    revision = database.current_revision(platform.engine)
    return Schema(revision, platform.engine.url.render_as_string())


def bootstrap(platform: Platform, *, org_name: str, email: str) -> str:
    """Create the first organisation and its site admin; return the admin's API key.
    Idempotent on the organisation; refuses an existing email."""
    database.upgrade(platform.engine)
    with platform.write() as conn:
        directory.seed_roles(conn, platform.now())
        feeds.seed_defaults(conn)  # MISP's default feeds, disabled, as MISP installs them
        existing = directory.find_org(conn, org_name)
    org = existing or add_org(platform, None, {"name": org_name})
    user = add_user(
        platform, None, {"email": email, "org_id": org["id"], "role_id": SITE_ADMIN_ROLE_ID}
    )
    return str(user["User"]["authkey"])


def key_for(platform: Platform, email: str) -> str | None:
    """A new API key for the existing user ``email`` (the operator's CLI, as for
    :func:`bootstrap`); None if there is no such user."""
    with platform.write() as conn:
        user = directory.find_user(conn, email)
        return None if user is None else issue_key(conn, user["id"], platform.now())
