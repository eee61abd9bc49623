"""This app's mail transport: built from the ``THREATMESH_SMTP_*`` settings."""

from __future__ import annotations

from fastapi import Request

from threatmesh.api.settings import Settings
from threatmesh.services import runtime
from threatmesh.services.runtime import Mailer


def build_mailer(settings: Settings) -> Mailer | None:
    """The SMTP client ``settings`` describe; None when no mail server is set."""
    password = settings.smtp_password
    return runtime.mailer(
        settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from or "",
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=password.get_secret_value() if password is not None else None,
        timeout=settings.smtp_timeout_seconds,
        ca_file=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
    )


def mailer_of(request: Request) -> Mailer | None:
    """The mail transport of the app serving ``request`` (None: e-mail not configured)."""
    mailer: Mailer | None = request.app.state.mailer
    return mailer
