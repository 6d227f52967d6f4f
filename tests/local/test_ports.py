"""Ports out of harm's way: defaults outside the ephemeral range; a taken port names its holder.

Real sockets: a listener in another process, a connection left in TIME_WAIT by an active
close, and `bluegreen up` run as a user runs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bluegreen.config import LocalSettings
from bluegreen.errors import PlatformError
from bluegreen.local.ports import (
    PortHolder,
    describe,
    ensure_free,
    ephemeral_range,
    holders,
    parse_proc_net_tcp,
)
from tests.e2e.conftest import new_platform
from tests.support.platform import free_port_run

PROC_NET_TCP = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    "   0: 0100007F:3C48 00000000:0000 0A 00000000:00000000 00:00000000 00000000   107  "
    "      0 4242 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:3C48 0100007F:D431 06 00000000:00000000 03:00000A5B 00000000     0  "
    "      0 0 3 0000000000000000\n"
    "   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  "
    "      0 77 1 0000000000000000 100 0 0 10 0\n"
)
PROC_NET_TCP6 = (
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000001000000:3C48 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 100 0 0 10 0\n"
)


def test_proc_net_tcp_lines_of_the_port_are_read_with_addresses_states_and_inodes() -> None:
    assert parse_proc_net_tcp(PROC_NET_TCP, 15432) == [
        PortHolder("127.0.0.1:15432", "0.0.0.0:0", "LISTEN", 4242),
        PortHolder("127.0.0.1:15432", "127.0.0.1:54321", "TIME_WAIT", 0),
    ]
    assert parse_proc_net_tcp(PROC_NET_TCP6, 15432) == [
        PortHolder("[::1]:15432", "[::]:0", "LISTEN", 99)
    ]
    assert parse_proc_net_tcp(PROC_NET_TCP, 9999) == []


def test_a_listener_is_named_with_its_pid_and_command() -> None:
    found = [PortHolder("127.0.0.1:15432", "0.0.0.0:0", "LISTEN", 4242, 31, "postgres -D x")]
    assert describe("127.0.0.1", 15432, found, (32768, 60999)) == (
        "127.0.0.1:15432 is taken: pid 31 (postgres -D x) listens on 127.0.0.1:15432"
    )


def test_a_time_wait_says_no_process_holds_it_and_a_port_in_the_ephemeral_range_says_so() -> None:
    found = [PortHolder("127.0.0.1:55432", "127.0.0.1:8080", "TIME_WAIT", 0)]
    assert describe("127.0.0.1", 55432, found, (32768, 60999)) == (
        "127.0.0.1:55432 is taken: a closed connection 127.0.0.1:55432 → 127.0.0.1:8080 is in "
        "TIME_WAIT (no process holds it; the kernel frees it within 60 s). Port 55432 lies in "
        "Linux's ephemeral range (32768-60999), from which every outgoing connection takes its "
        "local port: choose a port outside it"
    )


def test_a_connection_of_an_invisible_process_and_no_socket_at_all_are_both_explained() -> None:
    found = [PortHolder("127.0.0.1:15432", "127.0.0.1:80", "ESTABLISHED", 5)]
    assert describe("127.0.0.1", 15432, found, (32768, 60999)) == (
        "127.0.0.1:15432 is taken: a process this user cannot see has a connection "
        "127.0.0.1:15432 → 127.0.0.1:80 (ESTABLISHED)"
    )
    assert "no socket on it is visible" in describe("127.0.0.1", 15432, [], (32768, 60999))


def test_every_default_local_port_lies_outside_the_ephemeral_range() -> None:
    low, high = ephemeral_range()
    local = LocalSettings()
    defaults = {
        "port": local.port,
        "port + 1 (blue)": local.port + 1,
        "port + 2 (green)": local.port + 2,
        "db_port": local.db_port,
        # tasks take base_port + offset + index, up to 2 colours x 16 tasks
        "base_port": local.base_port,
        "last task port": local.base_port + 64,
    }
    inside = {name: p for name, p in defaults.items() if low <= p <= high}
    assert inside == {}, f"defaults inside the ephemeral range {low}-{high}: {inside}"


# ---------------------------------------------------------------- real sockets


@pytest.fixture
def listener() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """Another process listening on 127.0.0.1:<port>."""
    port = free_port_run(1)
    code = (
        "import socket, sys, time\n"
        "s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n"
        "print('ready', flush=True); time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    yield port, proc
    proc.kill()
    proc.wait(timeout=10)


def time_wait_on_a_port() -> int:
    """A port held only by a TIME_WAIT: a client bound to it closes first (active close)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.socket()
        client.bind(("127.0.0.1", free_port_run(1)))
        port: int = client.getsockname()[1]
        client.connect(server.getsockname())
        accepted, _ = server.accept()
        client.close()
        time.sleep(0.05)
        accepted.close()
    deadline = time.monotonic() + 5
    while [h.state for h in holders(port)] != ["TIME_WAIT"]:
        assert time.monotonic() < deadline, holders(port)
        time.sleep(0.02)
    return port


