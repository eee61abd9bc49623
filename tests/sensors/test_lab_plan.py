"""Lab plans are data: the built-in plans are files, any other file runs the same way,
and a plan that cannot run is refused with the file, the step and the fault."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from threatmesh.detection.schedule import BENIGN
from threatmesh.sensors.lab_hosts import SERVER, TOOLS
from threatmesh.sensors.lab_plan import ATTACK_TOOLS, PlanError, builtin_names, load, parse, resolve

ATTACKS = {"PortScan", "SSH-Patator", "DoS-Hping", "Slowloris", "WebScan"}
STEP = '[[step]]\nlabel = "PortScan"\ntool = "nmap"\nargs = ["-p", "22", "{target}"]\n'


def test_builtin_plans_are_the_lab_days() -> None:
    assert builtin_names() == ["day1", "day2", "day3", "day4", "holdout", "smoke"]
    labels = {name: [s.label for s in resolve(name).steps] for name in builtin_names()}
    assert labels["day1"] == ["SSH-Patator", "WebScan"]
    assert labels["day4"] == ["WebScan", "DoS-Hping", "PortScan"]
    assert set(labels["holdout"]) == ATTACKS
    assert set(ATTACK_TOOLS) <= set(TOOLS)  # the lab checks and installs every plan tool


def test_a_step_fills_its_placeholders(tmp_path: Path) -> None:
    hydra = resolve("day1").steps[0]
    argv = hydra.argv(SERVER, tmp_path, random.Random(0))
    assert argv[:3] == ["timeout", "40", "hydra"]
    assert f"{tmp_path}/passwords.txt" in argv and f"ssh://{SERVER}" in argv
    hping = resolve("day2").steps[0].argv(SERVER, tmp_path, random.Random(0))
    assert 2000 <= int(hping[hping.index("-c") + 1]) <= 3499 and hping[-1] == SERVER
    scans = {
        resolve("smoke").steps[0].argv(SERVER, tmp_path, random.Random(s))[2] for s in range(20)
    }
    assert scans == {"-sS", "-sT"}


def test_a_new_variant_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "udp-scan.toml"
    path.write_text(
        'description = "A UDP scan"\n'
        '[[step]]\nlabel = "PortScan-UDP"\ntool = "nmap"\nlimit = 30\n'
        'args = ["-n", "-sU", "-p", "{int:50-60}", "{target}"]\n'
    )
    plan = resolve(str(path))
    assert (plan.name, plan.description) == ("udp-scan", "A UDP scan")
    argv = plan.steps[0].argv(SERVER, tmp_path, random.Random(1))
    assert argv[:4] == ["timeout", "30", "nmap", "-n"] and 50 <= int(argv[6]) <= 60


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("description = 'x'\n", "at least one [[step]]"),
        ("[[step\n", "not valid TOML"),
        ("colour = 'red'\n" + STEP, "unknown key(s) colour"),
        (STEP.replace("nmap", "bash"), "step 1: tool 'bash' is not a lab attack tool"),
        (STEP.replace("PortScan", BENIGN), "label must name an attack class"),
        (STEP.replace('label = "PortScan"\n', ""), "label must name an attack class"),
        (STEP.replace("{target}", "{host}"), "unknown placeholder {host}"),
        (STEP.replace("{target}", "{int:9-1}"), "unknown placeholder {int:9-1}"),
        (STEP.replace("{target}", "{choice:}"), "unknown placeholder {choice:}"),
        (STEP.replace('"22"', "22"), "args must be a list of strings"),
        (STEP + "limit = -1\n", "limit must be seconds"),
        (STEP + "limit = true\n", "limit must be seconds"),
        (STEP + "port = 22\n", "step 1: unknown key(s) port"),
        (STEP + STEP.replace("nmap", "nc"), "step 2: tool 'nc'"),
    ],
)
def test_a_bad_plan_is_refused_with_where_and_why(text: str, fault: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse(text, "bad", "plans/bad.toml")
    assert caught.value.message.startswith("plans/bad.toml")
    assert fault in caught.value.message


def test_unknown_names_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"unknown lab plan 'day9'.*day1, day2"):
        resolve("day9")
    with pytest.raises(PlanError, match="cannot read the plan"):
        load(tmp_path / "absent.toml")
    assert PlanError("x").status == 400
