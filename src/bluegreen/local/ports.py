"""Which process holds a local TCP port, read from /proc; a short wait for a TIME_WAIT to pass.

`bluegreen up` binds PostgreSQL and HAProxy to fixed ports on 127.0.0.1. When one is taken,
"Address already in use" says nothing a user can act on: this module names the process that
listens on the port (or has a connection from it), or says the port is held by a closed
connection in TIME_WAIT, which the kernel frees by itself within a minute.

Linux lists every TCP socket of the network namespace in /proc/net/tcp and /proc/net/tcp6 with
its state and inode; /proc/<pid>/fd/* link to ``socket:[<inode>]``. A TIME_WAIT socket
belongs to no process (inode 0). Parsing is pure (`parse_proc_net_tcp`, `describe`); only
`holders` and `ensure_free` touch /proc and sockets.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bluegreen.errors import PlatformError

__all__ = [
    "EPHEMERAL_DEFAULT",
    "PortHolder",
    "bindable",
    "describe",
    "ensure_free",
    "ephemeral_range",
    "holders",
    "parse_proc_net_tcp",
]

EPHEMERAL_DEFAULT = (32768, 60999)  # Linux's default net.ipv4.ip_local_port_range
TIME_WAIT_SECONDS = 60  # TCP_TIMEWAIT_LEN: fixed in Linux, not a setting
_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


@dataclass(frozen=True)
class PortHolder:
    """One socket whose local port is the one asked about."""

    local: str  # "127.0.0.1:15432"
    remote: str  # "0.0.0.0:0" for a listener
    state: str  # LISTEN, ESTABLISHED, TIME_WAIT…
    inode: int  # 0 for TIME_WAIT (no process owns it)
    pid: int | None = None
    command: str | None = None

    def sentence(self) -> str:
        """What this socket is, in words a user can act on."""
        who = (
            f"pid {self.pid} ({self.command})"
            if self.pid is not None
            else "a process this user cannot see"
        )
        if self.state == "TIME_WAIT":
            return (
                f"a closed connection {self.local} → {self.remote} is in TIME_WAIT "
                f"(no process holds it; the kernel frees it within {TIME_WAIT_SECONDS} s)"
            )
        if self.state == "LISTEN":
            return f"{who} listens on {self.local}"
        return f"{who} has a connection {self.local} → {self.remote} ({self.state})"


def _address(hex_addr: str) -> str:
    """``0100007F:3C28`` → ``127.0.0.1:15400``; IPv6 (32 hex digits) → ``[::1]:15400``."""
    host_hex, port_hex = hex_addr.split(":")
    raw = bytes.fromhex(host_hex)
    # The kernel prints each 32-bit word in host order (little-endian here).
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    if len(words) == 4:
        host = socket.inet_ntop(socket.AF_INET, words)
    else:
        host = f"[{socket.inet_ntop(socket.AF_INET6, words)}]"
    return f"{host}:{int(port_hex, 16)}"


def parse_proc_net_tcp(text: str, port: int) -> list[PortHolder]:
    """The sockets of a /proc/net/tcp(6) text whose local port is `port` (no pids yet)."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if int(local.rsplit(":", 1)[1], 16) != port:
            continue
        found.append(
            PortHolder(
                local=_address(local),
                remote=_address(remote),
                state=_STATES.get(state.upper(), state),
                inode=int(inode) if inode.isdigit() else 0,
            )
        )
    return found


def _owners(inodes: set[int], proc: Path) -> dict[int, tuple[int, str]]:
    """inode → (pid, command line) for the sockets among `inodes` that a process holds."""
    wanted = {f"socket:[{i}]": i for i in inodes if i}
    owners: dict[int, tuple[int, str]] = {}
    if not wanted:
        return owners
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:  # gone, or another user's process without the right to look
            continue
        for link in links:
            if link in wanted and wanted[link] not in owners:
                owners[wanted[link]] = (int(entry.name), _command(entry))
    return owners


def _command(entry: Path) -> str:
    try:
        argv = (entry / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(a.decode(errors="replace") for a in argv if a)
    return text[:120] or "?"


def holders(port: int, proc: Path = Path("/proc")) -> list[PortHolder]:
    """Every TCP socket of this network namespace on local `port`, with its process if any."""
    found: list[PortHolder] = []
    for name in ("tcp", "tcp6"):
        try:
            found += parse_proc_net_tcp((proc / "net" / name).read_text(), port)
        except OSError:
            continue
    owners = _owners({h.inode for h in found}, proc)
    return [
        PortHolder(h.local, h.remote, h.state, h.inode, *owners[h.inode])
        if h.inode in owners
        else h
        for h in found
    ]


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> tuple[int, int]:
    """The ports the kernel picks for outgoing connections (Linux's default when unreadable)."""
    try:
        low, high = (int(v) for v in path.read_text().split())
    except (OSError, ValueError):
        return EPHEMERAL_DEFAULT
    return low, high


def describe(host: str, port: int, found: Sequence[PortHolder], ephemeral: tuple[int, int]) -> str:
    """Why `host:port` cannot be bound, from its holders, in one message."""
    if found:
        reason = "; ".join(dict.fromkeys(h.sentence() for h in found))
    else:
        reason = (
            "no socket on it is visible in /proc/net/tcp (it was freed since, or it belongs "
            "to another network namespace)"
        )
    text = f"{host}:{port} is taken: {reason}"
    low, high = ephemeral
    if low <= port <= high:
        text += (
            f". Port {port} lies in Linux's ephemeral range ({low}-{high}), from which every "
            "outgoing connection takes its local port: choose a port outside it"
        )
    return text


def bindable(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (SO_REUSEADDR, as servers set it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def only_time_wait(found: Iterable[PortHolder]) -> bool:
    """True when every socket on the port is a TIME_WAIT (so it frees itself), and one is."""
    states = [h.state for h in found]
    return bool(states) and all(s == "TIME_WAIT" for s in states)


def ensure_free(
    host: str,
    ports: Sequence[tuple[int, str]],
    *,
    time_wait_grace: float = 10.0,
) -> None:
    """Return when every (port, setting) of `ports` can be bound on `host`; else PlatformError.

    A port held only by TIME_WAIT connections frees itself: it is retried for up to
    `time_wait_grace` seconds. Any other holder is named at once, with the setting that
    chooses the port.
    """
    for port, setting in ports:
        deadline = time.monotonic() + time_wait_grace
        delay = 0.1
        while not bindable(host, port):
            found = holders(port)
            # Nothing visible: the holder has just gone (a TIME_WAIT that ended): bind again.
            if (only_time_wait(found) or not found) and time.monotonic() < deadline:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            waited = (
                f" (still after waiting {time_wait_grace:.0f} s)" if only_time_wait(found) else ""
            )
            raise PlatformError(
                describe(host, port, found, ephemeral_range()) + waited,
                hint=f"stop what holds it, or set another {setting} in bluegreen.toml"
                + (", or run `bluegreen up` again in a minute" if only_time_wait(found) else ""),
            )
