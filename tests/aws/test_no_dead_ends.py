"""AWS, no dead ends: the listener split with no healthy colour is left by `rollback` alone.

moto plus the ECS-agent double (tasks follow desired counts; ip targets are healthy while a
task runs). The state is made by hand with a session no provider uses, as an operator or an
autoscaler would have left it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest, RollbackRequest
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock

from .e2e_support import world

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=time.time())


def _split_with_both_services_at_zero(stack: dict[str, Any]) -> None:
    session = make_session()
    elb, ecs = session.client("elbv2"), session.client("ecs")
    elb.modify_listener(
        ListenerArn=stack["listener_arn"],
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": stack["blue_target_group_arn"], "Weight": 50},
                        {"TargetGroupArn": stack["green_target_group_arn"], "Weight": 50},
                    ]
                },
            }
        ],
    )
    for color in ("blue", "green"):
        ecs.update_service(
            cluster=stack["ecs_cluster_name"],
            service=stack[f"{color}_service_name"],
            desiredCount=0,
        )


def test_split_listener_with_both_services_at_zero_rollback_starts_the_last_live_release(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any], clock: FakeClock
) -> None:
    request = DeployRequest(release=NEW, tasks=2, health_timeout=5.0, drain_timeout=5.0)
    operations.deploy(make_provider(), request, SilentProgress(), deployment_id="d-1", clock=clock)
    _split_with_both_services_at_zero(stack)

    record = operations.rollback(
        make_provider(),
        RollbackRequest(tasks=2, health_timeout=30.0),
        SilentProgress(),
        clock=clock,
    )

    assert record is not None
    assert record.outcome.value == "succeeded"
    assert record.new.color == "green"
    assert record.new.version == "2.0.0"
    assert record.reason is not None
    assert "started the last live release 2.0.0 on green" in record.reason
    state = world(stack)
    assert state["weights"] == [
        (stack["blue_target_group_arn"], 0),
        (stack["green_target_group_arn"], 100),
    ]
    assert state["services"][stack["green_service_name"]][0] == 2
    assert state["live"] == "green"


def test_listener_and_ssm_disagreeing_is_shown_by_status_and_settled_by_reconcile(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any], clock: FakeClock
) -> None:
    request = DeployRequest(release=NEW, tasks=2, health_timeout=5.0, drain_timeout=5.0)
    operations.deploy(make_provider(), request, SilentProgress(), deployment_id="d-1", clock=clock)
    make_session().client("ssm").put_parameter(
        Name=stack["live_color_parameter"], Value="blue", Type="String", Overwrite=True
    )

    status = operations.status(make_provider())
    assert status["live"] == "green"
    assert "recorded live colour is blue" in status["disagreement"]

    restored = operations.restore(
        make_provider(), RollbackRequest(tasks=2), SilentProgress(), operation="reconcile"
    )

    assert any("recorded green as the live colour" in line for line in restored.actions)
    assert world(stack)["live"] == "green"
    assert "disagreement" not in operations.status(make_provider())
