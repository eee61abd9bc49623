"""The requests ``test_hidden_equals_absent`` sends, route by route.

Every route of the app is either in :data:`PROBES`, with requests that name something
through ``{placeholders}`` (in the path and in body strings), or in
:data:`NOT_PROBED` with the reason. Placeholders: ``event``, ``attribute``,
``object``, ``sighting``, ``rsid`` (a UMA resource), ``policy`` (a UMA policy),
``sg_uuid``, ``sg_name``, ``server_uuid`` (UUIDs or names); ``event_id``,
``attribute_id``, ``object_id``, ``user_id``, ``sg_id``, ``server_id``, ``org_id``,
``proposal_id`` (ids); ``value`` (an attribute value); ``prober_org`` (the prober's own
organisation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Ids = dict[str, str]
Route = tuple[str, str]  # (method, path as the app declares it)


def subst(value: Any, ids: Ids) -> Any:
    """``value`` (a string, or JSON holding strings) with the ``{name}`` placeholders
    that ``ids`` names filled in (others left as they are)."""
    if isinstance(value, str):
        return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [subst(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, ids) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Probe:
    """One request: a path and a JSON body with placeholders."""

    path: str
    body: Any = None
    #: False: sent without an API key (the UMA resource server's own routes).
    auth: bool = True

    def fill(self, ids: Ids) -> tuple[str, Any]:
        """The path and body naming ``ids``."""
        return subst(self.path, ids), subst(self.body, ids)

    def names(self) -> list[str]:
        """The placeholders the request uses."""
        return re.findall(r"{(\w+)}", f"{self.path} {self.body}")


def p(path: str, body: Any = None, *, auth: bool = True) -> Probe:
    """One probe."""
    return Probe(path, body, auth)


def each(path: str, refs: tuple[str, ...], body: Any = None) -> list[Probe]:
    """One probe per form of identifier in ``refs``, put where ``{ref}`` is (in the
    path, the body or both)."""
    return [Probe(subst(path, {"ref": r}), subst(body, {"ref": r})) for r in refs]


EVENT = ("{event}", "{event_id}")
ATTRIBUTE = ("{attribute}", "{attribute_id}")
OBJECT = ("{object}", "{object_id}")
REPORT = ("{report}", "{report_id}")
GROUP = ("{sg_id}", "{sg_uuid}", "{sg_name}")
SERVER = ("{server_id}", "{server_uuid}")
NEW_ATTRIBUTE = {"type": "ip-dst", "value": "203.0.113.200"}
NEW_OBJECT = {
    "name": "domain-ip",
    "Attribute": [{"type": "domain", "value": "probe.example", "object_relation": "domain"}],
}
EDIT = {"Event": {"info": "x"}}
RECIPIENT = {"recipient": {"kind": "default"}}


def _servers(action: str) -> dict[Route, list[Probe]]:
    """``servers/{action}/{ref}`` (and ``/{technique}``), GET and POST."""
    out = {}
    for method in ("GET", "POST"):
        out[(method, f"/servers/{action}/{{ref}}")] = each(f"/servers/{action}/{{ref}}", SERVER)
        if action in ("pull", "push"):
            route = (method, f"/servers/{action}/{{ref}}/{{technique}}")
            out[route] = each(f"/servers/{action}/{{ref}}/full", SERVER)
    return out


#: Every route that takes an identifier or a filter (reads, and the writes that
#: address existing content), with the requests that probe it.
PROBES: dict[Route, list[Probe]] = {
    # attributes
    ("POST", "/attributes/add/{event_ref}"): each("/attributes/add/{ref}", EVENT, NEW_ATTRIBUTE),
    ("POST", "/attributes/add/{event_ref}/{named:path}"): each(
        "/attributes/add/{ref}/breakOnDuplicate:0", EVENT, NEW_ATTRIBUTE
    ),
    ("GET", "/attributes/view/{ref}"): each("/attributes/view/{ref}", ATTRIBUTE),
    ("HEAD", "/attributes/view/{ref}"): each("/attributes/view/{ref}", ATTRIBUTE),
    ("GET", "/attributes/download/{ref}"): each("/attributes/download/{ref}", ATTRIBUTE),
    ("POST", "/attributes/edit/{ref}"): each("/attributes/edit/{ref}", ATTRIBUTE, {"comment": "x"}),
    ("PUT", "/attributes/edit/{ref}"): each("/attributes/edit/{ref}", ATTRIBUTE, {"comment": "x"}),
    ("POST", "/attributes/delete/{ref}"): each("/attributes/delete/{ref}", ATTRIBUTE),
    ("POST", "/attributes/delete/{ref}/{hard}"): each("/attributes/delete/{ref}/1", ATTRIBUTE),
    ("DELETE", "/attributes/delete/{ref}"): each("/attributes/delete/{ref}", ATTRIBUTE),
    ("POST", "/attributes/restSearch"): [
        *each("/attributes/restSearch", ("{attribute}", "{event}"), {"uuid": "{ref}"}),
        *each("/attributes/restSearch", EVENT, {"eventid": "{ref}"}),
        p("/attributes/restSearch", {"value": "{value}"}),
        p("/attributes/restSearch", {"value": "{value}", "deleted": [0, 1]}),
        p("/attributes/restSearch", {"uuid": "{attribute}", "deleted": 1}),
    ],
    ("GET", "/attributes/restSearch"): [p("/attributes/restSearch", {"uuid": "{attribute}"})],
    # events
    ("GET", "/events/view/{ref}"): each("/events/view/{ref}", EVENT),
    ("POST", "/events/view/{ref}"): each("/events/view/{ref}", EVENT, {"deleted": 1}),
    ("GET", "/events/view/{ref}/{named:path}"): each("/events/view/{ref}/deleted:1", EVENT),
    ("POST", "/events/view/{ref}/{named:path}"): each(
        "/events/view/{ref}/noSightings:1", EVENT, {"deleted": 1}
    ),
    ("HEAD", "/events/view/{ref}"): each("/events/view/{ref}", EVENT),
    ("POST", "/events/edit/{ref}"): each("/events/edit/{ref}", EVENT, EDIT),
    ("PUT", "/events/edit/{ref}"): each("/events/edit/{ref}", EVENT, EDIT),
    ("POST", "/events/edit/{ref}/{named:path}"): each("/events/edit/{ref}/metadata:1", EVENT, EDIT),
    ("POST", "/events/delete/{ref}"): each("/events/delete/{ref}", EVENT),
    ("DELETE", "/events/delete/{ref}"): each("/events/delete/{ref}", EVENT),
    ("POST", "/events/publish/{ref}"): each("/events/publish/{ref}", EVENT),
    ("POST", "/events/alert/{ref}"): each("/events/alert/{ref}", EVENT),
    ("POST", "/events/unpublish/{ref}"): each("/events/unpublish/{ref}", EVENT),
    ("POST", "/events/contact/{ref}"): each("/events/contact/{ref}", EVENT, {"message": "hi"}),
    ("GET", "/events/index"): [p("/events/index", {"eventid": "{event}"})],
    ("POST", "/events/index"): each("/events/index", EVENT, {"eventid": "{ref}"}),
    ("GET", "/events/index/{named:path}"): each("/events/index/eventid:{ref}", EVENT),
    ("POST", "/events/index/{named:path}"): each("/events/index/eventid:{ref}", EVENT),
    ("POST", "/events/restSearch"): [
        *each("/events/restSearch", EVENT, {"eventid": "{ref}"}),
        *each("/events/restSearch", ("{event}", "{attribute}"), {"uuid": "{ref}"}),
        p("/events/restSearch", {"value": "{value}"}),
        p("/events/restSearch", {"value": "{value}", "deleted": 1}),
    ],
    ("GET", "/events/restSearch"): [p("/events/restSearch", {"eventid": "{event}"})],
    # objects, tags, sightings
    ("POST", "/objects/add/{event_ref}"): each("/objects/add/{ref}", EVENT, NEW_OBJECT),
    ("POST", "/objects/add/{event_ref}/{template}"): each(
        "/objects/add/{ref}/domain-ip", EVENT, NEW_OBJECT
    ),
    ("POST", "/objects/delete/{ref}"): each("/objects/delete/{ref}", OBJECT),
    ("POST", "/objects/delete/{ref}/{hard}"): each("/objects/delete/{ref}/1", OBJECT),
    ("DELETE", "/objects/delete/{ref}"): each("/objects/delete/{ref}", OBJECT),
    ("GET", "/objects/view/{ref}"): each("/objects/view/{ref}", OBJECT),
    ("HEAD", "/objects/view/{ref}"): each("/objects/view/{ref}", OBJECT),
    ("POST", "/objects/edit/{ref}"): each("/objects/edit/{ref}", OBJECT, {"comment": "x"}),
    ("PUT", "/objects/edit/{ref}"): each("/objects/edit/{ref}", OBJECT, {"comment": "x"}),
    ("POST", "/objects/restSearch"): [
        *each("/objects/restSearch", ("{object}", "{event}"), {"uuid": "{ref}"}),
        *each("/objects/restSearch", EVENT, {"eventid": "{ref}"}),
        p("/objects/restSearch", {"value": "{value}"}),
    ],
    ("GET", "/objects/restSearch"): [p("/objects/restSearch", {"uuid": "{object}"})],
    ("POST", "/tags/attachTagToObject"): each(
        "/tags/attachTagToObject", ("{event}", *ATTRIBUTE), {"uuid": "{ref}", "tag": "tlp:red"}
    ),
    ("POST", "/tags/removeTagFromObject"): each(
        "/tags/removeTagFromObject", ("{event}", *ATTRIBUTE), {"uuid": "{ref}", "tag": "tlp:amber"}
    ),
    ("POST", "/sightings/add"): [
        p("/sightings/add", {"uuid": "{attribute}"}),
        p("/sightings/add", {"id": "{attribute_id}"}),
        p("/sightings/add", {"value": "{value}"}),
    ],
    ("POST", "/sightings/add/{attribute_ref}"): each("/sightings/add/{ref}", ATTRIBUTE, {}),
    ("POST", "/sightings/listSightings"): [
        *each("/sightings/listSightings", ATTRIBUTE, {"context": "attribute", "id": "{ref}"}),
        *each("/sightings/listSightings", EVENT, {"context": "event", "id": "{ref}"}),
    ],
    ("POST", "/sightings/listSightings/{ref}/{context}"): [
        *each("/sightings/listSightings/{ref}/attribute", ATTRIBUTE, {}),
        *each("/sightings/listSightings/{ref}/event", EVENT, {}),
    ],
    ("POST", "/sightings/restSearch"): [p("/sightings/restSearch", {"org_id": "{org_id}"})],
    ("POST", "/sightings/restSearch/{context}"): [
        *each("/sightings/restSearch/attribute", ATTRIBUTE, {"id": "{ref}"}),
        *each("/sightings/restSearch/event", EVENT, {"id": "{ref}"}),
    ],
    # event reports (one in the probed event, hidden from the prober with it)
    ("POST", "/eventReports/add/{event_ref}"): each(
        "/eventReports/add/{ref}", EVENT, {"name": "x"}
    ),
    ("GET", "/eventReports/view/{ref}"): each("/eventReports/view/{ref}", REPORT),
    ("POST", "/eventDelegations/delegateEvent/{ref}"): each(
        "/eventDelegations/delegateEvent/{ref}", EVENT, {"org_id": "{prober_org}"}
    ),
    ("POST", "/eventReports/edit/{ref}"): each("/eventReports/edit/{ref}", REPORT, {"name": "y"}),
    ("POST", "/eventReports/delete/{ref}"): each("/eventReports/delete/{ref}", REPORT),
    ("POST", "/eventReports/delete/{ref}/{hard}"): each("/eventReports/delete/{ref}/1", REPORT),
    ("GET", "/eventReports/index/{named:path}"): each("/eventReports/index/event_id:{ref}", EVENT),
    # attribute proposals (CERT-A's own, on its hidden event) and attributes/index
    ("POST", "/shadowAttributes/add/{event_ref}"): each(
        "/shadowAttributes/add/{ref}", EVENT, NEW_ATTRIBUTE
    ),
    ("POST", "/shadowAttributes/edit/{attribute_ref}"): each(
        "/shadowAttributes/edit/{ref}", ATTRIBUTE, {"comment": "proposed"}
    ),
    ("POST", "/shadowAttributes/delete/{attribute_ref}"): each(
        "/shadowAttributes/delete/{ref}", ATTRIBUTE
    ),
    ("GET", "/shadowAttributes/view/{ref}"): [p("/shadowAttributes/view/{proposal_id}")],
    ("POST", "/shadowAttributes/accept/{ref}"): [p("/shadowAttributes/accept/{proposal_id}")],
    ("POST", "/shadowAttributes/discard/{ref}"): [p("/shadowAttributes/discard/{proposal_id}")],
    ("GET", "/shadowAttributes/index/{tail:path}"): each("/shadowAttributes/index/{ref}", EVENT),
    ("GET", "/attributes/index/{named:path}"): [p("/attributes/index/searchvalue:{value}")],
    ("POST", "/events/pushEventToZMQ/{ref}"): each("/events/pushEventToZMQ/{ref}", EVENT),
    ("POST", "/sightings/index"): [p("/sightings/index", {"org_id": "{org_id}"})],
    ("GET", "/sightings/index"): [p("/sightings/index")],
    ("GET", "/sightings/index/{event_ref}"): each("/sightings/index/{ref}", EVENT),
    ("POST", "/sightings/index/{event_ref}"): each("/sightings/index/{ref}", EVENT),
    ("POST", "/sightings/delete/{ref}"): [p("/sightings/delete/{sighting}")],
    ("DELETE", "/sightings/delete/{ref}"): [p("/sightings/delete/{sighting}")],
    # UMA: the resource server's routes are probed without authentication.
    ("GET", "/uma/events/{uuid}"): [p("/uma/events/{event}", auth=False)],
    ("POST", "/uma/events/{uuid}/sightings"): [
        p("/uma/events/{event}/sightings", {"attribute_uuid": "{attribute}"}, auth=False)
    ],
    ("POST", "/uma/permission"): [
        p("/uma/permission", {"resource_id": "{rsid}", "resource_scopes": ["read"]})
    ],
    ("POST", "/uma/resources"): [
        p("/uma/resources", {"type": "event", "ref": "{event}"}),
        p("/uma/resources", {"type": "sharing_group", "ref": "{sg_uuid}"}),
    ],
    ("POST", "/uma/policies"): [
        p("/uma/policies", {"event": "{event}", "scopes": ["read"]}),
        p("/uma/policies", {"resource_id": "{rsid}", "scopes": ["read"]}),
        p("/uma/policies", {"sharing_group": "{sg_uuid}", "scopes": ["read"]}),
    ],
    ("DELETE", "/uma/policies/{uuid}"): [p("/uma/policies/{policy}")],
    # users (CERT-A's), sharing groups (one the prober's organisation is not in)
    ("GET", "/users/view/{ref}"): [p("/users/view/{user_id}")],
    ("GET", "/admin/users/view/{ref}"): [p("/admin/users/view/{user_id}")],
    ("POST", "/admin/users/delete/{ref}"): [p("/admin/users/delete/{user_id}")],
    ("DELETE", "/admin/users/delete/{ref}"): [p("/admin/users/delete/{user_id}")],
    ("POST", "/auth_keys/add/{ref}"): [p("/auth_keys/add/{user_id}")],
    ("POST", "/authKeys/add/{ref}"): [p("/authKeys/add/{user_id}")],
    ("POST", "/abe/revoke/{user_ref}"): [p("/abe/revoke/{user_id}")],
    ("GET", "/sharingGroups/view/{ref}"): each("/sharingGroups/view/{ref}", GROUP),
    ("GET", "/sharing_groups/view/{ref}"): each("/sharing_groups/view/{ref}", GROUP),
    ("POST", "/sharingGroups/delete/{ref}"): each("/sharingGroups/delete/{ref}", GROUP),
    ("DELETE", "/sharingGroups/delete/{ref}"): each("/sharingGroups/delete/{ref}", GROUP),
    ("HEAD", "/sharingGroups/view/{ref}"): each("/sharingGroups/view/{ref}", GROUP),
    ("HEAD", "/sharing_groups/view/{ref}"): each("/sharing_groups/view/{ref}", GROUP),
    ("POST", "/sharingGroups/edit/{ref}"): each("/sharingGroups/edit/{ref}", GROUP, {"name": "x"}),
    ("POST", "/sharing_groups/edit/{ref}"): each(
        "/sharing_groups/edit/{ref}", GROUP, {"name": "x"}
    ),
    ("POST", "/sharing_groups/delete/{ref}"): each("/sharing_groups/delete/{ref}", GROUP),
    ("DELETE", "/sharing_groups/delete/{ref}"): each("/sharing_groups/delete/{ref}", GROUP),
    ("POST", "/admin/users/edit/{ref}"): [p("/admin/users/edit/{user_id}", {"autoalert": True})],
    ("PUT", "/admin/users/edit/{ref}"): [p("/admin/users/edit/{user_id}", {"autoalert": True})],
    ("POST", "/users/edit/{ref}"): [p("/users/edit/{user_id}", {"autoalert": True})],
    ("PUT", "/users/edit/{ref}"): [p("/users/edit/{user_id}", {"autoalert": True})],
    ("POST", "/userSettings/setSetting"): [
        p("/userSettings/setSetting", {"setting": "homepage", "value": "x", "user_id": "{user_id}"})
    ],
    ("POST", "/user_settings/setSetting"): [
        p(
            "/user_settings/setSetting",
            {"setting": "homepage", "value": "x", "user_id": "{user_id}"},
        )
    ],
    ("POST", "/userSettings/getSetting"): [
        p("/userSettings/getSetting", {"setting": "homepage", "user_id": "{user_id}"})
    ],
    ("POST", "/user_settings/getSetting"): [
        p("/user_settings/getSetting", {"setting": "homepage", "user_id": "{user_id}"})
    ],
    ("POST", "/userSettings/delete"): [
        p("/userSettings/delete", {"setting": "homepage", "user_id": "{user_id}"})
    ],
    ("POST", "/user_settings/delete"): [
        p("/user_settings/delete", {"setting": "homepage", "user_id": "{user_id}"})
    ],
    ("POST", "/sharingGroups/addOrg"): [
        p("/sharingGroups/addOrg", {"sg_id": "{sg_id}", "org_id": "{prober_org}"})
    ],
    ("POST", "/sharingGroups/removeOrg"): [
        p("/sharingGroups/removeOrg", {"sg_id": "{sg_id}", "org_id": "{org_id}"})
    ],
    ("POST", "/sharingGroups/addServer"): [
        p("/sharingGroups/addServer", {"sg_id": "{sg_id}", "server_id": 0, "all_orgs": True})
    ],
    ("POST", "/sharingGroups/removeServer"): [
        p("/sharingGroups/removeServer", {"sg_id": "{sg_id}", "server_id": 0})
    ],
    # sync: the site admin's server connection, and the calls of a remote's sync user
    ("POST", "/servers/edit/{ref}"): each("/servers/edit/{ref}", SERVER, {"name": "x"}),
    ("PUT", "/servers/edit/{ref}"): each("/servers/edit/{ref}", SERVER, {"name": "x"}),
    ("POST", "/servers/delete/{ref}"): each("/servers/delete/{ref}", SERVER),
    ("DELETE", "/servers/delete/{ref}"): each("/servers/delete/{ref}", SERVER),
    **_servers("testConnection"),
    **_servers("pull"),
    **_servers("push"),
    ("GET", "/events/checkuuid/{uuid}"): [p("/events/checkuuid/{event}")],
    ("POST", "/events/filterEventIdsForPush"): [
        p("/events/filterEventIdsForPush", [{"Event": {"uuid": "{event}", "timestamp": "1"}}])
    ],
    ("POST", "/sightings/filterSightingsForPush"): [
        p("/sightings/filterSightingsForPush", ["{sighting}"])
    ],
    ("POST", "/sightings/bulkSaveSightings/{event_ref}"): each(
        "/sightings/bulkSaveSightings/{ref}", EVENT, []
    ),
    # the anonymizer and provenance, on one event
    ("POST", "/anonymizer/export/{ref}"): each("/anonymizer/export/{ref}", EVENT, RECIPIENT),
    ("POST", "/anonymizer/statistics/{ref}"): each(
        "/anonymizer/statistics/{ref}", EVENT, RECIPIENT
    ),
    ("GET", "/provenance/events/{uuid}"): [p("/provenance/events/{event}")],
    ("POST", "/events/freeTextImport/{ref}"): each(
        "/events/freeTextImport/{ref}", EVENT, {"value": "203.0.113.9"}
    ),
    ("POST", "/events/freeTextImport/{ref}/{named:path}"): each(
        "/events/freeTextImport/{ref}/returnMetaAttributes:1", EVENT, {"value": "203.0.113.9"}
    ),
    ("POST", "/galaxies/attachCluster/{target}/{kind}"): [
        p("/galaxies/attachCluster/{event_id}/event", {"Galaxy": {"target_id": "1"}}),
        p("/galaxies/attachCluster/{attribute_id}/attribute", {"Galaxy": {"target_id": "1"}}),
    ],
    ("POST", "/galaxies/attachCluster/{target}/{kind}/{named:path}"): [
        p("/galaxies/attachCluster/{event_id}/event/local:1", {"Galaxy": {"target_id": "1"}}),
    ],
}

_STATIC = "no identifier or filter: the same answer whatever exists"
_OWN = "lists the caller's own (or, for a site admin, all): no identifier"
_CREATES = "creates something new; a UUID that collides is tests/api/test_existence_oracles.py"
_ORGS = "no hidden case: every user sees every organisation (as in MISP)"
_ADMIN = "site-admin configuration, refused before any lookup (require_site_admin)"
_TAGS = "tags are instance-wide, as in MISP: none is hidden"
_POLICIES = "anonymization policies are instance-wide and readable by every user"
_BLOCKLISTS = "instance-wide lists of UUIDs (which need not exist here), kept by site admins"
_NOTES = (
    "analyst data is attached by UUID to anything, existing or not (as in MISP); a "
    "hidden note answering as an absent one is tests/api/test_collab_analyst_data.py"
)
_IN_BODY = "anonymizes the events in its body: no stored identifier"
_LIBRARY = "MISP's knowledge library is instance-wide, as in MISP: every user sees it all"

#: The library's routes (taxonomies, warninglists, noticelists, object templates).
LIBRARY_ROUTES = (
    ("POST", "/taxonomies/update"),
    ("GET", "/taxonomies"),
    ("GET", "/taxonomies/index"),
    ("GET", "/taxonomies/index/{named:path}"),
    ("GET", "/taxonomies/view/{ref}"),
    ("POST", "/taxonomies/enable/{ref}"),
    ("POST", "/taxonomies/disable/{ref}"),
    ("POST", "/taxonomies/addTag/{ref}"),
    ("POST", "/taxonomies/disableTag/{ref}"),
    ("POST", "/taxonomies/toggleRequired/{ref}"),
    ("POST", "/warninglists/update"),
    ("GET", "/warninglists"),
    ("GET", "/warninglists/index"),
    ("GET", "/warninglists/index/{named:path}"),
    ("GET", "/warninglists/view/{ref}"),
    ("POST", "/warninglists/toggleEnable"),
    ("POST", "/warninglists/checkValue"),
    ("POST", "/noticelists/update"),
    ("GET", "/noticelists"),
    ("GET", "/noticelists/index"),
    ("GET", "/noticelists/view/{ref}"),
    ("POST", "/noticelists/enableNoticelist/{ref}"),
    ("POST", "/noticelists/enableNoticelist/{ref}/{flag}"),
    ("POST", "/noticelists/toggleEnable/{ref}"),
    ("POST", "/objectTemplates/update"),
    ("GET", "/objectTemplates"),
    ("GET", "/objectTemplates/index"),
    ("GET", "/objectTemplates/index/{named:path}"),
    ("GET", "/objectTemplates/view/{ref}"),
    ("GET", "/objectTemplates/getRaw/{ref}"),
    ("POST", "/galaxies/update"),
    ("GET", "/galaxies"),
    ("GET", "/galaxies/index"),
    ("GET", "/galaxies/index/{named:path}"),
    ("POST", "/galaxies"),
    ("POST", "/galaxies/index"),
    ("GET", "/galaxies/view/{ref}"),
    ("POST", "/galaxy_clusters/add/{galaxy}"),
    ("POST", "/decayingModel/update"),
    ("GET", "/decayingModel"),
    ("GET", "/decayingModel/index"),
    ("GET", "/decayingModel/view/{ref}"),
    ("POST", "/decayingModel/enable/{ref}"),
    ("POST", "/decayingModel/disable/{ref}"),
)

#: Routes naming a user-made galaxy cluster (or its relation).
CLUSTER_ROUTES = (
    ("GET", "/galaxy_clusters/view/{ref}"),
    ("POST", "/galaxy_clusters/edit/{ref}"),
    ("POST", "/galaxy_clusters/publish/{ref}"),
    ("POST", "/galaxy_clusters/delete/{ref}"),
    ("POST", "/galaxy_cluster_relations/delete/{ref}"),
)
_CLUSTERS = (
    "names a galaxy cluster, which the probe fixtures do not make: another organisation's "
    "cluster answering as an unknown one is tests/api/library/test_galaxy_clusters.py"
)

#: Site-admin routes of issue 16's administration (roles, settings, registrations).
_ADMIN_ROUTES: tuple[Route, ...] = (
        ("POST", "/admin/roles/add"), ("POST", "/admin/roles/edit/{ref}"),
        ("PUT", "/admin/roles/edit/{ref}"), ("POST", "/admin/roles/delete/{ref}"),
        ("DELETE", "/admin/roles/delete/{ref}"), ("POST", "/admin/roles/set_default/{ref}"),
        ("GET", "/servers/serverSettings"), ("GET", "/servers/serverSettings/{tab}"),
        ("GET", "/servers/getSetting/{name}"), ("POST", "/servers/serverSettingsEdit/{name}"),
        ("POST", "/servers/serverSettingsEdit/{name}/{named:path}"),
        ("GET", "/servers/dbSchemaDiagnostic"),
        ("GET", "/events/queryACL/findMissingFunctionNames"),
        ("GET", "/users/registrations"), ("GET", "/users/registrations/index"),
        ("POST", "/users/acceptRegistrations/{ref}"),
        ("POST", "/users/discardRegistrations/{ref}"),
        ("DELETE", "/users/discardRegistrations/{ref}"))  # fmt: skip

#: Routes not probed, and why.
NOT_PROBED: dict[Route, str] = {
    **{(m, path): _STATIC for m in ("GET", "HEAD")
       for path in ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")},
    **{("GET", path): _STATIC for path in (
        "/servers/getVersion.json", "/servers/getVersion", "/servers/getPyMISPVersion.json",
        "/servers/getPyMISPVersion", "/attributes/describeTypes.json",
        "/attributes/describeTypes", "/.well-known/uma2-configuration", "/uma/jwks", "/roles",
        "/roles/index", "/abe/public_key", "/provenance/verify", "/provenance/key",
        "/anonymizer/techniques", "/anonymizer/schema")},
    **{("POST", path): _CREATES for path in (
        "/events/add", "/events/add/{named:path}", "/tags/add", "/admin/organisations/add",
        "/admin/users/add", "/sharingGroups/add", "/sharing_groups/add", "/servers/add",
        "/sightings/bulkSaveSightings", "/anonymizer/policies", "/protected/index_keys",
        "/servers/import", "/events/upload_stix", "/events/upload_stix/{version}")},
    **{("GET", path): _OWN for path in (
        "/uma/resources", "/uma/policies", "/organisations/index",
        "/organisations/index/{named:path}", "/admin/users/index",
        "/admin/users/index/{named:path}", "/sharingGroups/index", "/sharing_groups/index",
        "/servers", "/servers/index")},
    **dict.fromkeys(_ADMIN_ROUTES, _ADMIN),
    ("POST", "/users/edit"): "edits the caller's own account: no identifier",
    ("POST", "/users/change_pw"): "changes the caller's own password: no identifier",
    ("POST", "/users/register"): "no API key, no identifier: a request for an account",
    ("GET", "/userSettings/index"): _OWN,
    ("GET", "/user_settings/index"): _OWN,
    ("GET", "/tags/index"): _TAGS,
    **dict.fromkeys(
        (("GET", "/tags/view/{ref}"), ("POST", "/tags/edit/{ref}"), ("PUT", "/tags/edit/{ref}"),
         ("POST", "/tags/delete/{ref}"), ("DELETE", "/tags/delete/{ref}"),
         ("POST", "/tags/search"), ("GET", "/tags/tagStatistics"),
         ("GET", "/tags/tagStatistics/{percentage}"),
         ("GET", "/tags/tagStatistics/{percentage}/{keysort}")),
        _TAGS + "; the counts of uses count only what the caller may see",
    ),
    **dict.fromkeys(
        (("GET", "/attributes/attributeStatistics/{grouping}"),
         ("GET", "/attributes/attributeStatistics/{grouping}/{percentage}"),
         ("GET", "/users/statistics"), ("GET", "/users/statistics/{page}")),
        "counts over what the caller may see (a type, a category or a page name, no "
        "identifier)",
    ),
    ("GET", "/tags/index/{named:path}"): _TAGS,
    ("POST", "/uma/token"): "redeems a ticket, not an identifier: a ticket for an unknown "
    "event against one for a hidden event is tests/api/test_existence_oracles.py",
    ("POST", "/admin/organisations/edit/{ref}"): _ORGS,
    ("POST", "/admin/organisations/delete/{ref}"): _ORGS,
    ("DELETE", "/admin/organisations/delete/{ref}"): _ORGS,
    ("GET", "/organisations/view/{ref}"): _ORGS,
    ("GET", "/reputation/organisations"): _ORGS,
    ("GET", "/reputation/organisations/{ref}"): _ORGS,
    ("POST", "/servers/postTest"): _STATIC,
    ("GET", "/stream/events"): "a stream, no identifier; what it carries is filtered by "
    "model.stream_access (tests/services/test_stream_access.py)",
    ("GET", "/anonymizer/policies"): _POLICIES,
    ("GET", "/anonymizer/policies/{ref}"): _POLICIES,
    ("POST", "/anonymizer/policies/{ref}"): _POLICIES,
    ("PUT", "/anonymizer/policies/{ref}"): _POLICIES,
    ("DELETE", "/anonymizer/policies/{ref}"): _POLICIES,
    ("GET", "/anonymizer/bindings"): _ADMIN,
    ("POST", "/anonymizer/bindings"): _ADMIN,
    ("DELETE", "/anonymizer/bindings/{kind}/{ident}"): _ADMIN,
    ("POST", "/anonymizer/budgets"): _ADMIN,
    ("GET", "/anonymizer/budgets/{kind}/{ident}"): _ADMIN,
    ("GET", "/servers/syncFailures"): _ADMIN,
    ("GET", "/servers/syncFailures/{ref}"): _ADMIN,
    ("POST", "/anonymizer/anonymize"): _IN_BODY,
    ("POST", "/anonymizer/preview"): _IN_BODY,
    ("POST", "/abe/keys"): "issues the caller's own key: no identifier",
    ("GET", "/servers/createSync"): "issues the caller's own API key (a sync user's) with "
    "this instance's URL and host organisation: no identifier",
    ("GET", "/protected/index_keys/{key_id}"): "index keys are readable by every user by "
    "design (sealed for their policy's recipients): none is hidden",
    **{(m, f"/{c}/{a}"): _BLOCKLISTS for c in ("eventBlocklists", "orgBlocklists")
       for m, a in (("GET", "index"), ("GET", "index/{named:path}"), ("POST", "add"),
                    ("POST", "edit/{ref}"), ("POST", "delete/{ref}"), ("DELETE", "delete/{ref}"))},
    **{(m, f"/{c}{a}"): _ADMIN for c in ("correlation_exclusions", "correlationExclusions")
       for m, a in (("GET", ""), ("GET", "/index"), ("GET", "/index/{named:path}"),
                    ("GET", "/view/{ref}"), ("POST", "/add"), ("POST", "/edit/{ref}"),
                    ("POST", "/delete/{ref}"), ("DELETE", "/delete/{ref}"), ("POST", "/clean"))},
    ("GET", "/shadowAttributes/index"): "lists the proposals the caller sees: no identifier "
    "(shadowAttributes/index/{event} is probed)",
    ("GET", "/attributes/index"): "lists the attributes the caller sees: no identifier "
    "(attributes/index/searchvalue: is probed)",
    ("GET", "/eventReports/index"): "lists the reports of the events the caller sees: no "
    "identifier (eventReports/index/event_id: is probed)",
    **dict.fromkeys((
        ("POST", "/analyst_data/add/{data_kind}/{object_uuid}/{object_type}"),
        ("GET", "/analyst_data/view/{kind_or_all}/{ref}"),
        ("POST", "/analyst_data/edit/{kind_or_all}/{ref}"),
        ("POST", "/analyst_data/delete/{kind_or_all}/{ref}"),
        ("DELETE", "/analyst_data/delete/{kind_or_all}/{ref}")), _NOTES),
    **dict.fromkeys((
        ("GET", "/feeds"), ("GET", "/feeds/index"), ("GET", "/feeds/view/{ref}"),
        ("POST", "/feeds/add"), ("POST", "/feeds/edit/{ref}"), ("PUT", "/feeds/edit/{ref}"),
        ("POST", "/feeds/enable/{ref}"), ("POST", "/feeds/disable/{ref}"),
        ("POST", "/feeds/delete/{ref}"), ("DELETE", "/feeds/delete/{ref}"),
        ("POST", "/feeds/cacheFeeds/{scope}"), ("GET", "/feeds/compareFeeds"),
        ("GET", "/communities"), ("GET", "/communities/index"),
        ("GET", "/communities/index/{named:path}"), ("GET", "/communities/view/{ref}")), _ADMIN),
    **dict.fromkeys((
        ("GET", "/eventDelegations"), ("GET", "/eventDelegations/index"),
        ("GET", "/eventDelegations/index/{named:path}"), ("POST", "/eventDelegations/index"),
        ("GET", "/eventDelegations/view/{ref}"),
        ("POST", "/eventDelegations/acceptDelegation/{ref}"),
        ("POST", "/eventDelegations/deleteDelegation/{ref}")),
        "names a delegation request (or lists the caller's organisation's), which the "
        "probe fixtures do not make: another organisation's request answering as an "
        "unknown one is tests/api/test_collab_delegations.py"),
    **dict.fromkeys((
        ("GET", "/admin/logs/index"), ("GET", "/admin/logs/index/{named:path}"),
        ("POST", "/admin/logs/index"), ("GET", "/logs/index"), ("POST", "/logs/index")),
        "a search of the log of user actions, scoped to what the caller may read (MISP's "
        "rule): tests/services/admin/test_logs.py"),
    ("GET", "/risk/hosts/{host}"): "names a host, not stored content: its inventory event is "
    "read through restSearch and events/view as the caller sees them; another "
    "organisation's host answering as an unknown one is tests/services/risk/test_hosts.py",
    **dict.fromkeys(
        (("GET", "/inventory/hosts/{host}"), ("POST", "/inventory/hosts/{host}"),
         ("PUT", "/inventory/hosts/{host}"), ("DELETE", "/inventory/hosts/{host}")),
        "names a host of the caller's own inventory (one per organisation): another "
        "organisation's host answering as an unknown one, body and status, is "
        "tests/api/test_inventory.py"),
    ("GET", "/inventory/hosts"): _OWN,
    ("POST", "/inventory/hosts"): _CREATES,
    ("POST", "/inventory/import"): _CREATES,
    **dict.fromkeys(LIBRARY_ROUTES, _LIBRARY),
    **dict.fromkeys(CLUSTER_ROUTES, _CLUSTERS),
}  # fmt: skip