def test_the_process_listening_on_a_port_is_found_in_proc(
    listener: tuple[int, subprocess.Popen[str]],
) -> None:
    port, proc = listener
    (found,) = holders(port)
    assert (found.state, found.pid, found.local) == ("LISTEN", proc.pid, f"127.0.0.1:{port}")
    assert "socket.socket()" in (found.command or "")


def test_a_port_held_by_a_process_fails_at_once_naming_it_and_the_setting(
    listener: tuple[int, subprocess.Popen[str]],
) -> None:
    port, proc = listener
    with pytest.raises(PlatformError) as caught:
        ensure_free("127.0.0.1", [(port, "local.db_port")], time_wait_grace=30)
    assert f"pid {proc.pid}" in str(caught.value)
    assert "still after waiting" not in str(caught.value)  # only a TIME_WAIT is waited for
    assert "local.db_port" in (caught.value.hint or "")


def test_a_time_wait_is_retried_then_named_when_it_outlasts_the_grace() -> None:
    port = time_wait_on_a_port()
    with pytest.raises(PlatformError) as caught:
        ensure_free("127.0.0.1", [(port, "local.db_port")], time_wait_grace=0.5)
    message = str(caught.value)
    assert "TIME_WAIT" in message
    assert "still after waiting" in message
    assert "again in a minute" in (caught.value.hint or "")


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2) to end a TIME_WAIT")
@pytest.mark.skipif(os.geteuid() != 0, reason="ending a TIME_WAIT with `ss -K` needs root")
def test_a_port_whose_time_wait_ends_during_the_grace_is_taken() -> None:
    port = time_wait_on_a_port()

    def end_time_wait() -> None:
        time.sleep(0.5)
        subprocess.run(
            ["ss", "-K", "-tn", "state", "time-wait", f"sport = :{port}"],
            capture_output=True,
            check=True,
        )

    ender = threading.Thread(target=end_time_wait)
    ender.start()
    ensure_free("127.0.0.1", [(port, "local.db_port")], time_wait_grace=20)
    ender.join()
    assert holders(port) == []


@pytest.mark.integration
def test_up_on_a_taken_db_port_names_the_holder_and_starts_nothing(
    listener: tuple[int, subprocess.Popen[str]], short_dir: Path
) -> None:
    port, proc = listener
    platform = new_platform(short_dir)
    text = platform.config.read_text()
    platform.config.write_text(
        "\n".join(
            f"db_port = {port}" if line.startswith("db_port") else line
            for line in text.splitlines()
        )
    )
    try:
        result = platform.run("up", "--version", "1.0.0", timeout=120)
        assert result.code == 4, result.err
        assert f"127.0.0.1:{port} is taken: pid {proc.pid}" in result.err
        assert "local.db_port" in result.err
        assert not (platform.state_dir / "postgres").exists()
        assert not (platform.state_dir / "haproxy.pid").exists()
    finally:
        platform.run("down", "--purge", timeout=60)


def test_the_test_support_never_hands_out_one_port_twice_in_a_process() -> None:
    # A platform's HAProxy run and its task run are chosen one after the other, before either
    # is bound: they must not overlap (a task would take HAProxy's port first).
    runs = [free_port_run(40) for _ in range(30)]
    ports = [p for first in runs for p in range(first, first + 40)]
    assert len(ports) == len(set(ports))
