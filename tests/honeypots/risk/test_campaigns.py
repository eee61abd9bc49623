"""APT campaign knowledge from the galaxies and ATT&CK data the packages ship."""

from __future__ import annotations

from threatmesh.honeypots.risk.campaigns import (
    CampaignUse,
    UseKind,
    attack_uses,
    build_index,
    load_index,
)


def test_the_shipped_data_links_cves_to_apt_actors_and_campaigns() -> None:
    index = load_index()
    # Galaxies and ATT&CK are both read.
    assert index.sources["misp-galaxy:threat-actor"] > 0
    assert index.sources["misp-galaxy:tidal-campaigns"] > 0
    assert index.sources["mitre-attack:18.1"] > 0
    # The Office equation editor bug: exploited by many APT groups.
    office = index.apt_users("cve-2017-11882")
    assert {"APT32", "APT40", "APT41"} <= office
    # Citrix ADC (CVE-2019-19781): ATT&CK's APT29 and APT41 procedures.
    assert {"APT29", "APT41"} <= index.apt_users("CVE-2019-19781")
    # Log4Shell is used by actors and by malware families.
    kinds = {u.kind for u in index.uses("CVE-2021-44228")}
    assert {UseKind.MALWARE, UseKind.CAMPAIGN} <= kinds
    assert index.in_the_wild("CVE-2021-44228")


def test_malware_is_exploitation_in_the_wild_not_apt_use() -> None:
    index = build_index(
        [
            CampaignUse("CVE-2020-1", "Mirai", UseKind.MALWARE, "misp-galaxy:malpedia"),
            CampaignUse("cve-2020-1", "APT1", UseKind.ACTOR, "misp-galaxy:threat-actor"),
            CampaignUse("CVE-2020-1", "APT1", UseKind.ACTOR, "misp-galaxy:threat-actor"),
            CampaignUse("CVE-2020-2", "Mirai", UseKind.MALWARE, "misp-galaxy:malpedia"),
        ]
    )
    assert index.apt_users("CVE-2020-1") == {"APT1"}
    assert index.apt_users("CVE-2020-2") == frozenset()
    assert index.in_the_wild("CVE-2020-2")
    assert not index.in_the_wild("CVE-2020-3")
    assert index.sources == {"misp-galaxy:malpedia": 2, "misp-galaxy:threat-actor": 1}


def test_attack_procedures_name_their_actor_once_whatever_the_alias() -> None:
    objects = [
        {"stix_id": "intrusion-set--1", "stix_type": "intrusion-set", "name": "Fancy Bear"},
        {"stix_id": "campaign--2", "stix_type": "campaign", "name": "Operation X",
         "description": "exploited CVE-2023-0002 in 2023"},
        {"stix_id": "intrusion-set--3", "stix_type": "intrusion-set", "name": "Gone",
         "revoked": True},
    ]  # fmt: skip
    relationships = [
        {"relationship_type": "uses", "source_ref": "intrusion-set--1",
         "target_ref": "attack-pattern--x", "description": "[Fancy Bear] exploited CVE-2023-0001."},
        {"relationship_type": "uses", "source_ref": "intrusion-set--3",
         "target_ref": "attack-pattern--x", "description": "CVE-2023-0003"},
        {"relationship_type": "mitigates", "source_ref": "intrusion-set--1",
         "target_ref": "attack-pattern--x", "description": "CVE-2023-0004"},
    ]  # fmt: skip
    found = set(attack_uses(objects, relationships, {"fancy bear": "APT28"}))
    assert found == {
        CampaignUse("CVE-2023-0001", "APT28", UseKind.ACTOR, "mitre-attack:18.1"),
        CampaignUse("CVE-2023-0002", "Operation X", UseKind.CAMPAIGN, "mitre-attack:18.1"),
    }
