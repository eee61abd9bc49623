"""Receiving events from another instance (pulled by us, or pushed by its sync user).

Several events are written in one transaction (the batched receive path): each is
validated before the transaction opens, then stored with the existing write functions
(:mod:`threatmesh.storage.sync.writes`, built on :mod:`threatmesh.storage.events.writes`
and :func:`threatmesh.storage.events.edits.apply_event_edit`). MISP's
receiving rules apply: 2 becomes 1 (and, on pull, 1 becomes 0), the creator
organisation is kept (created here by UUID if unknown), sharing groups are recreated
by UUID, the event is locked, an event with the same or an older timestamp is left
alone, and an event created here (unlocked) is never overwritten from outside.
If anything in a batch fails, the batch is rolled back and retried one event per
transaction, so one bad event costs only itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatmesh.formats.fields import as_uuid
from threatmesh.formats.misp_json import parse_event
from threatmesh.model import sync
from threatmesh.model.drafts import EventDraft
from threatmesh.model.enums import Distribution
from threatmesh.model.errors import Forbidden, InvalidInput, ThreatmeshError
from threatmesh.services.events import attachments
from threatmesh.services.events.attachments import Files
from threatmesh.services.platform import Platform
from threatmesh.storage.collab import blocklists
from threatmesh.storage.collab.blocklists import EVENTS, ORGANISATIONS
from threatmesh.storage.core.database import Connection
from threatmesh.storage.core.failures import DatabaseFailure
from threatmesh.storage.sync import groups as sync_groups
from threatmesh.storage.sync import store as sync_store
from threatmesh.storage.sync import writes as sync_writes
from threatmesh.storage.sync.writes import NewEvent


@dataclass(frozen=True, slots=True)
class Source:
    """Where received events come from and who they belong to here."""

    #: the connection they came through (None: pushed to us by a remote sync user)
    server_id: int | None
    #: owner organisation (``org_id``) of the stored events
    owner_org_id: int
    user_id: int
    pulled: bool


@dataclass
class Outcome:
    """What a receive did, event UUID by event UUID."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    sightings: int = 0

    def merge(self, other: Outcome) -> None:
        """Add ``other``'s results to these."""
        self.added += other.added
        self.updated += other.updated
        self.skipped += other.skipped
        self.failed.update(other.failed)
        self.sightings += other.sightings


@dataclass
class _Item:
    draft: EventDraft
    orgc: Mapping[str, Any]
    groups: dict[str, Mapping[str, Any]]
    sightings: list[dict[str, Any]]


