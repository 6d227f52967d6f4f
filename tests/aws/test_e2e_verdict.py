"""The AWS canary verdict end to end, on metrics alone: the real procedure on moto, its
CloudWatch fed per minute and 90 s late by `AlbMetricsDouble`, no alarm firing.

The procedure and the provider share one `FakeClock`; each wait advances it, and a hook then
plays the traffic of the elapsed seconds at the listener's current weights (10 req/s in all)
into the double and publishes what is old enough. The AWS defaults judge the step: interval
240 s, window 120 s, a look every 15 s, a minute counted 180 s after it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AWS_INTERVAL, AnalysisSettings, Settings
from bluegreen.errors import AnalysisError
from bluegreen.model import Release
from bluegreen.plan import Strategy
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_stack import make_session, stack_settings
from tests.support.clock import FakeClock
from tests.support.cloudwatch_double import AlbMetricsDouble

from .e2e_support import world

NEW = Release(
    version="2.0.0",
    image="registry.example/app:2.0.0",
    migrate_command=("alembic", "upgrade", "head"),
    source="registry.example/app:2.0.0",
)
RPS = 10.0


@pytest.fixture
def settings(stack: dict[str, Any], app_url: str) -> Settings:
    """The stack's outputs as `[aws]` keys, the app URL on the stand-in endpoint."""
    return stack_settings(stack, app_url=app_url)


@pytest.fixture
def clock() -> FakeClock:
    """An hour ago, so every minute the step plays is in CloudWatch's past."""
    return FakeClock(now=time.time() - 3600)


def _play_traffic(
    stack: dict[str, Any], clock: FakeClock, *, green_errors: float, rps: float = RPS
) -> AlbMetricsDouble:
    """After each wait: serve the elapsed seconds at the current weights, publish late."""
    session = make_session()
    elb = session.client("elbv2")
    listener = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0]
    double = AlbMetricsDouble(
        cloudwatch=session.client("cloudwatch"),
        load_balancer_arn=listener["LoadBalancerArn"],
        target_groups={c: stack[f"{c}_target_group_arn"] for c in ("blue", "green")},
        clock=clock.time,
        publish_delay=90.0,
    )
    last = [clock.now]

    def hook(now: float) -> None:
        action = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
            "DefaultActions"
        ][0]
        weights = {
            g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]
        }
        for color in ("blue", "green"):
            share = weights.get(stack[f"{color}_target_group_arn"], 0) / 100
            if share and rps:
                errors = green_errors if color == "green" else 0.0
                double.serve_between(color, last[0], now, rps * share, error_share=errors)
        last[0] = now
        double.publish()

    clock.on_sleep.append(hook)
    return double


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
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any], clock: FakeClock
) -> None:
    _play_traffic(stack, clock, green_errors=0.5)
    provider = make_provider()
    began = clock.now
    with pytest.raises(
        AnalysisError,
        # the window's rate, or the whole step's count once it settles the outcome early
        match=r"step 1/2: (5xx rate 5\d\.\d%|\d+ of \d+ requests answered 5xx since the step)",
    ) as failure:
        _canary_deploy(provider, clock)
    assert "alarm" not in str(failure.value)
    assert _blue_takes_everything(stack)
    (record,) = provider.state.history(limit=1)
    (verdict,) = record.verdicts
    assert verdict.state == "failed"
    assert verdict.baseline_error_rate == 0.0
    # the first complete minute failed it: no later than 60 s + 180 s + one look after the step
    assert clock.now - began < 60 + 180 + 2 * 15 + 120


def test_a_healthy_canary_is_promoted_once_its_whole_step_is_published(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any], clock: FakeClock
) -> None:
    _play_traffic(stack, clock, green_errors=0.0)
    record = _canary_deploy(make_provider(), clock)
    assert record["outcome"] == "succeeded"
    (verdict,) = record["verdicts"]
    assert verdict["state"] == "ok"
    assert verdict["covered"] >= AWS_INTERVAL
    assert verdict["requests"] >= 20
    assert verdict["baseline_requests"] > verdict["requests"]


def test_a_canary_that_receives_no_traffic_is_not_promoted(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any], clock: FakeClock
) -> None:
    _play_traffic(stack, clock, green_errors=0.0, rps=0.0)
    with pytest.raises(AnalysisError, match=r"step 1/2: inconclusive: not enough traffic to judge"):
        _canary_deploy(make_provider(), clock)
    assert _blue_takes_everything(stack)
