"""Tables of instance-to-instance sync (issue 3), on the same ``metadata`` as
:mod:`threatmesh.storage.core.tables`.

``sync_cursors`` remembers, per server and direction, how far the last run got (the
remote or local event time every earlier event is done up to), so the next run asks
only for what changed since. ``sync_log`` records every event a run has sent or
received with the event timestamp it carried, written in the same transaction as the
event itself: a run killed at any point leaves no event half-synced, and the next run
picks up where it stopped.
"""

from __future__ import annotations

import sqlalchemy as sa

from threatmesh.storage.core.tables import Id, metadata

sync_cursors = sa.Table(
    "sync_cursors",
    metadata,
    sa.Column("server_id", Id, sa.ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True),
    # "pull", "push" or "push_sightings"
    sa.Column("direction", sa.String(16), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated", sa.BigInteger, nullable=False, server_default="0"),
)

sync_log = sa.Table(
    "sync_log",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("server_id", Id, sa.ForeignKey("servers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("event_uuid", sa.String(36), nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("synced", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("server_id", "direction", "event_uuid"),
)

# Events a sync could not send or receive, one row per event and peer, with the
# reason; kept until the event goes through. ``direction``: "push" and "pull" (this
# instance's runs, retried from ``retry_at`` on, with backoff), "serve" (an event
# this instance could not serve to a remote sync user pulling from it). ``recipient``
# names the peer as the anonymizer's bindings do ("server 3", "organisation <uuid>").
sync_failures = sa.Table(
    "sync_failures",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(255), nullable=False),
    sa.Column("server_id", Id, sa.ForeignKey("servers.id", ondelete="CASCADE"), nullable=True),
    sa.Column("event_uuid", sa.String(36), nullable=False),
    sa.Column("event_timestamp", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("first_failed", sa.BigInteger, nullable=False),
    sa.Column("last_failed", sa.BigInteger, nullable=False),
    sa.Column("retry_at", sa.BigInteger, nullable=False, server_default="0"),
    sa.UniqueConstraint("direction", "recipient", "event_uuid"),
)

# Who is running a sync with a server right now, so that two runs never push the same
# events at once (each release would spend the anonymizer's privacy budget). One row per
# server and direction: ``holder`` names the run, which renews ``expires`` as it goes; a
# lease past ``expires`` (its process died) may be taken over.
sync_leases = sa.Table(
    "sync_leases",
    metadata,
    sa.Column("server_id", Id, sa.ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("direction", sa.String(16), primary_key=True),
    sa.Column("holder", sa.String(255), nullable=False),
    sa.Column("expires", sa.BigInteger, nullable=False),
)