def _sightings_of(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    attrs = list(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        attrs += obj.get("Attribute") or []
    return [
        {**s, "attribute_uuid": s.get("attribute_uuid") or a.get("uuid")}
        for a in attrs
        for s in a.get("Sighting") or []
        if isinstance(s, Mapping)
    ]


def prepare(platform: Platform, raw: Mapping[str, Any], source: Source) -> _Item:
    """Validate one received event (no database access)."""
    data = sync.incoming(raw, pulled=source.pulled)
    found = data.get("Orgc")
    orgc: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    if not orgc.get("uuid"):
        raise InvalidInput("Event.Orgc.uuid: a synced event names its creator organisation")
    as_uuid(orgc["uuid"], "Event.Orgc.uuid")
    draft = parse_event(data, now=platform.now(), today=platform.today())
    return _Item(draft, orgc, sync.sharing_groups_in(data), _sightings_of(data))


def _remap(draft: EventDraft, local: Mapping[str, int]) -> None:
    """Sender's sharing-group ids -> ours; elements of unknown groups are dropped."""

    def known(item: Any) -> bool:
        if item.distribution != Distribution.SHARING_GROUP:
            return True
        target = local.get(str(item.sharing_group_id))
        if target is not None:
            item.sharing_group_id = target
        return target is not None

    if not known(draft):
        raise InvalidInput("Event.SharingGroup: the event's sharing group was not sent")
    draft.attributes = [a for a in draft.attributes if known(a)]
    draft.objects = [o for o in draft.objects if known(o)]
    for obj in draft.objects:
        obj.attributes = [a for a in obj.attributes if known(a)]


class _Batch:
    """What one transaction of received events shares: their local copies (one
    query) and the organisations resolved so far."""

    def __init__(self, platform: Platform, conn: Connection, items: Sequence[_Item]) -> None:
        self.platform, self.conn, self.now = platform, conn, platform.now()
        self.stamps = sync_store.event_stamps(conn, [i.draft.uuid for i in items])
        self.orgs: dict[str, int] = {}
        # MISP's Event::_add refuses events and creator organisations on the blocklists.
        self.blocked_events = blocklists.blocked(conn, EVENTS, [i.draft.uuid for i in items])
        orgcs = [str(i.orgc.get("uuid") or "") for i in items]
        self.blocked_orgs = blocklists.blocked(conn, ORGANISATIONS, orgcs)
        #: new events, inserted together at the end of the batch
        self.new: list[NewEvent] = []

    def org(self, ref: Mapping[str, Any]) -> int:
        key = str(ref["uuid"]).lower()
        if key not in self.orgs:
            self.orgs[key] = sync_store.ensure_org(self.conn, key, ref.get("name"), self.now)
        return self.orgs[key]

    def store(self, item: _Item, source: Source) -> str:
        """Write one prepared event; return "added", "updated" or "skipped"."""
        draft, conn, now = item.draft, self.conn, self.now
        if draft.uuid.lower() in self.blocked_events:
            return _blocked(source, "Event blocked by event blocklist.")
        if str(item.orgc.get("uuid") or "").lower() in self.blocked_orgs:
            return _blocked(source, "Event blocked by organisation blocklist.")
        old = self.stamps.get(draft.uuid)
        if old is not None and not old["locked"]:
            raise Forbidden("Blocked an edit to an event that was created locally.")
        if old is not None and draft.timestamp <= old["timestamp"]:
            return "skipped"
        if old is None and source.pulled and not any(not a.deleted for a in draft.all_attributes()):
            return "skipped"  # MISP's pull stores no empty event (__checkIfEventSaveAble)
        orgc_id = self.org(item.orgc)
        groups = {
            k: sync_groups.capture(conn, g, own_url=self.platform.base_url, now=now)
            for k, g in item.groups.items()
        }
        _remap(draft, groups)
        # The publish time is ours: it tells instances pulling from us that the event
        # is new here, even when it carries an old timestamp (it came the long way).
        if draft.published:
            draft.publish_timestamp = now
        if old is not None:
            sync_writes.update_event(conn, old["id"], draft, orgc_id=orgc_id, now=now)
            return "updated"
        self.new.append(NewEvent(draft, source.owner_org_id, orgc_id, source.user_id))
        return "added"


def _blocked(source: Source, why: str) -> str:
    """A blocked event: a push to us is refused (403, as MISP's ``events/add``), a pull
    leaves it out (MISP's pull counts it as handled and moves on)."""
    if source.pulled:
        return "skipped"
    raise Forbidden(why)


def _store_all(
    platform: Platform, conn: Connection, items: Sequence[_Item], source: Source, files: Files
) -> Outcome:
    out, batch = Outcome(), _Batch(platform, conn, items)
    stored = []
    for item in items:
        what = batch.store(item, source)
        getattr(out, what).append(item.draft.uuid)
        if what != "skipped":
            stored.append(item.draft)
    sync_writes.insert_events(conn, batch.new)
    # Attachment and sample files travel with their events, as MISP syncs them.
    files.save(a for d in stored for a in d.all_attributes())
    received = [s for item in items for s in item.sightings]
    out.sightings = sync_store.save_sightings(conn, received, batch.now)
    if source.server_id is not None:
        direction = "pull" if source.pulled else "push"
        done = [(i.draft.uuid, i.draft.timestamp) for i in items]
        sync_store.log_synced(conn, source.server_id, direction, done, batch.now)
    return out


def receive(
    platform: Platform,
    raws: Sequence[Mapping[str, Any]],
    source: Source,
    *,
    cursor: tuple[str, int] | None = None,
) -> Outcome:
    """Store received events (one transaction for all; per event if that fails).
    ``cursor`` (direction, position) is moved in the same transaction."""
    out, items = Outcome(), []
    for raw in raws:
        try:
            items.append(prepare(platform, raw, source))
        except ThreatmeshError as exc:
            out.failed[str(raw.get("uuid"))] = exc.message
    try:
        with attachments.saving(platform.attachments) as files, platform.write() as conn:
            out.merge(_store_all(platform, conn, items, source, files))
            _move(platform, conn, source, cursor)
        return _relayed(platform, out)
    except ThreatmeshError:
        pass  # one event spoils the batch: find it by storing them one at a time
    for item in items:
        try:
            with attachments.saving(platform.attachments) as files, platform.write() as conn:
                out.merge(_store_all(platform, conn, [item], source, files))
        except ThreatmeshError as exc:
            # The sync log is for site admins: a database failure keeps its own text.
            reason = exc.reason if isinstance(exc, DatabaseFailure) else exc.message
            out.failed[item.draft.uuid] = reason
    with platform.write() as conn:
        _move(platform, conn, source, cursor)
    return _relayed(platform, out)


def _relayed(platform: Platform, out: Outcome) -> Outcome:
    """Wake this process's background pusher when events arrived: a received event is
    published here, and goes on to the next instances as MISP's ``Event::_add`` publishes
    it (:mod:`threatmesh.services.sync.autopush`)."""
    if out.added or out.updated:
        platform.doorbell.ring()
    return out


def _move(
    platform: Platform, conn: Connection, source: Source, cursor: tuple[str, int] | None
) -> None:
    if cursor is not None and source.server_id is not None:
        sync_store.set_cursor(conn, source.server_id, cursor[0], cursor[1], platform.now())


#: Progress callback of a sync run: (what, done, total).
Progress = Callable[[str, int, int], None]


@dataclass
class Report:
    """The result of one pull or push run."""

    server_id: int
    direction: str
    listed: int = 0
    outcome: Outcome = field(default_factory=Outcome)

    def summary(self) -> dict[str, Any]:
        """MISP-style counts for the API and the CLI."""
        o = self.outcome
        return {
            "server_id": str(self.server_id),
            "direction": self.direction,
            "listed": self.listed,
            "added": len(o.added),
            "updated": len(o.updated),
            "skipped": len(o.skipped),
            "failed": len(o.failed),
            "failures": dict(list(o.failed.items())[:20]),
            "sightings": o.sightings,
        }
