"""The MISP server settings threatmesh knows, as data, and how a new value is checked.

Applied today: ``Security.allow_self_registration`` (``users/register``), ``MISP.delegation``
(``eventDelegations/*``) and
``Security.password_policy_length`` (``users/change_pw``, password edits). The others
are stored and shown so that MISP's clients read back what they set; their
descriptions say "(stored)" until the code that they would steer reads them.

MISP's ``Server::serverSettings`` lists several hundred settings, most of them about
PHP, Redis, e-mail or plugins that threatmesh does not have. This registry holds only
the settings that mean something here; ``servers/serverSettings`` lists them,
``servers/getSetting`` reads one and ``servers/serverSettingsEdit`` changes one (a
name not in the registry is MISP's "Setting %s is invalid." 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from threatmesh.model.errors import InvalidInput

#: The values MISP's user settings may take are checked by their own rule; these are
#: the names ``userSettings/setSetting`` accepts (MISP's ``UserSetting::$validSettings``).
USER_SETTINGS: frozenset[str] = frozenset(
    {
        "publish_alert_filter",
        "dashboard_access",
        "dashboard",
        "homepage",
        "default_restsearch_parameters",
        "tag_numerical_value_override",
        "event_index_hide_columns",
        "periodic_notification_filters",
        "oidc",
    }
)


@dataclass(frozen=True, slots=True)
class Setting:
    """One server setting: its name, type ("boolean", "numeric" or "string"), its
    default, MISP's level (0 critical ... 3 deprecated) and what it does here."""

    name: str
    type: str
    default: bool | int | str
    description: str
    level: int = 1
    #: The only values this instance can honour, when it cannot honour every value of
    #: the type (``MISP.background_jobs``: there are no background workers).
    choices: tuple[bool | int | str, ...] | None = None

    @property
    def tab(self) -> str:
        """MISP's settings tab: the part of the name before the dot."""
        head = self.name.split(".", 1)[0]
        return head if head in {"MISP", "Security", "Plugin", "Proxy", "Encryption"} else "MISP"

    def coerce(self, value: Any) -> bool | int | str:
        """``value`` as this setting's type (MISP accepts ``1``/``"true"`` for booleans
        and numeric strings for numbers) and one of its ``choices``; an
        :class:`InvalidInput` otherwise."""
        typed = self._typed(value)
        if self.choices is not None and typed not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise InvalidInput(f"{self.name}: this instance accepts only {allowed}")
        return typed

    def _typed(self, value: Any) -> bool | int | str:
        if self.type == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true"}:
                return True
            if text in {"0", "false", ""}:
                return False
            raise InvalidInput(f"{self.name}: expected a boolean, got {value!r}")
        if self.type == "numeric":
            if isinstance(value, bool):
                return int(value)
            try:
                return int(str(value).strip())
            except ValueError:
                raise InvalidInput(f"{self.name}: expected a number, got {value!r}") from None
        if not isinstance(value, str | int | float):
            raise InvalidInput(f"{self.name}: expected a string, got {type(value).__name__}")
        return str(value)

    def describe(self, value: bool | int | str) -> dict[str, Any]:
        """The setting as MISP's ``serverSettings`` and ``getSetting`` show it."""
        return {
            "level": self.level,
            "description": self.description,
            "value": value,
            "type": self.type,
            "setting": self.name,
            "name": self.name,
            "tab": self.tab,
        }


_SETTINGS = (
    Setting(
        "MISP.live",
        "boolean",
        True,
        "(stored) Unless set, the instance answers only site admins.",
        0,
    ),
    Setting("MISP.baseurl", "string", "", "(stored) The base URL of this instance.", 0),
    Setting("MISP.org", "string", "", "(stored) The name of the host organisation.", 1),
    Setting(
        "MISP.max_correlations_per_event",
        "numeric",
        5000,
        "(stored) The largest number of correlations shown per event.",
    ),
    Setting(
        "MISP.correlation_limit",
        "numeric",
        20,
        "(stored) Values with more matches stop correlating.",
    ),
    Setting(
        "MISP.delegation",
        "boolean",
        False,
        "Allow events to be delegated to other organisations (eventDelegations/*).",
    ),
    Setting(
        "MISP.unpublishedprivate", "boolean", False, "(stored) Unpublished events stay private."
    ),
    Setting(
        "MISP.default_event_distribution", "string", "1", "(stored) Distribution of new events."
    ),
    Setting(
        "MISP.default_attribute_distribution", "string", "event", "(stored) Of new attributes."
    ),
    Setting(
        "MISP.default_event_threat_level", "numeric", 4, "(stored) Threat level of new events."
    ),
    Setting("MISP.tagging", "boolean", True, "(stored) Enable tagging."),
    # On by default, as MISP (``Event::beforeDelete``: ``!== false``): a deleted event is
    # not re-created by a later pull or push; eventBlocklists/delete frees its UUID.
    Setting(
        "MISP.enableEventBlocklisting",
        "boolean",
        True,
        "Blocklist the UUID of every deleted event (eventBlocklists), as MISP.",
    ),
    # MISP's level 1 boolean "Enables the use of MISP's background processing." What
    # MISP runs as a publish job, pushing the event to the connected servers, always
    # runs here on the server's background pusher (services/sync/autopush.py): the
    # request commits the publish and queues the push, which is MISP's background mode.
    # Pushing inside the request (MISP's mode with the setting off) is not offered.
    Setting(
        "MISP.background_jobs",
        "boolean",
        True,
        "Background processing: publishing commits at once and the push to connected "
        "servers runs on the background pusher (MISP's background mode, so publish "
        "answers 'Job queued'); pushing inside the request is not offered, so only true "
        "is accepted.",
        choices=(True,),
    ),
    Setting(
        "Security.allow_self_registration",
        "boolean",
        False,
        "Let anyone send a registration request (users/register) for an admin to accept.",
    ),
    Setting(
        "Security.self_registration_message",
        "string",
        "If you would like to send us a registration request, please fill out the form below.",
        "(stored) The text shown to people who register.",
        2,
    ),
    Setting("Security.password_policy_length", "numeric", 12, "Shortest accepted password."),
    Setting("debug", "numeric", 0, "(stored) Debug level (0, 1 or 2).", 0),
)

#: The settings by name.
SETTINGS: dict[str, Setting] = {s.name: s for s in _SETTINGS}


def setting(name: str) -> Setting | None:
    """The setting ``name``, or None when this instance has no such setting."""
    return SETTINGS.get(name)
