"""The pure parts of bluegreen.local.haproxy: configuration text, weights, commands, stats."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen.local.haproxy_config import (
    ServerSlot,
    parse_stat,
    render_config,
    server_weights,
    weight_commands,
)
from bluegreen.model import Color, Weights

EXPECTED = """\
# Written by bluegreen.local.haproxy; weights change through the runtime API.
global
    stats socket /s/haproxy.sock mode 600 level admin
    stats timeout 30s
    maxconn 4096

defaults
    mode http
    option dontlognull
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 30s
    timeout queue 10s
    timeout check 2s
    retries 3
    retry-on conn-failure empty-response response-timeout
    option redispatch 1

frontend public
    bind 127.0.0.1:8080
    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS
    default_backend app

frontend test_blue
    bind 127.0.0.1:8081
    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS
    default_backend blue

frontend test_green
    bind 127.0.0.1:8082
    http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS
    default_backend green

backend app
    balance roundrobin
    http-reuse safe
    option httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server check inter 500ms fastinter 200ms downinter 200ms rise 2 fall 2
    http-response set-header X-Bluegreen-Server %s
    server blue-1 127.0.0.1:18000 weight 256
    server green-1 127.0.0.1:9 weight 0 disabled

backend blue
    balance roundrobin
    http-reuse safe
    http-response set-header X-Bluegreen-Server %s
    server blue-1 127.0.0.1:18000 track app/blue-1

backend green
    balance roundrobin
    http-reuse safe
    http-response set-header X-Bluegreen-Server %s
    server green-1 127.0.0.1:9 track app/green-1
