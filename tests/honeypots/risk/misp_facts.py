"""MISP events as the inventory, intelligence, decoy and HIDS sides write them, built
with PyMISP (shared by the pure tests and the live ones)."""

from __future__ import annotations

from pymisp import MISPEvent, MISPObject

APACHE_2449 = "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
OPENSSH = "cpe:2.3:a:openbsd:openssh:8.2:p1:*:*:*:*:*:*"


def inventory_event(host: str, cpes: list[str]) -> MISPEvent:
    """A host's inventory: a ``device`` and a ``cpe-asset`` per product."""
    event = MISPEvent()
    event.info = f"Asset inventory: {host}"
    event.distribution = 0
    event.add_tag("threatmesh:inventory")
    device = MISPObject("device")
    device.add_attribute("name", host)
    event.add_object(device)
    for name in cpes:
        asset = MISPObject("cpe-asset")
        asset.add_attribute("cpe", name)
        event.add_object(asset)
    return event


def vulnerability_event(
    cve: str,
    configurations: list[str],
    *,
    vector: str = "",
    score: float | None = None,
    published: str = "",
    tags: tuple[str, ...] = (),
) -> MISPEvent:
    """Intelligence about ``cve``: a ``vulnerability`` object."""
    event = MISPEvent()
    event.info = f"{cve} exploited"
    event.threat_level_id = 1
    for tag in tags:
        event.add_tag(tag)
    vuln = MISPObject("vulnerability")
    vuln.add_attribute("id", cve)
    for name in configurations:
        vuln.add_attribute("vulnerable-configuration", name)
    if vector:
        vuln.add_attribute("cvss-string", vector)
    if score is not None:
        vuln.add_attribute("cvss-score", score)
    if published:
        vuln.add_attribute("published", published)
    event.add_object(vuln)
    return event


def hids_event(host: str, anomalies: list[tuple[str, float, str, str, str]]) -> MISPEvent:
    """A HIDS report: ``(kind, severity, MISP type, value, explanation)`` per anomaly."""
    event = MISPEvent()
    event.info = f"Host anomalies on {host}"
    event.distribution = 0
    event.add_tag("threatmesh:hids")
    event.add_tag(f'threatmesh:host="{host}"')
    for kind, severity, type_, value, why in anomalies:
        attr = event.add_attribute(type_, value, comment=why, to_ids=False)
        attr.add_tag(f'threatmesh:anomaly="{kind}"')
        attr.add_tag(f'threatmesh:severity="{severity:.1f}"')
    return event
