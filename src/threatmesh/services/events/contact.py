"""``events/contact``: e-mail an event's reporter, as MISP's ``EventsController::contact``
and ``Event::sendContactEmail`` do.

The message goes to the creator organisation's enabled users who want contact alerts
and to the event's creator, or (``person`` set) to the creator alone; Reply-To is the
requester, so the reporter answers them directly. The event in the body is read as the
requester may see it. Sending blocks on the mail server, so it happens after the reads
(no database connection is held meanwhile) and in the caller's worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

from threatmesh.client.mail import Mailer, MailError
from threatmesh.formats.contact_email import contact_body, contact_subject
from threatmesh.model.errors import Forbidden, InvalidInput
from threatmesh.services.events.access import get_visible
from threatmesh.services.events.events import view_event
from threatmesh.services.platform import Identity, Platform
from threatmesh.storage.directory import users
from threatmesh.storage.sync.store import host_org

log = logging.getLogger(__name__)

#: MISP's answer when a contact e-mail went out.
SENT = "Email sent to the reporter."
#: Why a contact cannot be sent when the server has no SMTP settings.
NOT_CONFIGURED = "e-mail is not configured on this instance (no SMTP server is set)"
NO_RECIPIENT = "the event's reporter has no enabled user to write to"


class ContactFailed(Forbidden):
    """MISP's "Sending of email failed." (its ``saveFailResponse``, 403), with why."""

    name = "Could not contact Event"

    def __init__(self, event_id: int, reason: str) -> None:
        super().__init__(f"Sending of email failed: {reason}.")
        self.event_id = event_id


def _flag(value: Any) -> bool:
    """PHP's truthiness of a request field (MISP reads ``person`` so)."""
    return value not in (None, False, 0, "", "0", [], {})


def _request(payload: Any) -> tuple[str, bool]:
    """The message and ``person`` (creator only) of a contact request."""
    data = payload.get("Event", payload) if isinstance(payload, dict) else None
    data = data if isinstance(data, dict) else {}
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        raise InvalidInput("You must specify a message.")
    return message, _flag(data.get("person"))


def contact_reporter(
    platform: Platform, who: Identity, ref: str, payload: Any, *, mailer: Mailer | None
) -> int:
    """E-mail the reporter of event ``ref`` the requester's message; the event's id.

    404 for an event the requester may not see, 400 without a message, then
    :class:`ContactFailed` if e-mail is not configured, nobody is there to write to or
    the mail server did not take the message."""
    event = view_event(platform, who, ref, include_sightings=False)
    event_id = int(event["id"])
    message, creator_only = _request(payload)
    if mailer is None:
        raise ContactFailed(event_id, NOT_CONFIGURED)
    with platform.read() as conn:
        row = get_visible(platform, conn, who, str(event_id))
        to = users.contact_recipients(
            conn, org_id=row["orgc_id"], creator_id=row["user_id"], creator_only=creator_only
        )
        host = host_org(conn)
    if not to:
        raise ContactFailed(event_id, NO_RECIPIENT)
    instance = str(host["name"]) if host is not None else "threatmesh"
    requester = str(who.user["email"])
    body = contact_body(event, requester=requester, message=message, base_url=platform.base_url)
    try:
        mailer.send(to, contact_subject(event, instance), body, reply_to=requester)
    except MailError as exc:
        log.warning("events/contact %s: %s", event_id, exc.__cause__ or exc)
        raise ContactFailed(event_id, exc.message) from exc
    log.info(
        "events/contact %s: e-mailed %d user(s) for user %s", event_id, len(to), who.user["id"]
    )
    return event_id