"""

SERVERS = [ServerSlot("blue", 1, 18000, 256, enabled=True), ServerSlot("green", 1)]


def test_render_config_produces_the_whole_configuration() -> None:
    text = render_config(
        port=8080,
        test_ports={"blue": 8081, "green": 8082},
        socket_path=Path("/s/haproxy.sock"),
        servers=SERVERS,
    )
    assert text == EXPECTED


def test_render_config_adds_a_stats_page_only_when_a_stats_port_is_given() -> None:
    text = render_config(
        port=8080,
        test_ports={"blue": 8081, "green": 8082},
        socket_path=Path("/s/haproxy.sock"),
        servers=SERVERS,
        stats_port=8404,
    )
    assert text == EXPECTED + (
        "\nlisten stats\n    bind 127.0.0.1:8404\n    stats enable\n"
        "    stats uri /\n    stats refresh 2s\n"
    )


@pytest.mark.parametrize(
    ("weights", "tasks", "expected"),
    [
        pytest.param(
            Weights(100, 0), {"blue": 2, "green": 0}, {"blue-1": 256, "blue-2": 256}, id="all-blue"
        ),
        pytest.param(
            Weights(100, 0),
            {"blue": 2, "green": 2},
            {"blue-1": 256, "blue-2": 256, "green-1": 0, "green-2": 0},
            id="idle-green-at-zero",
        ),
        pytest.param(
            Weights(0, 100),
            {"blue": 0, "green": 2},
            {"green-1": 256, "green-2": 256},
            id="all-green-nothing-on-blue",
        ),
        pytest.param(
            Weights(50, 50),
            {"blue": 3, "green": 1},
            {"blue-1": 86, "blue-2": 85, "blue-3": 85, "green-1": 256},
            id="uneven-task-counts-keep-the-split",
        ),
        pytest.param(
            Weights(10, 90),
            {"blue": 3, "green": 2},
            {"blue-1": 19, "blue-2": 19, "blue-3": 19, "green-1": 256, "green-2": 256},
            id="canary-ten-percent",
        ),
        pytest.param(
            Weights(1, 99),
            {"blue": 16, "green": 1},
            {
                **{f"blue-{i}": 1 for i in range(1, 4)},
                **{f"blue-{i}": 0 for i in range(4, 17)},
                "green-1": 256,
            },
            id="one-percent-over-many-servers-keeps-at-least-one",
        ),
        pytest.param(Weights(100, 0), {"blue": 0, "green": 0}, {}, id="no-tasks"),
    ],
)
def test_server_weights_split_each_colours_percentage_over_its_servers(
    weights: Weights, tasks: dict[Color, int], expected: dict[str, int]
) -> None:
    assert server_weights(weights, tasks) == expected


def test_server_weights_stay_within_haproxy_range_and_near_the_percentages() -> None:
    for blue in range(101):
        for counts in ((1, 1), (2, 3), (16, 1), (1, 16), (16, 16)):
            tasks: dict[Color, int] = {"blue": counts[0], "green": counts[1]}
            result = server_weights(Weights(blue, 100 - blue), tasks)
            assert all(0 <= w <= 256 for w in result.values())
            total_blue = sum(w for n, w in result.items() if n.startswith("blue"))
            total = sum(result.values())
            assert abs(100 * total_blue / total - blue) < 2.5
            assert (total_blue > 0) == (blue > 0)


def test_weight_commands_raise_weights_before_lowering_them() -> None:
    current = {"blue-1": 256, "blue-2": 256, "green-1": 0, "green-2": 0}
    wanted = {"blue-1": 0, "blue-2": 0, "green-1": 256, "green-2": 256}
    assert weight_commands(current, wanted) == [
        "set server app/green-1 weight 256",
        "set server app/green-2 weight 256",
        "set server app/blue-1 weight 0",
        "set server app/blue-2 weight 0",
    ]


def test_weight_commands_skip_servers_already_at_their_weight() -> None:
    assert weight_commands({"blue-1": 256}, {"blue-1": 256}) == []


def test_parse_stat_reads_server_lines_and_skips_frontends_and_backends() -> None:
    text = (
        "# pxname,svname,qcur,scur,status,weight,check_status,req_tot,hrsp_5xx,"
        "eresp,econ,wretr,qtime,ctime,rtime,ttime,addr\n"
        "public,FRONTEND,,3,OPEN,,,10,0,,,,,,,,\n"
        "app,blue-1,0,2,UP,256,L7OK,40,1,0,0,2,0,1,3,4,127.0.0.1:18000\n"
        "app,green-1,0,0,MAINT,0,,0,0,0,0,0,0,0,0,0,127.0.0.1:9\n"
        "app,BACKEND,0,2,UP,256,,40,1,0,0,2,0,1,3,4,\n"
    )
    blue, green = parse_stat(text)
    assert (blue.server, blue.scur, blue.req_tot, blue.hrsp_5xx, blue.healthy) == (
        "blue-1",
        2,
        40,
        1,
        True,
    )
    assert (blue.rtime_ms, blue.ttime_ms, blue.addr) == (3, 4, "127.0.0.1:18000")
    assert (green.status, green.healthy) == ("MAINT", False)


@pytest.mark.parametrize(
    ("status", "check", "healthy"),
    [
        ("UP", "L7OK", True),
        ("DRAIN", "L7OK", True),
        # HAProxy marks a check in progress with "* "; the result shown is the last one.
        ("UP", "* L7OK", True),
        ("DRAIN", "* L7OK", True),
        ("UP", "* L7STS", False),
        # "One failure from down": a server that just failed a check, or a slot just out of
        # maintenance showing its check result from before (stale L7OK): never healthy.
        ("UP 1/2", "L7STS", False),
        ("UP 1/2", "L7OK", False),
        ("UP 1/2", "* L7OK", False),
        ("DRAIN 1/2", "L7OK", False),
        ("UP 1/2", "INI", False),
        ("UP", "", False),
        ("UP", "L7STS", False),
        ("DOWN", "L4CON", False),
        ("DOWN 1/2", "L7OK", False),
        ("DOWN 1/2", "* L7OK", False),
        ("MAINT", "L7OK", False),
        ("MAINT", "* L7OK", False),
        ("NOLB", "L7OKC", False),
    ],
)
def test_a_server_is_healthy_when_fully_up_and_its_last_completed_check_passed(
    status: str, check: str, healthy: bool
) -> None:
    text = f"# pxname,svname,status,check_status\napp,blue-1,{status},{check}\n"
    assert parse_stat(text)[0].healthy is healthy


def test_the_check_in_progress_marker_is_stripped_from_the_last_check() -> None:
    text = (
        "# pxname,svname,status,check_status\n"
        "app,blue-1,UP,* L7OK\n"
        "app,blue-2,UP 1/2,* L7STS\n"
        "app,blue-3,UP,L7OK\n"
    )
    stats = parse_stat(text)
    assert [s.last_check for s in stats] == ["L7OK", "L7STS", "L7OK"]
    assert [s.check_status for s in stats] == ["* L7OK", "* L7STS", "L7OK"]
