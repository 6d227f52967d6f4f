"""Fixtures for the AWS tests: moto in-process or moto_server, the doubles, a fake clock.

The doubles themselves live in `tests/support/ecs_agent_double.py` (what moto does not do, and
how it is played), `aws_recorder.py` (request shapes) and `aws_faults.py` (injected errors,
expiring credentials); the stack in `tests/support/aws_stack.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bluegreen.aws.provider import AwsProvider
from bluegreen.config import Settings
from bluegreen.model import COLORS
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import (
    NO_WAIT_RETRIES,
    REGION,
    REPO,
    MotoServer,
    free_port,
    make_session,
    seed_stack,
    stack_settings,
)
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import AgentThread, EcsAgentDouble

from .e2e_support import app_endpoint

# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process, with credentials that could never reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # moto's EC2 otherwise builds ~1300 default AMIs per region: seconds per test, unused here.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield


@pytest.fixture
def stack(aws_env: None) -> dict[str, Any]:
    """The seeded stack's Terraform outputs."""
    return seed_stack(make_session())


@pytest.fixture
def recorder() -> RequestRecorder:
    """Records the provider's requests."""
    return RequestRecorder()


@pytest.fixture
def agent(stack: dict[str, Any]) -> EcsAgentDouble:
    """The ECS agent double, with blue's two tasks already registered."""
    double = EcsAgentDouble(stack)
    double.reconcile()
    return double


@pytest.fixture
def session(recorder: RequestRecorder, agent: EcsAgentDouble) -> boto3.Session:
    """The provider's session: recorded, and with the agent double hooked in."""
    provider_session = make_session()
    recorder.install(provider_session)
    agent.install(provider_session)
    return provider_session


@pytest.fixture
def clock() -> FakeClock:
    """Fake time for the provider's waits."""
    return FakeClock(now=1_795_000_000.0)  # 2026-11-17; fixed so minute boundaries are predictable


@pytest.fixture
def settings(stack: dict[str, Any]) -> Settings:
    """Settings naming the stack with explicit `[aws]` keys, and the reference service's
    migration (aws.migrate_command is off unless configured)."""
    return stack_settings(stack, migrate_command=["alembic", "upgrade", "head"])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The stand-in app endpoint the live colour's readiness check reaches (e2e settings put
    it in `app_url`: the seeded stack's URL is not reachable from a test)."""
    with app_endpoint() as url:
        yield url


@pytest.fixture
def make_provider(
    settings: Settings, session: boto3.Session, clock: FakeClock
) -> Callable[..., AwsProvider]:
    """Build providers on the recorded session with the fake clock and no-wait retries."""

    def build(**overrides: Any) -> AwsProvider:
        options: dict[str, Any] = {
            "session": session,
            "retry": NO_WAIT_RETRIES,
            "clock": clock,
            **overrides,
        }
        return AwsProvider(settings, **options)

    return build


@pytest.fixture
def provider(make_provider: Callable[..., AwsProvider]) -> AwsProvider:
    """A provider on the seeded stack."""
    return make_provider()


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    """`moto_server` on a free 127.0.0.1 port, up until the module's tests are done."""
    port = free_port()
    process = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # its imports alone take 20 s and more on a loaded machine
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310  # our own local server
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {endpoint}") from None
                time.sleep(0.1)  # polling a starting server; not a timing assertion
        yield MotoServer(endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: do not fail a passed test on it
            process.kill()
            process.wait(timeout=10)


def seed_server(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Reset `moto_server`, point AWS_ENDPOINT_URL at it, seed a fresh stack; its outputs.

    Every boto3 client made in the test process from here on talks to the server over HTTP.
    """
    reset_url = f"{moto_server.endpoint_url}/moto-api/reset"
    reset = urllib.request.Request(reset_url, method="POST")  # noqa: S310  # our own local server
    urllib.request.urlopen(reset, timeout=5).close()  # noqa: S310  # our own local server
    for key, value in moto_server.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return seed_stack(make_session(), moto_server.endpoint_url)


@pytest.fixture
def server_stack(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """A fresh stack seeded into moto_server, AWS_ENDPOINT_URL pointing at it, agent running
    in a background thread (for a controller in another process, on real time)."""
    outputs = seed_server(moto_server, monkeypatch)
    agent = EcsAgentDouble(outputs, moto_server.endpoint_url)
    with AgentThread(agent) as thread:
        yield outputs
    assert not thread.errors, f"the ECS agent double failed: {thread.errors[0]!r}"


@pytest.fixture
def quick_server_stack(server_stack: dict[str, Any], moto_server: MotoServer) -> dict[str, Any]:
    """The server stack with deregistration delays of 0 s and one-off tasks that stop at once.

    moto walks a task through RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED one
    DescribeTasks at a time; the provider polls a migration with a 2 s backoff that doubles,
    which would sleep 14 s of real time here. `immediate` makes the first DescribeTasks answer
    STOPPED (exit code 0).
    """
    transition = json.dumps(
        {"model_name": "ecs::task", "transition": {"progression": "immediate"}}
    ).encode()
    request = urllib.request.Request(  # noqa: S310  # our own local server
        f"{moto_server.endpoint_url}/moto-api/state-manager/set-transition",
        data=transition,
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310  # our own local server
    elb = make_session().client("elbv2")
    for color in COLORS:
        elb.modify_target_group_attributes(
            TargetGroupArn=server_stack[f"{color}_target_group_arn"],
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}],
        )
    return server_stack
