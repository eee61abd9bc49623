"""The decoy catalogue (pure): every decoy flags its own exploit probe and not an
ordinary request, answers like the product, and tells the risk engine its CVE's
products and CVSS."""

from __future__ import annotations

import pytest

from threatmesh.honeypots.decoys.base import Decoy, Step
from threatmesh.honeypots.decoys.catalogue import CATALOGUE, decoy_for
from threatmesh.honeypots.decoys.http import http_probe
from threatmesh.honeypots.risk.cpe_match import cpe_applies, is_cpe23
from threatmesh.honeypots.risk.cvss_vectors import parse_vector
from threatmesh.model.errors import NotFound

DECOYS = [CATALOGUE.decoys[c] for c in CATALOGUE.cves()]
ISSUE_CVES = {"CVE-2018-10933", "CVE-2021-41773", "CVE-2021-44228", "CVE-2019-15107",
              "CVE-2019-11043", "CVE-2022-26134"}  # fmt: skip


def _converse(decoy: Decoy, chunks: tuple[bytes, ...]) -> tuple[bytes, Step]:
    session = decoy.session()
    replies, exploit, step = [session.opening()], False, Step()
    for chunk in chunks:
        step = session.receive(chunk)
        replies.append(step.reply)
        exploit = exploit or step.exploit
    return b"".join(replies), Step(step.reply, step.done, exploit)


def test_at_least_fifteen_decoys_and_the_issues_cves() -> None:
    assert len(DECOYS) >= 15
    assert ISSUE_CVES <= set(CATALOGUE.cves())


@pytest.mark.parametrize("decoy", DECOYS, ids=lambda d: d.cve)
def test_the_probe_is_an_exploit_and_is_answered(decoy: Decoy) -> None:
    transcript, step = _converse(decoy, decoy.probe)
    assert step.exploit, decoy.cve
    assert transcript, "a plausible answer: a banner or a response"
    assert all(is_cpe23(c.replace(".*", ".0")) for c in decoy.cpes)
    assert parse_vector(decoy.cvss).base_score is not None


@pytest.mark.parametrize("decoy", [d for d in DECOYS if d.protocol == "http"], ids=lambda d: d.cve)
def test_an_ordinary_request_is_no_exploit(decoy: Decoy) -> None:
    transcript, step = _converse(decoy, (http_probe("GET", "/", {}),))
    assert not step.exploit and step.done
    assert transcript.startswith(b"HTTP/1.1 ")


def test_the_libssh_banner_and_a_plain_client() -> None:
    decoy = decoy_for("cve-2018-10933")
    transcript, step = _converse(decoy, (b"SSH-2.0-OpenSSH_8.9\r\n",))
    assert transcript.startswith(b"SSH-2.0-libssh_0.7.6\r\n") and not step.exploit
    with pytest.raises(NotFound, match="CVE-1999-0001"):
        decoy_for("CVE-1999-0001")


def test_the_catalogue_is_knowledge_for_the_risk_engine() -> None:
    report = CATALOGUE.about("CVE-2021-41773")
    assert report is not None and report.cvss == 7.5 and report.attack_vector == "N"
    assert any(cpe_applies(p, "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*")
               for p in report.cpes)  # fmt: skip
    assert not any(cpe_applies(p, "cpe:2.3:a:apache:http_server:2.4.51:*:*:*:*:*:*:*")
                   for p in report.cpes)  # fmt: skip
    assert CATALOGUE.about("CVE-1999-0001") is None
