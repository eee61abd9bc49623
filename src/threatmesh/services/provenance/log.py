"""The provenance log: what the write services call, and its verification.

Every record is appended in the transaction of the change it describes, so a change
and its record commit or roll back together. Records are hash-chained and signed
(``privacy.provenance.chain``); appenders serialise on the log's head row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from threatmesh.model.drafts import EventDraft
from threatmesh.model.errors import InvalidInput, NotFound
from threatmesh.privacy.provenance import chain
from threatmesh.privacy.provenance.canonical import sha256_hex
from threatmesh.services.platform import Identity, Platform
from threatmesh.services.provenance import reputation
from threatmesh.storage.core.database import Connection, Row
from threatmesh.storage.events import reads
from threatmesh.storage.provenance import log as provenance_log

EVENT_VERSION = "event-version"
SIGHTING = "sighting"
GRANT = "uma-grant"


def append(platform: Platform, conn: Connection, *, kind: str, subject: str, payload: Any) -> None:
    """Append one record inside the caller's transaction."""
    now = platform.now()
    signer = platform.trust.signer(conn, now)
    # SQLite: seal after the head this process left last, and let the guarded head
    # move check it (one statement less); PostgreSQL locks the head, one round trip.
    guess = platform.trust.provenance_head() if provenance_log.appends_after_guess(conn) else None
    if guess is not None:
        record = signer.seal(
            chain.Head(*guess), kind=kind, subject=subject, created=now, payload=payload
        )
        if provenance_log.append_after(conn, guess, _row(record)):
            platform.trust.remember_provenance_head((record.seq, record.record_hash))
            return
    seq, last = provenance_log.lock_head(conn)
    record = signer.seal(
        chain.Head(seq, last), kind=kind, subject=subject, created=now, payload=payload
    )
    provenance_log.append(conn, _row(record))
    platform.trust.remember_provenance_head((record.seq, record.record_hash))


def content_digest(conn: Connection, event_id: int) -> tuple[str, dict[str, Any], int] | None:
    """SHA-256 of the canonical JSON of an event's pinned content, the content, and its
    creator organisation's id (None if there is no such event)."""
    found = provenance_log.event_content(conn, event_id)
    if found is None:
        return None
    content, orgc_id = found
    return sha256_hex(content, checked=False), content, orgc_id


def record_event_version(
    platform: Platform,
    conn: Connection,
    event_id: int,
    action: str,
    who: Identity,
    *,
    pinned: tuple[dict[str, Any], int] | None = None,
) -> None:
    """Record the digest of event ``event_id``'s content after (or, for a delete,
    before) ``action``: "add", "edit", "publish", "unpublish", "delete", "content".

    ``pinned`` is that content and its creator organisation's id when the caller
    already has them (``provenance_log.draft_content`` of an event just added), so
    the event is not read back; it must be what ``provenance_log.event_content`` reads."""
    found = pinned if pinned is not None else provenance_log.event_content(conn, event_id)
    if found is None:
        return
    content, orgc_id = found
    digest = sha256_hex(content, checked=False)
    event_uuid = str(content["event"][0])
    actor_org = who.viewer.org_id
    # Usually the creator organisation itself, whose UUID is already at hand.
    same = actor_org == orgc_id
    actor_uuid = content["orgc"] if same else provenance_log.org_uuid(conn, actor_org)
    payload = {
        "action": action,
        "event_uuid": event_uuid,
        "content_sha256": digest,
        "orgc_uuid": content["orgc"],
        "actor_org_uuid": actor_uuid,
        "actor_user_id": who.viewer.user_id,
    }
    append(platform, conn, kind=EVENT_VERSION, subject=event_uuid, payload=payload)
    if action in ("add", "edit", "content"):
        values = provenance_log.live_values(content)
        reputation.record_event_evidence(platform, conn, values, orgc_id)


def record_added_event(
    platform: Platform, conn: Connection, row: Row, draft: EventDraft, who: Identity
) -> None:
    """:func:`record_event_version` of an "add": the content is taken from the draft
    just inserted (``storage.writes.insert_event``) instead of being read back; ``row``
    is the new event's row with its organisations (``storage.reads.event_query``)."""
    content = provenance_log.draft_content(draft, str(row["orgc_uuid"]))
    pinned = (content, int(row["orgc_id"]))
    record_event_version(platform, conn, int(row["id"]), "add", who, pinned=pinned)


def record_sightings(platform: Platform, conn: Connection, sighting_uuids: Sequence[str]) -> None:
    """One record per new sighting, under its event's UUID."""
    found = provenance_log.sighting_facts(conn, sighting_uuids)
    reputation.record_sighting_evidence(platform, conn, [dict(r) for r in found])
    for r in found:
        payload = {
            "sighting_uuid": r["uuid"],
            "attribute_uuid": r["attribute_uuid"],
            "event_uuid": r["event_uuid"],
            "org_uuid": r["org_uuid"],
            "type": int(r["type"]),
            "date_sighting": int(r["date_sighting"]),
            "source": r["source"],
        }
        append(platform, conn, kind=SIGHTING, subject=str(r["event_uuid"]), payload=payload)


