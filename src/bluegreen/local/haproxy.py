"""HAProxy's runtime API over its stats unix socket: how the local platform changes weights.

The configuration and the weight mapping are pure and live in `haproxy_config`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from bluegreen.errors import PlatformError
from bluegreen.local.haproxy_config import (
    BACKEND,
    CHECK_IN_PROGRESS,
    MAX_WEIGHT,
    ServerSlot,
    ServerStat,
    parse_stat,
    render_config,
    server_name,
    server_weights,
    weight_commands,
)

__all__ = [
    "BACKEND",
    "CHECK_IN_PROGRESS",
    "MAX_WEIGHT",
    "RuntimeApi",
    "ServerSlot",
    "ServerStat",
    "parse_stat",
    "render_config",
    "server_name",
    "server_weights",
    "weight_commands",
]


class RuntimeApi:
    """The HAProxy runtime API over its stats unix socket."""

    def __init__(self, socket_path: Path, timeout: float = 5.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    def command(self, *commands: str) -> str:
        """Send commands (one connection, ``;``-separated, run in order); return the answer.

        Raises PlatformError when the socket cannot be reached or a command is refused.
        """
        if not commands:
            return ""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout)
                sock.connect(str(self.socket_path))
                sock.sendall(("; ".join(commands) + "\n").encode())
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise PlatformError(
                f"HAProxy's runtime API at {self.socket_path} cannot be reached: {exc}",
                hint="run `bluegreen up` to start the local platform",
            ) from exc
        answer = b"".join(chunks).decode(errors="replace")
        _raise_on_refusal(commands, answer)
        return answer

    def reachable(self) -> bool:
        """Whether HAProxy answers on the socket."""
        try:
            self.command("show info")
        except PlatformError:
            return False
        return True

    def show_stat(self) -> list[ServerStat]:
        """Every server of every backend."""
        return parse_stat(self.command("show stat -1 4 -1"))

    def set_weights(self, current: Mapping[str, int], wanted: Mapping[str, int]) -> None:
        """Apply per-server weights of backend ``app`` (raises before lowers)."""
        self.command(*weight_commands(current, wanted))

    def set_state(self, servers: Iterable[str], state: str) -> None:
        """``ready``, ``drain`` or ``maint`` for servers of backend ``app`` (tracking follows)."""
        if state not in ("ready", "drain", "maint"):
            raise ValueError(f"unknown server state {state!r}")
        self.command(*(f"set server {BACKEND}/{s} state {state}" for s in servers))

    def set_port(self, server: str, port: int) -> None:
        """Point slot `server` (in ``app`` and its colour's test backend) at 127.0.0.1:`port`."""
        color = server.rsplit("-", 1)[0]
        self.command(
            *(
                f"set server {backend}/{server} addr 127.0.0.1 port {port}"
                for backend in (BACKEND, color)
            )
        )


_REFUSALS = (
    "No such",
    "Unknown command",
    "Require",
    "can only be",
    "Invalid",
    "invalid",
    "not supported",
    "Permission denied",
    "failed",
)


def _raise_on_refusal(commands: Sequence[str], answer: str) -> None:
    if commands[0].startswith("show"):
        return
    bad = [line for line in answer.splitlines() if any(r in line for r in _REFUSALS)]
    if bad:
        raise PlatformError(
            f"HAProxy refused {'; '.join(commands)!r}: {' / '.join(bad)}",
            hint="the running HAProxy does not match this bluegreen version; "
            "run `bluegreen down` then `bluegreen up`",
        )
