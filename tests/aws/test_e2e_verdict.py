"""The AWS canary verdict end to end, on metrics alone, against `moto_server` over HTTP.

The stack lives in a `moto_server` on 127.0.0.1 (`AWS_ENDPOINT_URL`), as in
`test_e2e_cli.py`. `AlbMetricsDouble` plays the ALB's metric publisher: it puts per-minute
`RequestCount` / `HTTPCode_Target_5XX_Count` into the server's CloudWatch with PutMetricData,
each datapoint stamped with its minute's start and put only 90 s after that minute ends, and
nothing for a quiet minute. No alarm fires (moto evaluates none): the verdict comes from
GetMetricData alone, read by the provider from the server.

Why the procedure runs in the test process and not as the CLI subprocess: with the AWS
defaults a step is judged minutes after it begins (interval 240 s, a minute counted 180 s
after it ends, `max_wait` 720 s), and the CLI can only wait in real time; it takes no clock.
So the real procedure (`operations.deploy`) and the real `AwsProvider` run here with one
injected `FakeClock`, their boto3 clients pointed at the server by `AWS_ENDPOINT_URL` exactly
as the CLI's would be. Each wait advances the clock; a hook then plays the elapsed seconds'
traffic at the listener's current weights, read back from the server (10 req/s in all), and
publishes what is old enough. The ECS agent double reconciles targets right after each
UpdateService (a hook on the provider's session) instead of in a real-time thread, so the
fake clock's instant waits never race it. The CLI's own wiring on moto_server is
`test_e2e_cli.py`'s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AWS_INTERVAL, AnalysisSettings, AwsSettings, Settings
from bluegreen.errors import AnalysisError
from bluegreen.evidence import AWS_TIMING
from bluegreen.model import Release
from bluegreen.plan import Strategy
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_stack import NO_WAIT_RETRIES, MotoServer, make_session
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .conftest import seed_server
from .e2e_support import app_endpoint, play_traffic, world

NEW = Release(
    version="2.0.0",
    image="registry.example/app:2.0.0",
    migrate_command=("alembic", "upgrade", "head"),
    source="registry.example/app:2.0.0",
)
MAX_WAIT = 3 * AWS_INTERVAL  # the default analysis.max_wait


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The stand-in app endpoint the live colour's readiness check reaches."""
    with app_endpoint() as url:
        yield url