def _row(record: chain.Record) -> dict[str, Any]:
    # Field by field: dataclasses.asdict would deep-copy the payload only for it to be
    # replaced by its JSON text.
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return fields | {"payload": orjson.dumps(record.payload).decode()}


def _record(row: Row) -> chain.Record:
    try:
        payload = orjson.loads(row["payload"])
    except orjson.JSONDecodeError:
        payload = {"unparseable": row["payload"]}  # fails its hash: reported as altered
    if not isinstance(payload, dict):
        payload = {"not_an_object": payload}
    return chain.Record(
        int(row["seq"]),
        row["kind"],
        row["subject"],
        int(row["created"]),
        payload,
        row["prev_hash"],
        row["record_hash"],
        row["signature"],
        row["key_id"],
    )


def record_json(record: chain.Record) -> dict[str, Any]:
    """A record as the API shows it (its fields, the payload as JSON)."""
    return dataclasses.asdict(record)


def _trusted_keys(
    platform: Platform, conn: Connection, pinned: Sequence[str] | None
) -> dict[str, Ed25519PublicKey]:
    if pinned:
        try:
            keys = [chain.load_public_pem(pem) for pem in pinned]
        except ValueError as exc:
            raise InvalidInput(f"public key: {exc}") from None
        return {chain.key_id(k): k for k in keys}
    signer = platform.trust.signer(conn, platform.now())
    return {signer.key_id: signer.public_key}


def _report_json(report: chain.Report, keys: dict[str, Ed25519PublicKey]) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "checked": report.checked,
        "head": {"seq": report.head.seq, "record_hash": report.head.record_hash},
        "problems": [p.as_dict() for p in report.problems],
        "trusted_keys": sorted(keys),
    }


def verify_log(platform: Platform, *, pinned: Sequence[str] | None = None) -> dict[str, Any]:
    """Verify the whole log; ``pinned`` PEM public keys replace the platform's own key
    (a verifier that pinned the key detects a log re-signed with another key)."""
    with platform.read() as conn:  # autocommit: a key created here is stored at once
        keys = _trusted_keys(platform, conn, pinned)
        seq, last = provenance_log.read_head(conn)
        records = [_record(r) for r in provenance_log.records(conn)]
    return _report_json(chain.verify(records, keys, chain.Head(seq, last)), keys)


def public_key(platform: Platform) -> dict[str, str]:
    """The provenance signing key's id and PEM, for verifiers to pin."""
    with platform.read() as conn:
        signer = platform.trust.signer(conn, platform.now())
    return {"key_id": signer.key_id, "public_key": signer.public_pem(), "algorithm": "Ed25519"}


def _predecessors(conn: Connection, records: Sequence[chain.Record]) -> dict[int, chain.Record]:
    wanted = [r.seq - 1 for r in records if r.seq > 1]
    if not wanted:
        return {}
    return {int(r["seq"]): _record(r) for r in provenance_log.records_at(conn, wanted)}


def event_history(platform: Platform, who: Identity, event_uuid: str) -> dict[str, Any]:
    """The records about an event, each checked (hash, signature, link to the record
    before it), and whether the event's current content is the last recorded version.
    Grants and sightings are shown to the producer organisation and site admins only."""
    ref = event_uuid.strip().lower()
    with platform.read() as conn:
        row = reads.find_event_row(
            conn, who.viewer, ref, unpublished_private=platform.unpublished_private
        )
        records = [_record(r) for r in provenance_log.records(conn, subject=ref)]
        if row is None and not (who.viewer.site_admin and records):
            raise NotFound("Invalid event.")
        if not (who.viewer.site_admin or (row is not None and row["orgc_id"] == who.viewer.org_id)):
            # Who was granted access and who sighted what is the producer's business.
            records = [r for r in records if r.kind == EVENT_VERSION]
        keys = _trusted_keys(platform, conn, None)
        before = _predecessors(conn, records)
        current = content_digest(conn, int(row["id"])) if row is not None else None
    checked = []
    for r in records:
        prev = before.get(r.seq - 1)
        report = chain.verify([prev, r] if prev is not None else [r], keys)
        problems = [p.as_dict() for p in report.problems if p.seq == r.seq]
        if prev is None and r.seq > 1:
            problems.append({"seq": r.seq, "kind": r.kind, "problem": "missing",
                             "detail": f"seq {r.seq - 1} is absent"})  # fmt: skip
        checked.append({**record_json(r), "verified": not problems, "problems": problems})
    versions = [r for r in records if r.kind == EVENT_VERSION]
    digest = current[0] if current is not None else None
    return {
        "event_uuid": ref,
        "records": checked,
        "verified": all(c["verified"] for c in checked),
        "current_content_sha256": digest,
        "matches_latest_version": bool(versions)
        and versions[-1].payload.get("content_sha256") == digest,
    }
