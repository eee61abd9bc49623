"""Adaptive deployment figures (issue 18): the time from intelligence published to the
decoy listening, from a decoy hit to its sighting visible through the API, and the idle
cost of 10 running decoys.

``threatmesh serve`` runs in a child process; the agent (local backend: one process per
decoy, reconcile every 50 ms) runs in this one. For each sample a CVE event (the
``vulnerability`` attribute and the host's CPE, published with the add) is posted, and
the clock runs until the controller lists the decoy as running (its process has said it
listens); then the decoy's exploit probe is sent and the clock runs until
``sightings/restSearch`` shows the ``decoy@`` sighting. Idle: the decoy processes' CPU
over 10 s and their resident memory, from ``/proc``.

Run ``python -m bench.adaptive`` (SQLite) or ``python -m bench.adaptive --postgres``.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from pathlib import Path

import httpx
from bench.common import (
    auth_headers,
    bench_database,
    init_admin,
    machine,
    percentile,
    process_cpu_seconds,
    serve,
)

from threatmesh.honeypots.adapt import Budget, Deploy, Match, Policy, Rule
from threatmesh.honeypots.decoys.catalogue import CATALOGUE
from threatmesh.honeypots.inventory import Host
from threatmesh.services.adaptive.agent import Agent, AgentConfig

CVES = sorted(CATALOGUE.cves())
POLICY = Policy(
    budget=Budget(max_decoys=20, max_per_host=20),
    rules=(Rule(name="all", deploy=Deploy(ttl=3600, port=0), match=Match()),),
)


def _host_cpe(cve: str) -> str:
    """A CPE 2.3 name the decoy for ``cve`` applies to (its first pattern, made concrete)."""
    parts = CATALOGUE.decoys[cve].cpes[0].split(":")
    parts[5] = parts[5].replace("*", "0") or "0"
    return ":".join(parts)


def _publish(client: httpx.Client, cve: str) -> None:
    body = {"info": f"{cve} exploited", "distribution": 3, "threat_level_id": 1,
            "published": True, "Attribute": [{"type": "vulnerability", "value": cve},
                                             {"type": "cpe", "value": _host_cpe(cve)}]}  # fmt: skip
    client.post("/events/add", json=body).raise_for_status()


async def _probe(port: int, cve: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chunk in CATALOGUE.decoys[cve].probe:
        writer.write(chunk)
    await writer.drain()
    writer.write_eof()
    await asyncio.wait_for(reader.read(), 10)
    writer.close()


def _wait(what: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.002)


def _sighted(client: httpx.Client, cve: str) -> bool:
    body = {"value": cve, "type": "vulnerability", "includeSightings": 1}
    answer = client.post("/events/restSearch", json=body)
    return answer.status_code == 200 and "decoy@bench" in answer.text


def _decoy_pids() -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if b"threatmesh.sensors.decoys" in (proc / "cmdline").read_bytes():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run(postgres: bool) -> None:
    print(f"# adaptive deployment, {'PostgreSQL' if postgres else 'SQLite'}; {machine()}")
    with bench_database(postgres) as (db_url, scratch):
        key = init_admin(db_url, scratch)
        with serve(db_url, scratch, key) as server:
            hosts = [Host("bench", tuple(_host_cpe(c) for c in CVES))]
            config = AgentConfig(url=server.url, key=key, hosts=hosts, policy=POLICY,
                                 interval=0.05)  # fmt: skip
            agent, stop = Agent(config), threading.Event()
            thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
            thread.start()
            _wait(agent.listening.is_set)
            deploy, feedback = [], []
            with httpx.Client(base_url=server.url, headers=auth_headers(key), timeout=60) as c:
                for cve in CVES:
                    started = time.perf_counter()
                    _publish(c, cve)
                    _wait(lambda cve=cve: any(d["cve"] == cve for d in agent.controller.status()))
                    deploy.append(time.perf_counter() - started)
                    port = next(d["port"] for d in agent.controller.status() if d["cve"] == cve)
                    started = time.perf_counter()
                    asyncio.run(_probe(port, cve))
                    _wait(lambda cve=cve: _sighted(c, cve))
                    feedback.append(time.perf_counter() - started)
            _report(deploy, feedback)
            _idle(10)
            stop.set()
            thread.join(timeout=60)


def _report(deploy: list[float], feedback: list[float]) -> None:
    for name, samples in (("intelligence published -> decoy listening", deploy),
                          ("decoy hit -> sighting visible through the API", feedback)):  # fmt: skip
        print(f"{name}: n={len(samples)} median {percentile(samples, 50) * 1000:.0f} ms, "
              f"p90 {percentile(samples, 90) * 1000:.0f} ms, "
              f"max {max(samples) * 1000:.0f} ms")  # fmt: skip


def _idle(count: int) -> None:
    pids = _decoy_pids()[:count]
    before = [process_cpu_seconds(p) or 0.0 for p in pids]
    time.sleep(10)
    after = [process_cpu_seconds(p) or 0.0 for p in pids]
    cpu = sum(a - b for a, b in zip(after, before, strict=True)) / 10
    rss = sum(_rss_kib(p) for p in pids) / 1024
    print(
        f"{len(pids)} idle decoys: CPU {cpu * 100:.2f}% of one core in all, "
        f"resident memory {rss:.0f} MiB in all ({rss / max(1, len(pids)):.1f} MiB each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    run(parser.parse_args().postgres)


if __name__ == "__main__":
    main()