@pytest.fixture
def server_outputs(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A fresh stack on moto_server, AWS_ENDPOINT_URL pointing at it; no agent thread (the
    agent double runs on the provider's session, see `provider`)."""
    return seed_server(moto_server, monkeypatch)


@pytest.fixture
def clock() -> FakeClock:
    """Half past a minute an hour ago: every minute the step plays is in CloudWatch's past, and
    every run starts at the same point of the minute (tests/test_evidence_minutes.py covers all)."""
    return FakeClock(now=(time.time() // 60) * 60 - 3600 + 30)


@pytest.fixture
def provider(
    server_outputs: dict[str, Any], moto_server: MotoServer, app_url: str, clock: FakeClock
) -> AwsProvider:
    """The real provider on the fake clock, its clients on moto_server (AWS_ENDPOINT_URL)."""
    agent = EcsAgentDouble(server_outputs, moto_server.endpoint_url)
    agent.reconcile()  # blue's two tasks registered, as the stack runs before a deploy
    session = make_session()
    agent.install(session)
    aws = AwsSettings.model_validate({**server_outputs, "app_url": app_url})
    return AwsProvider(
        Settings(target="aws", aws=aws), session=session, retry=NO_WAIT_RETRIES, clock=clock
    )


def _canary_deploy(provider: AwsProvider, clock: FakeClock) -> dict[str, Any]:
    request = DeployRequest(
        release=NEW,
        tasks=2,
        strategy=Strategy(name="canary", canary_percent=10, interval=AWS_INTERVAL),
        health_timeout=5.0,
        drain_timeout=5.0,
        analysis=AnalysisSettings(),  # the AWS defaults
    )
    outcome = operations.deploy(
        provider, request, SilentProgress(), deployment_id="d-verdict", clock=clock
    )
    return outcome.to_dict()


def _blue_takes_everything(stack: dict[str, Any]) -> bool:
    weights: list[tuple[str, int]] = world(stack)["weights"]
    return weights == [(stack["blue_target_group_arn"], 100), (stack["green_target_group_arn"], 0)]


def test_a_half_failing_canary_rolls_back_on_cloudwatch_metrics_alone(
    provider: AwsProvider, server_outputs: dict[str, Any], clock: FakeClock
) -> None:
    double = play_traffic(server_outputs, clock, green_errors=0.5)
    with pytest.raises(
        AnalysisError,
        # the window's rate, or the whole step's count once it settles the outcome early
        match=r"step 1/2: (5xx rate 5\d\.\d%|\d+ of \d+ requests answered 5xx since the step)",
    ) as failure:
        _canary_deploy(provider, clock)
    assert "alarm" not in str(failure.value)
    assert _blue_takes_everything(server_outputs)
    assert world(server_outputs)["live"] == "blue"
    (record,) = provider.state.history(limit=1)
    (verdict,) = record.verdicts
    assert (verdict.state, verdict.action) == ("failed", "rollback")
    assert verdict.error_rate is not None
    assert verdict.error_rate >= 0.45
    assert (verdict.baseline_errors, verdict.baseline_error_rate) == (0, 0.0)
    assert verdict.baseline_requests is not None
    assert verdict.baseline_requests > verdict.requests
    # nothing is known before the step's first minute counts (180 s after it ends), and that
    # minute alone fails it, at the first look after it counts: the fastest CloudWatch can tell
    assert verdict.covered is not None
    assert verdict.covered <= 60
    assert verdict.elapsed is not None
    assert AWS_TIMING.publish_delay <= verdict.elapsed <= 60 + 180 + AWS_TIMING.poll
    assert double.published()  # the verdict read minutes the double put into the server


def test_a_healthy_canary_is_promoted_once_its_whole_step_is_published(
    provider: AwsProvider, server_outputs: dict[str, Any], clock: FakeClock
) -> None:
    play_traffic(server_outputs, clock, green_errors=0.0)
    record = _canary_deploy(provider, clock)
    assert record["outcome"] == "succeeded"
    (verdict,) = record["verdicts"]
    assert verdict["state"] == "ok"
    assert verdict["covered"] >= AWS_INTERVAL
    # the minute the interval ends in must be published: 420-480 s, and one look more at most
    latest = AWS_INTERVAL + 60 + AWS_TIMING.publish_delay + AWS_TIMING.poll
    assert AWS_INTERVAL + AWS_TIMING.publish_delay <= verdict["elapsed"] <= latest
    assert verdict["requests"] >= 20
    assert verdict["errors"] == 0
    assert verdict["baseline_requests"] > verdict["requests"]
    after = world(server_outputs)
    assert after["live"] == "green"
    assert [weight for _, weight in after["weights"]] == [0, 100]


def test_a_canary_that_receives_no_traffic_is_not_promoted(
    provider: AwsProvider, server_outputs: dict[str, Any], clock: FakeClock
) -> None:
    double = play_traffic(server_outputs, clock, green_errors=0.0, rps=0.0)
    with pytest.raises(
        AnalysisError,
        match=r"step 1/2: inconclusive: not enough traffic to judge: 0 requests in ",
    ):
        _canary_deploy(provider, clock)
    assert _blue_takes_everything(server_outputs)
    (record,) = provider.state.history(limit=1)
    (verdict,) = record.verdicts
    assert (verdict.state, verdict.action) == ("inconclusive", "rollback")
    assert verdict.elapsed is not None
    assert verdict.elapsed >= MAX_WAIT
    assert double.published() == []  # quiet minutes are never published
