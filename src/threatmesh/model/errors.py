"""The threatmesh exception tree.

Every error that crosses a layer boundary is a :class:`ThreatmeshError`. Each carries
the HTTP status the API answers with, so the API maps them once, in one exception
handler, to MISP's ``{"name", "message", "url"}`` error body::

    ThreatmeshError (500)
    ├── InvalidInput (400)          malformed JSON, bad parameter, invalid value
    │   └── InvalidValue (400)      a value that is not valid for its MISP type
    ├── Unauthenticated (401)       missing, malformed or unknown API key
    ├── Forbidden (403)             authenticated, but not allowed to do this
    ├── NotFound (404)              does not exist, or the user may not see it
    ├── MethodNotAllowed (405)
    ├── Conflict (409)              duplicate UUID, name already taken
    │   └── UuidTaken (409)         new content's UUID used by other content
    ├── PayloadTooLarge (413)       request body over the configured limit
    └── NotInstalled (501)          needs an optional extra this install lacks

``NotFound`` is deliberately also used for objects that exist but are invisible to
the user: answering 403 would reveal that they exist.
"""

from __future__ import annotations

#: MISP's answer when a role lacks the permission an endpoint needs (its ACL
#: component's refusal): the same words everywhere, as MISP's clients compare them.
ACL_REFUSAL = "You do not have permission to use this functionality."


class ThreatmeshError(Exception):
    """Root of all threatmesh errors; ``status`` is the HTTP status the API uses."""

    status: int = 500
    name: str = "Internal error"

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if name is not None:
            self.name = name


class InvalidInput(ThreatmeshError):
    """The request is well-formed HTTP but its content is wrong."""

    status = 400
    name = "Invalid input"


class InvalidValue(InvalidInput):
    """A value that is not valid for its MISP attribute type."""

    name = "Invalid attribute value"


class Unauthenticated(ThreatmeshError):
    """No valid API key was presented."""

    status = 401
    name = "Authentication failed"


class Forbidden(ThreatmeshError):
    """The user is authenticated but lacks the permission for this action."""

    status = 403
    name = "Forbidden"


class NotFound(ThreatmeshError):
    """The object does not exist, or the user is not allowed to know it exists."""

    status = 404
    name = "Not Found"


class MethodNotAllowed(ThreatmeshError):
    """The endpoint exists but not for this HTTP method."""

    status = 405
    name = "Method not allowed"


class Conflict(ThreatmeshError):
    """The write collides with existing data (same UUID, same unique name)."""

    status = 409
    name = "Conflict"


class UuidTaken(Conflict):
    """New content (an attribute, object or object reference) comes with a UUID that
    other content already has. The message names the request's own element (``at``,
    its JSON path) and never the other one: that may be content the user cannot see,
    and "hidden" must read as "somewhere else" whether it is or not."""

    def __init__(self, kind: str, uuid: str, at: str = "") -> None:
        where = f"{at}.uuid" if at else f"{kind} {uuid}"
        super().__init__(f"{where}: a different {kind} already uses this UUID")
        self.kind = kind
        self.uuid = uuid


class PayloadTooLarge(ThreatmeshError):
    """The request body exceeds the configured maximum size."""

    status = 413
    name = "Payload too large"


class NotInstalled(ThreatmeshError):
    """The feature needs an optional extra this instance was installed without."""

    status = 501
    name = "Not implemented"

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs the optional '{extra}' extra, which this instance was "
            f"installed without (pip install 'threatmesh[{extra}]')."
        )
        self.extra = extra
