"""What MISP answers to a library ``update``: its counts as one message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from threatmesh.model.library.packaged import pending
from threatmesh.services.admin.checks import require_site_admin
from threatmesh.services.platform import Identity

__all__ = ["admin_only", "changed", "update_message"]


def changed(items: Sequence[Any], key: str, installed: Mapping[str, tuple[int, int]]) -> list[Any]:
    """The items MISP's ``update`` writes: new keys, or a strictly higher version."""
    return pending(
        items,
        key=lambda item: str(getattr(item, key)),
        version=lambda item: int(item.version),
        installed={k: v for k, (_, v) in installed.items()},
    )


def update_message(successes: int, fails: int, *, none: str, some: str, plural: str) -> str:
    """MISP's update message: ``none`` when nothing changed, else the counts
    (``some`` is "Successfully updated %s <plural>.")."""
    if successes == 0 and fails == 0:
        return none
    if successes == 0:
        return f"Could not update any of the {plural}"
    message = some % successes
    if fails:
        message += f" However, could not update {fails} {plural}."
    return message


def admin_only(who: Identity) -> None:
    """Library updates and switches are for site admins (MISP's ACL)."""
    require_site_admin(who)
