"""HAProxy for the local platform, the pure part: the configuration, weights, `show stat`.

Layout of the rendered configuration:

* frontend ``public`` on 127.0.0.1:<port> → backend ``app``, which holds ``slots`` server slots
  per colour (``blue-1`` … ``green-<slots>``). Slots without a task sit in maintenance; a task
  gets a slot through the runtime API (``set server … addr``), never through a reload.
* frontends ``test_blue`` / ``test_green`` (the smoke-test URLs) → backends ``blue`` / ``green``
  whose servers *track* ``app/<slot>``: same health and maintenance state, their own weights,
  so they reach their colour whatever the public weights are.
* active HTTP checks on ``/health``; L7 retries (``retry-on``) only for safe methods, plus
  connection-failure retries for every method; ``http-reuse safe``.

Everything here is pure (text in, text out); `bluegreen.local.haproxy.RuntimeApi` talks to the
stats socket.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bluegreen.model import COLORS, Color, Weights

if TYPE_CHECKING:
    from pathlib import Path

MAX_WEIGHT = 256  # HAProxy's per-server weight range is 0..256
DEFAULT_SLOTS = 16
PLACEHOLDER_PORT = 9  # "discard": slots without a task point here while in maintenance
BACKEND = "app"
CHECK_IN_PROGRESS = "* "  # ``show stat`` prefixes check_status with it while a check runs


def server_name(color: Color, index: int) -> str:
    """The name of slot `index` (1-based) of `color`: ``blue-1``, ``green-3``…"""
    return f"{color}-{index}"


def server_weights(weights: Weights, tasks: Mapping[Color, int]) -> dict[str, int]:
    """Per-server HAProxy weights that split traffic between the colours as `weights` says.

    HAProxy weights are relative and per server (0..256). Each colour's share is spread over
    its ``tasks[color]`` servers: one common scale factor makes the fullest server 256, each
    colour's total is rounded (at least 1 when its percentage is above 0) and divided as evenly
    as possible, the first servers taking the remainder. A colour with no tasks gets no
    entries (there is nothing to weight; routing traffic to it is the caller's mistake).
    """
    per_server = {c: weights.of(c) / tasks.get(c, 0) for c in COLORS if tasks.get(c, 0) > 0}
    top = max(per_server.values(), default=0.0)
    scale = MAX_WEIGHT / top if top > 0 else 0.0
    result: dict[str, int] = {}
    for color in COLORS:
        count = tasks.get(color, 0)
        if count <= 0:
            continue
        percent = weights.of(color)
        total = round(percent * scale)
        if percent > 0:
            total = max(total, 1)
        base, extra = divmod(total, count)
        for index in range(1, count + 1):
            result[server_name(color, index)] = base + (1 if index <= extra else 0)
    return result


@dataclass(frozen=True)
class ServerSlot:
    """One server line of the ``app`` backend as it should be on (re)start."""

    color: Color
    index: int
    port: int = PLACEHOLDER_PORT
    weight: int = 0
    enabled: bool = False

    @property
    def name(self) -> str:
        """``<color>-<index>``."""
        return server_name(self.color, self.index)


def render_config(
    *,
    port: int,
    test_ports: Mapping[Color, int],
    socket_path: Path,
    servers: Sequence[ServerSlot],
    stats_port: int | None = None,
    health_path: str = "/health",
) -> str:
    """The whole HAProxy configuration; every address is on 127.0.0.1."""
    lines = [
        "# Written by bluegreen.local.haproxy; weights change through the runtime API.",
        "global",
        f"    stats socket {socket_path} mode 600 level admin",
        "    stats timeout 30s",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    option dontlognull",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 30s",
        "    timeout queue 10s",
        "    timeout check 2s",
        "    retries 3",
        "    retry-on conn-failure empty-response response-timeout",
        "    option redispatch 1",
        "",
        "frontend public",
        f"    bind 127.0.0.1:{port}",
        "    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS",
        f"    default_backend {BACKEND}",
    ]
    for color in COLORS:
        lines += [
            "",
            f"frontend test_{color}",
            f"    bind 127.0.0.1:{test_ports[color]}",
            "    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS",
            f"    default_backend {color}",
        ]
    lines += [
        "",
        f"backend {BACKEND}",
        "    balance roundrobin",
        "    http-reuse safe",
        "    option httpchk",
        f"    http-check send meth GET uri {health_path} ver HTTP/1.1 hdr Host localhost",
        "    http-check expect status 200",
        # A new task is checked every 200 ms until it is up (two passes), so a deployment
        # waits ~0.4 s after the app listens; up servers are checked every 500 ms.
        "    default-server check inter 500ms fastinter 200ms downinter 200ms rise 2 fall 2",
        "    http-response set-header X-Bluegreen-Server %s",
    ]
    for slot in servers:
        state = "" if slot.enabled else " disabled"
        lines.append(f"    server {slot.name} 127.0.0.1:{slot.port} weight {slot.weight}{state}")
    for color in COLORS:
        lines += [
            "",
            f"backend {color}",
            "    balance roundrobin",
            "    http-reuse safe",
            "    http-response set-header X-Bluegreen-Server %s",
        ]
        lines += [
            f"    server {s.name} 127.0.0.1:{s.port} track {BACKEND}/{s.name}"
            for s in servers
            if s.color == color
        ]
    if stats_port is not None:
        lines += [
            "",
            "listen stats",
            f"    bind 127.0.0.1:{stats_port}",
            "    stats enable",
            "    stats uri /",
            "    stats refresh 2s",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ServerStat:
    """One server line of ``show stat``."""

    backend: str
    server: str
    status: str  # UP, DOWN, DRAIN, MAINT, "UP 1/2" (going down), "DOWN 1/2" (going up)…
    check_status: str  # L7OK, L7STS, L4CON, INI…
    weight: int
    scur: int  # current sessions (requests in flight on HTTP/1)
    qcur: int  # queued requests
    req_tot: int
    hrsp_5xx: int
    eresp: int
    econ: int
    wretr: int
    qtime_ms: int  # averages over the last 1024 requests
    ctime_ms: int
    rtime_ms: int
    ttime_ms: int
    addr: str

    @property
    def last_check(self) -> str:
        """The result of the last *completed* check: ``check_status`` without the ``* `` that
        HAProxy puts in front while the next check is in progress (``* L7OK`` is L7OK)."""
        return self.check_status.removeprefix(CHECK_IN_PROGRESS)

    @property
    def healthy(self) -> bool:
        """Fully up (or draining) and its last completed check passed.

        * ``UP`` / ``DRAIN`` with L7OK, or ``* L7OK`` (a check in progress, the last passed):
          healthy. Reading ``* L7OK`` as a failure made preflight refuse now and then
          ("live colour green has 1 of 2 targets healthy").
        * ``UP 1/2`` is never healthy, whatever the check says. It means "one failure from
          down", which is both a server that just failed a check (still routed) and a slot
          just out of maintenance, shown with the stale result from *before* maintenance:
          ``UP 1/2`` + ``L7OK`` for a task that has not answered one check yet (measured:
          a rollback weighted such a task while it booted, and every request got 503).
          The two cannot be told apart here, so invariant 1 (weight above 0 only on healthy
          targets) wins; the cost is that a live colour that just failed one check is
          reported unhealthy until its next check passes (fastinter: 200 ms later).
        * ``DOWN``, ``DOWN 1/2`` (going up), ``MAINT``, ``NOLB``: not healthy.
        """
        return self.status in ("UP", "DRAIN") and self.last_check.startswith("L7OK")


def _int(row: Mapping[str, str], key: str) -> int:
    value = row.get(key) or ""
    return int(value) if value.lstrip("-").isdigit() else 0


def parse_stat(text: str) -> list[ServerStat]:
    """The server lines of a ``show stat`` CSV answer (frontends and backends are skipped)."""
    body = text.lstrip()
    if body.startswith("# "):
        body = body[2:]
    rows = csv.DictReader(io.StringIO(body))
    stats = []
    for row in rows:
        name = row.get("svname") or ""
        if not name or name in ("FRONTEND", "BACKEND"):
            continue
        stats.append(
            ServerStat(
                backend=row.get("pxname") or "",
                server=name,
                status=row.get("status") or "",
                check_status=row.get("check_status") or "",
                weight=_int(row, "weight"),
                scur=_int(row, "scur"),
                qcur=_int(row, "qcur"),
                req_tot=_int(row, "req_tot"),
                hrsp_5xx=_int(row, "hrsp_5xx"),
                eresp=_int(row, "eresp"),
                econ=_int(row, "econ"),
                wretr=_int(row, "wretr"),
                qtime_ms=_int(row, "qtime"),
                ctime_ms=_int(row, "ctime"),
                rtime_ms=_int(row, "rtime"),
                ttime_ms=_int(row, "ttime"),
                addr=row.get("addr") or "",
            )
        )
    return stats


def weight_commands(current: Mapping[str, int], wanted: Mapping[str, int]) -> list[str]:
    """Runtime commands that move `current` to `wanted`: raises first, then lowers.

    Raising first means no instant where every server has weight 0 (which would answer 503).
    """
    up = [n for n in wanted if wanted[n] > current.get(n, 0)]
    down = [n for n in wanted if wanted[n] < current.get(n, 0)]
    return [f"set server {BACKEND}/{n} weight {wanted[n]}" for n in (*up, *down)]
