"""examples/node-service: the server's routes and graceful stop, its image, its task definition.

The server runs for real (node on a free port on 127.0.0.1). The Dockerfile is checked
statically, as tests/app/test_packaging.py checks the reference app's (no Docker engine here).
The task-definition template is a draft (the controller's `render` does not exist yet): it is
filled in here the way its README says and checked against the ECS API's own request model.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.validate import ParamValidator

from tests.support.platform import free_port_run, wait_until

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "node-service"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


class Server:
    """`node server.js` on a free port, its output captured."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.port = free_port_run(1)
        self.url = f"http://127.0.0.1:{self.port}"
        tmp.mkdir(parents=True, exist_ok=True)
        self.log = tmp / "server.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(NODE), "server.js"],
                cwd=EXAMPLE,
                env={"PATH": os.environ["PATH"], "PORT": str(self.port), **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, timeout=15, what="node-service to listen")

    def _answers(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        try:
            return httpx.get(self.url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def events(self) -> list[str]:
        """The `event` of each JSON log line."""
        lines = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return [str(line["event"]) for line in lines if "event" in line]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """Call with env overrides to start a server; every one started is killed afterwards."""
    servers: list[Server] = []

    def _start(**env: str) -> Server:
        servers.append(Server(tmp_path / str(len(servers)), **env))
        return servers[-1]

    yield _start
    for server in servers:
        server.stop()


def _send_raw(port: int, path: str) -> socket.socket:
    """A connection with one GET sent on it (read the answer with `_read_all`)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    return sock


def _read_all(sock: socket.socket) -> str:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks).decode()


# ---------------------------------------------------------------------------- the server


@needs_node
def test_the_routes_answer_json_with_the_version_bluegreen_sets(start: Any) -> None:
    server = start(APP_VERSION="2.0.0")
    with httpx.Client(base_url=server.url, timeout=5) as client:
        assert client.get("/").json() == {"message": "hello from node-service", "version": "2.0.0"}
        assert client.post("/echo", json={"a": [1, 2]}).json() == {"echo": {"a": [1, 2]}}
        assert client.get("/work", params={"ms": 10}).json() == {"worked_ms": 10}
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/health").status_code == 200
        assert client.get("/nope").status_code == 404
        assert client.delete("/echo").status_code == 405
        bad = client.post("/echo", content=b"{not json", headers={"content-type": "text/plain"})
        assert bad.status_code == 400
        assert "error" in bad.json()


@needs_node
def test_sigterm_stops_accepting_finishes_the_request_in_flight_and_exits_0(start: Any) -> None:
    server = start()
    slow = _send_raw(server.port, "/work?ms=1500")
    # the request must be in the server before the signal: an answered request on another
    # connection, sent after it, shows the event loop has read past it
    assert httpx.get(server.url + "/", timeout=5).status_code == 200
    server.proc.send_signal(signal.SIGTERM)

    def refuses() -> bool:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        return False

    wait_until(refuses, timeout=5, what="the server to stop accepting")
    answer = _read_all(slow)
    assert answer.startswith("HTTP/1.1 200")
    assert "Connection: close" in answer
    assert answer.endswith('{"worked_ms":1500}')
    assert server.proc.wait(timeout=10) == 0
    assert server.events()[-2:] == ["stopping", "stopped"]


@needs_node
def test_sigterm_closes_idle_keep_alive_connections_instead_of_waiting_for_them(
    start: Any,
) -> None:
    server = start()
    with httpx.Client(base_url=server.url, timeout=5) as client:
        assert client.get("/").status_code == 200  # the connection stays open, idle
        server.proc.send_signal(signal.SIGTERM)
        # keepAliveTimeout is 75 s: an exit within 10 s means the idle connection was closed
        assert server.proc.wait(timeout=10) == 0


@needs_node
def test_requests_still_running_after_the_grace_period_make_it_exit_1(start: Any) -> None:
    server = start(SHUTDOWN_GRACE_SECONDS="0.3")
    slow = _send_raw(server.port, "/work?ms=5000")
    assert httpx.get(server.url + "/", timeout=5).status_code == 200
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=10) == 1
    assert "grace period over, requests still in flight" in server.events()
    slow.close()


# ---------------------------------------------------------------------------- the image

DOCKERFILE = (EXAMPLE / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [
        line.split(None, 1)[1]
        for line in joined.splitlines()
        if line.upper().startswith(name + " ")
    ]


def test_dockerfile_is_the_slim_node_runtime_with_no_package_install() -> None:
    (base,) = _instructions("ARG")
    assert base == "NODE_IMAGE=node:20-bookworm-slim"
    assert _instructions("FROM") == ["${NODE_IMAGE}"]
    assert not any("npm" in run or "yarn" in run for run in _instructions("RUN"))


def test_dockerfile_copies_only_files_that_exist_and_the_context_holds_only_them() -> None:
    (copy,) = _instructions("COPY")
    *sources, dest = [w for w in copy.split() if not w.startswith("--")]
    assert dest == "./"
    assert all((EXAMPLE / source).is_file() for source in sources)
    ignore = (EXAMPLE / ".dockerignore").read_text().split()
    assert ignore[ignore.index("*") :] == ["*", *(f"!{source}" for source in sources)]


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = _instructions("USER")
    assert users
    assert users[-1].strip() not in {"root", "0", "0:0"}


def test_dockerfile_listens_on_all_interfaces_on_the_exposed_port() -> None:
    env = " ".join(_instructions("ENV"))
    assert "BIND_HOST=0.0.0.0" in env
    (exposed,) = _instructions("EXPOSE")
    assert f"PORT={exposed}" in env


def test_dockerfile_healthcheck_uses_node_on_the_services_own_health_path() -> None:
    (check,) = _instructions("HEALTHCHECK")
    assert "curl" not in check
    assert "wget" not in check
    assert 'CMD ["node", "-e"' in check
    assert "/healthz" in check


def test_dockerfile_runs_node_as_pid_1_in_exec_form_so_it_gets_sigterm() -> None:
    (cmd,) = _instructions("CMD")
    assert json.loads(cmd) == ["node", "server.js"]


@needs_node
def test_the_images_healthcheck_command_passes_against_a_healthy_server(start: Any) -> None:
    (check,) = _instructions("HEALTHCHECK")
    argv = json.loads(check.split("CMD", 1)[1])
    server = start()
    env = {"PATH": os.environ["PATH"], "PORT": str(server.port)}
    assert subprocess.run(argv, env=env, timeout=30, check=False).returncode == 0
    server.stop()
    assert subprocess.run(argv, env=env, timeout=30, check=False).returncode == 1


# ---------------------------------------------------------------------------- task definition

TEMPLATE = EXAMPLE / "taskdef.json.tftpl"
VALUES: dict[str, Any] = json.loads((EXAMPLE / "values.json").read_text())
# what Terraform's outputs and the deploy supply (README.md, "The task-definition template")
OUTPUTS = {
    "execution_role_arn": "arn:aws:iam::123456789012:role/node-service-execution",
    "task_role_arn": "arn:aws:iam::123456789012:role/node-service-task",
    "log_group_name": "/ecs/node-service",
    "aws_region": "eu-west-1",
}
DEPLOY = {
    "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/node-service:2.0.0",
    "version": "2.0.0",
    "color": "green",
}


def render(values: dict[str, Any]) -> dict[str, Any]:
    """The draft format: `${name}` placeholders (Terraform's templatefile syntax), JSON out."""
    text = string.Template(TEMPLATE.read_text()).substitute(values)
    rendered: dict[str, Any] = json.loads(text)
    return rendered


def test_every_placeholder_of_the_template_is_a_value_an_output_or_a_deploy_field() -> None:
    placeholders = set(string.Template(TEMPLATE.read_text()).get_identifiers())
    assert placeholders == set(VALUES) | set(OUTPUTS) | set(DEPLOY)
    assert not set(VALUES) & (set(OUTPUTS) | set(DEPLOY))


def test_the_rendered_template_is_a_valid_register_task_definition_request() -> None:
    body = render({**VALUES, **OUTPUTS, **DEPLOY})
    shape = (
        botocore.session.get_session()
        .get_service_model("ecs")
        .operation_model("RegisterTaskDefinition")
        .input_shape
    )
    assert shape is not None
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()


def test_the_rendered_container_runs_the_image_on_the_values_port_with_its_version() -> None:
    body = render({**VALUES, **OUTPUTS, **DEPLOY})
    (container,) = body["containerDefinitions"]
    assert body["family"] == "node-service-green"
    assert container["name"] == VALUES["container_name"]
    assert container["image"] == DEPLOY["image"]
    assert container["portMappings"] == [{"containerPort": VALUES["port"], "protocol": "tcp"}]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["APP_VERSION"] == "2.0.0"
    assert env["PORT"] == str(VALUES["port"])
    assert body["runtimePlatform"]["cpuArchitecture"] == VALUES["cpu_architecture"]
    # no database: no DB_* variables and no secrets
    assert not [name for name in env if name.startswith("DB_")]
    assert "secrets" not in container


def test_the_rendered_health_check_is_node_on_the_health_path_and_gives_in_flight_time() -> None:
    body = render({**VALUES, **OUTPUTS, **DEPLOY})
    (container,) = body["containerDefinitions"]
    command = container["healthCheck"]["command"]
    assert command[:3] == ["CMD", "node", "-e"]
    assert VALUES["health_path"] in command[3]
    grace = float(
        next(e["value"] for e in container["environment"] if e["name"] == "SHUTDOWN_GRACE_SECONDS")
    )
    # ECS sends SIGKILL stopTimeout seconds after SIGTERM: the service must be done before
    assert container["stopTimeout"] > grace


@needs_node
def test_the_rendered_health_check_command_passes_against_the_server(start: Any) -> None:
    server = start()
    body = render({**VALUES, **OUTPUTS, **DEPLOY})
    command = body["containerDefinitions"][0]["healthCheck"]["command"][1:]
    env = {"PATH": os.environ["PATH"], "PORT": str(server.port)}
    assert subprocess.run(command, env=env, timeout=30, check=False).returncode == 0
