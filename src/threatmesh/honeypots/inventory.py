"""The asset inventory: hosts, the software they run as CPE 2.3 names, and how exposed
they are; parsed from documents (an import file, an API body), matched against a
vulnerability's CPE names, and written as the MISP inventory event the risk engine reads
(``risk.facts``: a ``device`` object and a ``cpe-asset`` object per product).

Pure: documents arrive already decoded (JSON or YAML text is parsed here, files are
read by the caller).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from threatmesh.honeypots.risk.cpe_match import cpe_applies, is_cpe23
from threatmesh.honeypots.risk.facts import INVENTORY_TAG
from threatmesh.model.errors import InvalidInput

__all__ = [
    "HOST_PATTERN",
    "Exposure",
    "Host",
    "hosts_running",
    "inventory_event",
    "parse_document",
    "parse_host",
    "parse_hosts",
]

#: A host name as inventories name hosts.
HOST_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$"
_HOST = re.compile(HOST_PATTERN)
#: Most products one host may list (a guard against a runaway import).
MAX_SOFTWARE = 1000


class Exposure(StrEnum):
    """Who can reach the host: the internet, the internal network only, or nobody."""

    INTERNET = "internet"
    INTERNAL = "internal"
    ISOLATED = "isolated"


@dataclass(frozen=True, slots=True)
class Host:
    """A host of the inventory: its name, exposure and installed products (CPE 2.3)."""

    name: str
    software: tuple[str, ...]
    exposure: Exposure = Exposure.INTERNAL

    def as_dict(self) -> dict[str, Any]:
        """The host as the API and the import files write it."""
        return {"name": self.name, "exposure": str(self.exposure), "software": list(self.software)}


def _name(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not _HOST.fullmatch(raw):
        raise InvalidInput(f"{where}.name: {str(raw)[:80]!r} is not a host name")
    return raw


def _software(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_SOFTWARE:
        raise InvalidInput(f"{where}.software: a list of at most {MAX_SOFTWARE} CPE 2.3 names")
    out = []
    for i, item in enumerate(raw):
        name = item.get("cpe") if isinstance(item, Mapping) else item
        if not isinstance(name, str) or not is_cpe23(name):
            raise InvalidInput(
                f"{where}.software[{i}]: {str(name)[:120]!r} is not a CPE 2.3 name "
                "(cpe:2.3:part:vendor:product:version:update:edition:language:"
                "sw_edition:target_sw:target_hw:other)"
            )
        out.append(name)
    return tuple(dict.fromkeys(out))


def parse_host(raw: Any, where: str = "Host", *, name: str | None = None) -> Host:
    """A host from ``{"name", "exposure", "software": [CPE or {"cpe"}]}`` (``Host``
    wrapper accepted); ``name`` overrides the body's (the API's path). InvalidInput
    naming the field that is wrong."""
    if isinstance(raw, Mapping) and isinstance(raw.get("Host"), Mapping):
        raw = raw["Host"]
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where}: a host is an object with name, exposure, software")
    unknown = sorted(set(raw) - {"name", "exposure", "software", "id", "uuid"})
    if unknown:
        raise InvalidInput(f"{where}.{unknown[0]}: unknown field")
    exposure = raw.get("exposure", Exposure.INTERNAL.value)
    if exposure not in {e.value for e in Exposure}:
        choices = ", ".join(e.value for e in Exposure)
        raise InvalidInput(f"{where}.exposure: {str(exposure)[:40]!r} is not one of {choices}")
    return Host(
        name=_name(name if name is not None else raw.get("name"), where),
        software=_software(raw.get("software"), where),
        exposure=Exposure(exposure),
    )


def parse_hosts(raw: Any) -> list[Host]:
    """The hosts of an import document: ``{"hosts": [...]}`` or a list of hosts; each
    host named once."""
    items = raw.get("hosts") if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise InvalidInput("hosts: an inventory is a list of hosts (or {hosts: [...]})")
    hosts = [parse_host(item, f"hosts[{i}]") for i, item in enumerate(items)]
    seen: set[str] = set()
    for i, host in enumerate(hosts):
        if host.name in seen:
            raise InvalidInput(f"hosts[{i}].name: {host.name!r} is listed twice")
        seen.add(host.name)
    return hosts


def parse_document(text: str) -> list[Host]:
    """The hosts of an inventory file's text, JSON or YAML (JSON is YAML, but JSON's
    own parser gives the better error message when the text looks like JSON)."""
    try:
        raw = json.loads(text) if text.lstrip()[:1] in {"{", "["} else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidInput(f"inventory: neither JSON nor YAML ({str(exc)[:200]})") from None
    return parse_hosts(raw)


def hosts_running(hosts: Iterable[Host], patterns: Sequence[str]) -> list[tuple[Host, str]]:
    """The hosts running a product one of ``patterns`` (a vulnerability's CPE names)
    names, each with the first such product."""
    out = []
    for host in hosts:
        match = next((s for s in host.software if any(cpe_applies(p, s) for p in patterns)), None)
        if match is not None:
            out.append((host, match))
    return out


def inventory_event(host: Host) -> dict[str, Any]:
    """The host's inventory as the MISP event the risk engine reads (``risk.facts``)."""
    objects: list[dict[str, Any]] = [
        {"name": "device", "meta-category": "misc", "distribution": "5",
         "Attribute": [{"object_relation": "name", "type": "text", "value": host.name}]},
    ]  # fmt: skip
    for cpe in host.software:
        objects.append({
            "name": "cpe-asset", "meta-category": "misc", "distribution": "5",
            "Attribute": [{"object_relation": "cpe", "type": "cpe", "value": cpe}],
        })  # fmt: skip
    return {
        "info": f"Asset inventory: {host.name}",
        "distribution": "0",
        "threat_level_id": "4",
        "analysis": "2",
        "Tag": [{"name": INVENTORY_TAG}, {"name": f'threatmesh:exposure="{host.exposure}"'}],
        "Object": objects,
    }
