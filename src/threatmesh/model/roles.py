"""MISP's role permission flags and its six default roles."""

from __future__ import annotations

from dataclasses import dataclass

#: Permission flags in the order MISP's installer lists them.
PERMISSIONS: tuple[str, ...] = (
    "perm_add",
    "perm_modify",
    "perm_modify_org",
    "perm_publish",
    "perm_publish_zmq",
    "perm_publish_kafka",
    "perm_sync",
    "perm_admin",
    "perm_audit",
    "perm_full",
    "perm_auth",
    "perm_regexp_access",
    "perm_tagger",
    "perm_site_admin",
    "perm_template",
    "perm_sharing_group",
    "perm_tag_editor",
    "perm_delegate",
    "perm_sighting",
    "perm_object_template",
    "perm_decaying",
    "perm_galaxy_editor",
    "perm_warninglist",
    "perm_view_feed_correlations",
    "perm_analyst_data",
    "perm_skip_otp",
)


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A role as MISP ships it: id, name, whether new users get it, and its flags."""

    id: int
    name: str
    default_role: bool
    flags: str  # one "0"/"1" per entry of PERMISSIONS, in order

    def permissions(self) -> dict[str, bool]:
        """The role's flags by name."""
        return {name: bit == "1" for name, bit in zip(PERMISSIONS, self.flags, strict=True)}


# Transcribed from MISP's INSTALL/MYSQL.sql (the six roles a fresh MISP has).
DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(1, "admin", False, "11111111111111111111111110"),
    RoleSpec(2, "Org Admin", False, "11111101101010111110110010"),
    RoleSpec(3, "User", True, "11100000101010000010110010"),
    RoleSpec(4, "Publisher", False, "11111100101010000110110010"),
    RoleSpec(5, "Sync user", False, "11111110101010011110110010"),
    RoleSpec(6, "Read Only", False, "00000000101000000000000000"),
)

SITE_ADMIN_ROLE_ID = 1
ORG_ADMIN_ROLE_ID = 2
USER_ROLE_ID = 3
PUBLISHER_ROLE_ID = 4
SYNC_ROLE_ID = 5
READ_ONLY_ROLE_ID = 6
