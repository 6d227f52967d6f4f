"""The scale-in hold across an approval pause handed back (`deploy --approve --detach`): it
stays while the deployment waits with no process, and `promote`, `rollback` or the expiry of
the approval (another process, recovery) puts the autoscaling back as it was."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AwsSettings, Settings
from bluegreen.errors import DeployError
from bluegreen.progress import SilentProgress
from bluegreen.request import RollbackRequest
from tests.support.clock import FakeClock

from .e2e_support import ANALYSIS, APPROVE_TIMEOUT, pause_for_approval, world
from .test_scaling_aws import register_targets, suspended

BEFORE = {"blue": ({"ScheduledScalingSuspended": True}, 0, 10), "green": ({}, 0, 10)}


@pytest.fixture
def clock() -> FakeClock:
    """Fake time starting now, so CloudWatch data moto stamps with real time is in range."""
    return FakeClock(now=time.time())


@pytest.fixture
def settings(stack: dict[str, Any], app_url: str) -> Settings:
    """The stack's outputs as `[aws]` keys, the app URL on the stand-in endpoint."""
    aws = AwsSettings.model_validate({**stack, "app_url": app_url})
    return Settings(target="aws", aws=aws, analysis=ANALYSIS)


@pytest.fixture
def targets(stack: dict[str, Any]) -> Any:
    """Both colours' scalable targets; blue's scheduled scaling suspended by its operator."""
    return register_targets(stack, blue_scheduled=True)


def _held_during_thepause_for_approval(targets: Any) -> None:
    now = suspended(targets)
    assert now["blue"][0] == {"DynamicScalingInSuspended": True, "ScheduledScalingSuspended": True}
    assert now["green"][0] == {"DynamicScalingInSuspended": True}


def test_promote_in_another_process_puts_the_scaling_back_after_the_drain(
    make_provider: Callable[..., AwsProvider], targets: Any, stack: dict[str, Any], clock: FakeClock
) -> None:
    pause_for_approval(make_provider(), clock)
    _held_during_thepause_for_approval(targets)
    operations.promote(make_provider(), analysis=ANALYSIS, clock=clock)
    assert world(stack)["live"] == "green"
    assert suspended(targets) == BEFORE


def test_rollback_of_a_handed_back_pause_puts_the_scaling_back(
    make_provider: Callable[..., AwsProvider], targets: Any, stack: dict[str, Any], clock: FakeClock
) -> None:
    pause_for_approval(make_provider(), clock)
    _held_during_thepause_for_approval(targets)
    operations.rollback(
        make_provider(), RollbackRequest(reason="no"), SilentProgress(), clock=clock
    )
    assert world(stack)["live"] == "blue"
    assert suspended(targets) == BEFORE


def test_an_expired_approval_rolled_back_by_the_next_command_puts_the_scaling_back(
    make_provider: Callable[..., AwsProvider], targets: Any, clock: FakeClock
) -> None:
    pause_for_approval(make_provider(), clock)
    clock.sleep(APPROVE_TIMEOUT + 1)
    with pytest.raises(DeployError, match="rolled back"):
        operations.promote(make_provider(), analysis=ANALYSIS, clock=clock)
    assert suspended(targets) == BEFORE
