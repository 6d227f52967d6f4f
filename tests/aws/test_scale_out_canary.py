"""A scale-out during a canary (issue 13 item 6), on moto with the CloudWatch double: the new
tasks' targets are in their initial checks for a minute, which is not a failure, so a good
release is promoted; targets still unhealthy once judged roll it back. The clock and traffic
are played as in tests/aws/test_e2e_verdict.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AWS_INTERVAL, AnalysisSettings, AwsSettings, Settings
from bluegreen.errors import AnalysisError
from bluegreen.model import Release
from bluegreen.plan import Strategy
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .e2e_support import play_traffic, world

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")


@pytest.fixture
def settings(stack: dict[str, Any], app_url: str) -> Settings:
    """The stack's outputs as `[aws]` keys, the app URL on the stand-in endpoint."""
    return Settings(target="aws", aws=AwsSettings.model_validate({**stack, "app_url": app_url}))


@pytest.fixture
def clock() -> FakeClock:
    """An hour ago, so every minute the step plays is in CloudWatch's past."""
    return FakeClock(now=time.time() - 3600)


def _canary(provider: AwsProvider, clock: FakeClock) -> dict[str, Any]:
    request = DeployRequest(
        release=NEW,
        tasks=2,
        strategy=Strategy(name="canary", canary_percent=10, interval=AWS_INTERVAL),
        health_timeout=5.0,
        drain_timeout=5.0,
        migrate=False,
        analysis=AnalysisSettings(),  # the AWS defaults
    )
    record = operations.deploy(provider, request, SilentProgress(), clock=clock)
    return record.to_dict()


def _scale_out_green_at_the_canary(
    stack: dict[str, Any], agent: EcsAgentDouble, clock: FakeClock, warm_for: float
) -> list[float]:
    """Once green takes its 10%, autoscaling raises it from 2 to 4 tasks."""
    elb = make_session().client("elbv2")
    done: list[float] = []

    def hook(now: float) -> None:
        if done:
            return
        groups = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
            "DefaultActions"
        ][0]["ForwardConfig"]["TargetGroups"]
        if [g["Weight"] for g in groups] == [90, 10]:
            agent.scale_out_warming("green", 4, clock, warm_for)
            done.append(now)

    clock.on_sleep.append(hook)
    return done


def test_a_scale_out_during_the_canary_does_not_roll_back_a_good_release(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    scaled = _scale_out_green_at_the_canary(stack, agent, clock, warm_for=60.0)
    play_traffic(stack, clock, green_errors=0.0)
    outcome = _canary(make_provider(), clock)
    assert scaled, "the scale-out never happened during the canary"
    assert outcome["outcome"] == "succeeded", outcome
    assert world(stack)["live"] == "green"
    assert world(stack)["services"]["app-green"][0] == 4


def test_targets_that_stay_unhealthy_past_their_grace_still_roll_back(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    # moto runs no tasks, so a target that leaves its initial checks unhealthy is judged.
    scaled = _scale_out_green_at_the_canary(stack, agent, clock, warm_for=30.0)

    def fail_new_targets(_now: float) -> None:
        if scaled and clock.time() > scaled[0] + 30.0:
            agent.mark_unhealthy("green")

    clock.on_sleep.append(fail_new_targets)
    play_traffic(stack, clock, green_errors=0.0)
    with pytest.raises(AnalysisError, match=r"target\(s\) failed the health check"):
        _canary(make_provider(), clock)
    assert world(stack)["live"] == "blue"
