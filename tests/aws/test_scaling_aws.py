"""Autoscaling around a deployment on moto (issue 13 item 6): scale-in of both colours is held
with RegisterScalableTarget (SuspendedState only) before the new colour starts and put back
after; a scale-out during a canary is not a failure while its new targets are still in their
initial checks (tests/aws/test_scale_out_canary.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.aws.requests import describe_scalable_targets_request, suspend_scaling_request
from bluegreen.aws.responses import pending_targets, scaling_states
from bluegreen.errors import HealthCheckError
from bluegreen.model import Color, Health, Release, Scaling
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .e2e_support import world

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")
DIMENSION = "ecs:service:DesiredCount"


def register_targets(stack: dict[str, Any], blue_scheduled: bool = False) -> Any:
    """The scalable targets Terraform registers (min 0, max 10); blue's scheduled scaling
    suspended by its operator, to see that it is put back as it was."""
    client = make_session().client("application-autoscaling")
    for color in ("blue", "green"):
        client.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/app/app-{color}",
            ScalableDimension=DIMENSION,
            MinCapacity=0,
            MaxCapacity=10,
            SuspendedState={"ScheduledScalingSuspended": blue_scheduled and color == "blue"},
        )
    return client


def suspended(client: Any) -> dict[str, tuple[dict[str, Any], int, int]]:
    targets = client.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return {
        t["ResourceId"].rsplit("-", 1)[-1]: (
            {k: v for k, v in t.get("SuspendedState", {}).items() if v},
            t["MinCapacity"],
            t["MaxCapacity"],
        )
        for t in targets
    }


# -- pure builders and readers ----------------------------------------------------------------


def test_describe_scalable_targets_request_asks_for_both_services_desired_counts() -> None:
    assert describe_scalable_targets_request("app", ["app-blue", "app-green"]) == {
        "ServiceNamespace": "ecs",
        "ResourceIds": ["service/app/app-blue", "service/app/app-green"],
        "ScalableDimension": DIMENSION,
    }


def test_suspend_scaling_request_sets_only_the_suspended_state() -> None:
    state = Scaling("green", dynamic_in=True, dynamic_out=False, scheduled=True)
    assert suspend_scaling_request("app", "app-green", state) == {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/app/app-green",
        "ScalableDimension": DIMENSION,
        "SuspendedState": {
            "DynamicScalingInSuspended": True,
            "DynamicScalingOutSuspended": False,
            "ScheduledScalingSuspended": True,
        },
    }


def test_scaling_states_reads_each_colour_and_leaves_out_one_without_a_target() -> None:
    targets = [
        {
            "ResourceId": "service/app/app-blue",
            "SuspendedState": {"DynamicScalingOutSuspended": True},
        }
    ]
    ids: dict[Color, str] = {"blue": "service/app/app-blue", "green": "service/app/app-green"}
    assert scaling_states(targets, ids) == (Scaling("blue", dynamic_out=True),)


def _target(ip: str, state: str) -> dict[str, Any]:
    return {"Target": {"Id": ip, "Port": 8000}, "TargetHealth": {"State": state}}


def _task(ip: str, started: float | None) -> dict[str, Any]:
    details = [{"name": "privateIPv4Address", "value": ip}]
    task: dict[str, Any] = {
        "attachments": [{"type": "ElasticNetworkInterface", "details": details}]
    }
    if started is not None:
        task["startedAt"] = started
    return task


@pytest.mark.parametrize(
    ("targets", "tasks", "expected"),
    [
        # desired 4: two healthy, two not registered yet (a scale-out ECS is provisioning)
        ([_target("a", "healthy"), _target("b", "healthy")], [], 2),
        # a target in the ALB's initial checks is not judged yet (nor the 2 unregistered)
        ([_target("a", "healthy"), _target("b", "initial")], [], 3),
        # unhealthy, its task started 30 s ago, grace 60 s: not judged yet (3 unregistered)
        ([_target("a", "unhealthy")], [_task("a", 970.0)], 4),
        # unhealthy, its task started 120 s ago: judged (a failure); 3 not registered
        ([_target("a", "unhealthy")], [_task("a", 880.0)], 3),
        # a task that has not started: its target is not judged yet
        ([_target("a", "unhealthy"), _target("b", "healthy")], [_task("a", None)], 3),
        # draining targets are on their way out, not one of the desired tasks
        ([_target("a", "draining"), _target("b", "healthy")], [], 3),
    ],
    ids=["unregistered", "initial", "young", "past-grace", "not-started", "draining"],
)
def test_pending_targets_counts_only_tasks_not_judged_yet(
    targets: list[dict[str, Any]], tasks: list[dict[str, Any]], expected: int
) -> None:
    assert pending_targets(targets, tasks, desired=4, grace=60.0, now=1000.0) == expected


def test_an_unhealthy_target_past_its_grace_is_failing_next_to_young_healthy_ones() -> None:
    targets = [
        _target("old-ok", "healthy"),
        _target("old-bad", "unhealthy"),
        _target("new-1", "healthy"),
        _target("new-2", "healthy"),
    ]
    tasks = [_task("old-bad", 0.0), _task("new-1", 990.0), _task("new-2", 990.0)]
    pending = pending_targets(targets, tasks, desired=4, grace=60.0, now=1000.0)
    assert Health(desired=4, running=4, healthy=3, pending=pending).failing == 1


# -- the hold on moto -------------------------------------------------------------------------


@pytest.fixture
def targets(stack: dict[str, Any]) -> Any:
    return register_targets(stack, blue_scheduled=True)


def test_a_deploy_holds_scale_in_before_green_starts_and_puts_it_back_after(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    targets: Any,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    seen_during: list[dict[str, Any]] = []
    clock.on_sleep.append(lambda _now: seen_during.append(suspended(targets)))
    request = DeployRequest(release=NEW, tasks=2, health_timeout=30.0, migrate=False)
    operations.deploy(make_provider(), request, SilentProgress(), clock=clock)

    names = recorder.names()
    registers = [
        i for i, n in enumerate(names) if n == "application-autoscaling:RegisterScalableTarget"
    ]
    assert len(registers) == 4
    assert registers[1] < names.index("ecs:UpdateService")  # held before green starts
    held = [
        p["SuspendedState"]
        for p in recorder.named("application-autoscaling:RegisterScalableTarget")
    ]
    assert held[:2] == [
        {"DynamicScalingInSuspended": True, "DynamicScalingOutSuspended": False,
         "ScheduledScalingSuspended": True},
        {"DynamicScalingInSuspended": True, "DynamicScalingOutSuspended": False,
         "ScheduledScalingSuspended": False},
    ]  # fmt: skip
    assert all(
        "MinCapacity" not in p
        for p in recorder.named("application-autoscaling:RegisterScalableTarget")
    )
    assert seen_during
    assert all(
        s["blue"][0].get("DynamicScalingInSuspended")
        and s["green"][0].get("DynamicScalingInSuspended")
        for s in seen_during
    )
    # After: as before the deployment, capacities untouched.
    assert suspended(targets) == {
        "blue": ({"ScheduledScalingSuspended": True}, 0, 10),
        "green": ({}, 0, 10),
    }
    assert world(stack)["live"] == "green"


def test_a_failed_deploy_puts_the_scaling_back_too(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    targets: Any,
    clock: FakeClock,
) -> None:
    agent.unhealthy_images.add(NEW.image or "")
    request = DeployRequest(release=NEW, tasks=2, health_timeout=5.0, migrate=False)
    with pytest.raises(HealthCheckError):
        operations.deploy(make_provider(), request, SilentProgress(), clock=clock)
    assert suspended(targets) == {
        "blue": ({"ScheduledScalingSuspended": True}, 0, 10),
        "green": ({}, 0, 10),
    }
