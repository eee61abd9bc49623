"""/proc text: listening sockets and process status lines."""

from __future__ import annotations

from threatmesh.honeypots.hids.procfs import (
    ListeningSocket,
    parse_cmdline,
    parse_net_tcp,
    parse_stat,
)

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 670665 1 0 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6647 1 0 100 0 0 10 0
   2: 0100007F:1F90 0500A8C0:D431 01 00000000:00000000 00:00000000 00000000  1000        0 670700 1 0 20 4 30 10 -1
   3: garbage
"""  # noqa: E501
TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1111 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 6420 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6421 1 0 100 0 0 10 0
"""  # noqa: E501


def test_listening_sockets_of_both_tables() -> None:
    assert parse_net_tcp(TCP) == [
        ListeningSocket("tcp", "127.0.0.1", 8080, 1000, 670665),
        ListeningSocket("tcp", "0.0.0.0", 22, 0, 6647),
    ]
    assert parse_net_tcp(TCP6, "tcp6") == [
        ListeningSocket("tcp6", "::1", 4369, 106, 6420),
        ListeningSocket("tcp6", "127.0.0.1", 80, 0, 6421),  # IPv4-mapped
    ]


def test_big_endian_tables() -> None:
    line = "h\n 0: 7F000001:0016 00000000:0000 0A 0:0 0:0 0 0 0 9 1\n"
    assert parse_net_tcp(line, little_endian=False)[0].address == "127.0.0.1"


def test_stat_lines_with_awkward_names() -> None:
    stat = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 897280 3133"
    info = parse_stat(stat)
    assert info is not None
    assert (info.pid, info.ppid, info.name, info.state, info.start) == (
        4242, 1, "my (odd) prog", "S", 897280,
    )  # fmt: skip
    assert info.program == "[my (odd) prog]"
    assert parse_stat("12 (x) S 1") is None
    assert parse_stat("") is None


def test_cmdline() -> None:
    assert parse_cmdline(b"/usr/sbin/sshd\0-D\0") == ("/usr/sbin/sshd", "-D")
    assert parse_cmdline(b"") == ()
