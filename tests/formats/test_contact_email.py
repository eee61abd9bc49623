"""The contact e-mail's subject and body (MISP's ``alert_contact`` and ``alert``)."""

from __future__ import annotations

from typing import Any

from threatmesh.formats.contact_email import contact_body, contact_subject, defang, subject_mark

EVENT: dict[str, Any] = {
    "id": "12",
    "date": "2026-12-01",
    "info": "Phishing wave",
    "distribution": "4",
    "threat_level_id": "2",
    "analysis": "1",
    "Orgc": {"name": "CIRCL"},
    "Org": {"name": "LOCAL"},
    "SharingGroup": {"name": "Banks"},
    "Tag": [{"name": "misp-galaxy:x"}, {"name": "TLP:RED"}],
    "Attribute": [
        {
            "category": "Network activity",
            "type": "url",
            "value": "HTTPS://a.example/x",
            "to_ids": True,
            "Tag": [{"name": "kill-chain:delivery"}],
        },
    ],
    "Object": [
        {
            "name": "email",
            "meta-category": "network",
            "Attribute": [
                {
                    "category": "Payload delivery",
                    "type": "email-src",
                    "value": "x@a.example",
                    "to_ids": False,
                },
            ],
        },
    ],
}


def test_subject_carries_the_first_tlp_tag_or_amber() -> None:
    assert contact_subject(EVENT, "ORG") == "[ORG MISP] Need info about event 12 - TLP:RED"
    assert subject_mark([{"name": "tlp"}, {"name": "tlpx:y"}]) == "tlp:amber"
    assert subject_mark([{"name": 'tlp="clear"'}]) == 'tlp="clear"'
    assert contact_subject({"id": "3"}, "ORG").endswith("event 3 - TLP:AMBER")


def test_defang_as_misp() -> None:
    assert defang("url", "Http://a.b/c") == "hxxp://a[.]b/c"
    assert defang("email-dst", "a@b.c") == "a[at]b.c"
    assert defang("domain|ip", "a.b|1.2.3.4") == "a[.]b|1[.]2[.]3[.]4"
    assert defang("md5", "a.b") == "a.b"


def test_body_has_the_message_and_the_event() -> None:
    body = contact_body(EVENT, requester="r@x.test", message="Still live?", base_url="https://m")
    lines = body.splitlines()
    assert lines[:8] == [
        "Hello,",
        "",
        "Someone wants to get in touch with you concerning a MISP event.",
        "",
        "You can reach them at r@x.test",
        "",
        "They wrote the following message:",
        "Still live?",
    ]
    for line in [
        "URL         : https://m/events/view/12",
        "Reported by : CIRCL",
        "Local owner of the event : LOCAL",
        "Distribution: Sharing group",
        "Sharing Group: Banks",
        "Tags: misp-galaxy:x, TLP:RED",
        "Threat Level: Medium",
        "Analysis    : Ongoing",
        "Description : Phishing wave",
        # MISP pads the type to 18 characters.
        "  Network activity/url" + " " * 15 + ": hxxpS://a[.]example/x (IDS)",
        "  - Tags: kill-chain:delivery",
        "  email/network",
        "    Payload delivery/email-src" + " " * 9 + ": x[at]a.example",
    ]:
        assert line in lines, line
