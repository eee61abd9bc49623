"""The lab's real services and tools: config files and command lines, per host role.

Services: lighttpd (HTTP), OpenSSH's sshd, dnsmasq (DNS) on the server. Benign clients:
curl, wget, ssh, dig. Attacks: nmap, hydra, hping3, slowhttptest, dirb, with the options
the plan files give (:mod:`threatmesh.sensors.lab_plan`; the built-in ones bound every
attack in packets or time so a run stays short and light on a shared machine).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from threatmesh.sensors.netns import LabError, run

HOSTS = {
    "server": "10.99.0.10",
    "client1": "10.99.0.21",
    "client2": "10.99.0.22",
    "attacker": "10.99.0.66",
}
SERVER = HOSTS["server"]
TOOLS = (
    "ip",
    "tcpdump",
    "lighttpd",
    "sshd",
    "dnsmasq",
    "ssh",
    "ssh-keygen",
    "curl",
    "wget",
    "dig",
    "nmap",
    "hydra",
    "hping3",
    "slowhttptest",
    "dirb",
    "timeout",
)
DEBIAN_PACKAGES = (
    "iproute2 tcpdump lighttpd openssh-server openssh-client dnsmasq-base bind9-dnsutils "
    "curl wget nmap hydra hping3 slowhttptest dirb coreutils"
)


def missing_tools() -> list[str]:
    """The lab's programs that are not on PATH (sshd lives in /usr/sbin)."""
    return [t for t in TOOLS if shutil.which(t, path="/usr/sbin:/usr/bin:/sbin:/bin") is None]


def require_tools() -> None:
    """Raise a :class:`LabError` naming what to install when a tool is missing."""
    missing = missing_tools()
    if missing:
        raise LabError(
            f"missing lab tools {', '.join(missing)}: run `make lab` or "
            f"`apt-get install -y {DEBIAN_PACKAGES}`"
        )


def prepare(work: Path, rng: random.Random) -> None:
    """Write the web root, service configs, an SSH key pair and a password list."""
    www = work / "www"
    for sub in ("", "docs", "images", "admin", "api", "files"):
        (www / sub).mkdir(parents=True, exist_ok=True)
        (www / sub / "index.html").write_text(f"<html><body>{sub or 'home'}</body></html>\n")
    for i in range(20):
        size = rng.choice([512, 4_096, 32_768, 120_000, 400_000])
        (www / "files" / f"f{i}.bin").write_bytes(rng.randbytes(size))
    (work / "lighttpd.conf").write_text(
        f'server.document-root = "{www}"\nserver.port = 80\nserver.bind = "{SERVER}"\n'
        f'server.pid-file = "{work}/lighttpd.pid"\nserver.errorlog = "{work}/lighttpd.log"\n'
        "server.max-connections = 2048\nserver.max-keep-alive-requests = 20\n"
        'index-file.names = ("index.html")\n'
        'mimetype.assign = (".html" => "text/html", ".bin" => "application/octet-stream")\n'
    )
    (work / "sshd_config").write_text(
        f"Port 22\nListenAddress {SERVER}\nHostKey {work}/host_key\nPidFile {work}/sshd.pid\n"
        f"PermitRootLogin yes\nPasswordAuthentication yes\nPubkeyAuthentication yes\n"
        f"AuthorizedKeysFile {work}/authorized_keys\nStrictModes no\nUsePAM no\n"
        "MaxStartups 200:30:400\nMaxAuthTries 2\nLoginGraceTime 20\n"
    )
    for name in ("host_key", "client_key"):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)])
    (work / "authorized_keys").write_text((work / "client_key.pub").read_text())
    words = [f"{w}{n}" for w in ("pass", "admin", "root", "qwerty", "letmein") for n in range(60)]
    (work / "passwords.txt").write_text("\n".join(words) + "\n")
    Path("/run/sshd").mkdir(exist_ok=True)


def services(work: Path) -> list[list[str]]:
    """The server's daemons, each in the foreground."""
    return [
        ["lighttpd", "-D", "-f", str(work / "lighttpd.conf")],
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(work / "sshd_config")],
        [
            "dnsmasq",
            "--no-daemon",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            f"--listen-address={SERVER}",
            "--bind-interfaces",
            "--address=/lab.test/10.99.0.10",
            f"--pid-file={work}/dnsmasq.pid",
            "--user=root",
        ],
    ]


def benign_action(work: Path, rng: random.Random) -> list[str]:
    """One benign client request, chosen at random."""
    base = f"http://{SERVER}"
    ssh = [
        "ssh",
        "-i",
        str(work / "client_key"),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        f"root@{SERVER}",
    ]
    choices = [
        ["curl", "-s", "-o", "/dev/null", "-m", "10", f"{base}/files/f{rng.randrange(20)}.bin"],
        ["curl", "-s", "-o", "/dev/null", "-m", "10", f"{base}/", f"{base}/docs/", f"{base}/api/"],
        ["wget", "-q", "-O", "/dev/null", "-T", "10", f"{base}/images/index.html"],
        ["wget", "-q", "-r", "-l", "1", "-P", str(work / "mirror"), "-T", "10", f"{base}/"],
        ["dig", f"@{SERVER}", "+time=1", "+tries=1", f"host{rng.randrange(500)}.lab.test"],
        ["dig", f"@{SERVER}", "+time=1", "+tries=1", "+tcp", "www.lab.test", "MX"],
        [*ssh, rng.choice(["uname -a", "ls /", "cat /etc/os-release", "df -h", "id"])],
    ]
    weights = [5, 3, 2, 1, 4, 1, 2]
    return rng.choices(choices, weights=weights)[0]
