"""AWS, no dead ends: the listener split with no healthy colour is left by `rollback` alone.

moto plus the ECS-agent double (tasks follow desired counts; ip targets are healthy while a
task runs). The state is made by hand with a session no provider uses, as an operator or an
autoscaler would have left it. The states (docs/runbooks/no-dead-ends.md, "AWS"):
- both services at 0 with the listener split;
- mid-canary, the old colour's tasks gone (its service at 0, its targets deregistered), the
  new colour healthy or not, with the canary's controller ended or dead (lock left behind);
- the listener and the SSM live colour disagreeing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.model import Release, Weights
from bluegreen.progress import SilentProgress
from bluegreen.records import Outcome
from bluegreen.request import DeployRequest, RollbackRequest
from bluegreen.state import JournalEntry, LockInfo
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

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


# -- mid-canary, the old colour's tasks gone -----------------------------------------------------


def _mid_canary(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    clock: FakeClock,
    *,
    controller_died: bool,
) -> Release:
    """A canary of 2.0.0 on green at 10%, as the deployment leaves it; blue's release.

    With `controller_died`, its lock and journal are left behind (the lease runs out at once)
    as a SIGKILLed controller leaves them; otherwise the deployment ended without putting the
    traffic back (an undo that failed) and the lock is free.
    """
    dead = make_provider()
    blue = dead.snapshot().colors["blue"].release
    assert blue is not None
    dead.start("green", NEW, 2)
    agent.reconcile()
    dead.set_weights(Weights(90, 10))
    if controller_died:
        dead.state.acquire_lock(LockInfo("d-canary", "ci (github)", "deploy", clock.now, clock.now))
        journal: list[tuple[str, dict[str, Any]]] = [
            ("begin", {"operation": "deploy", "old": "blue", "new": "green",
                       "old_release": blue.to_dict(), "new_release": NEW.to_dict(),
                       "strategy": "canary", "weights": {"blue": 100, "green": 0}}),
            ("start", {"color": "green"}),
            ("shift", {"weights": {"blue": 90, "green": 10}, "step": 1, "of": 2}),
        ]  # fmt: skip
        for seq, (step, data) in enumerate(journal, start=1):
            dead.state.append_event(JournalEntry("d-canary", seq, clock.now, step, data))
        clock.sleep(1)  # the lease has run out: the controller is gone
    return blue


def _old_colour_gone(stack: dict[str, Any], agent: EcsAgentDouble) -> None:
    """Blue's service scaled to 0 behind the controller's back; ECS stops its tasks and
    deregisters their targets."""
    make_session().client("ecs").update_service(
        cluster=stack["ecs_cluster_name"], service=stack["blue_service_name"], desiredCount=0
    )
    agent.reconcile()
    state = world(stack)
    assert state["services"][stack["blue_service_name"]][0] == 0
    assert [w for _, w in state["weights"]] == [90, 10]


def _all_on(stack: dict[str, Any], color: str, tasks: int = 2) -> dict[str, Any]:
    state = world(stack)
    weights = {"blue": 100, "green": 0} if color == "blue" else {"blue": 0, "green": 100}
    assert state["weights"] == [
        (stack["blue_target_group_arn"], weights["blue"]),
        (stack["green_target_group_arn"], weights["green"]),
    ]
    assert state["services"][stack[f"{color}_service_name"]][0] == tasks
    assert state["live"] == color
    assert not [row for row in state["table"] if row[0] == "LOCK"]
    return state


def test_old_colour_gone_mid_canary_rollback_moves_all_traffic_to_the_healthy_new_colour(
    make_provider: Callable[..., AwsProvider],
    stack: dict[str, Any],
    agent: EcsAgentDouble,
    clock: FakeClock,
) -> None:
    _mid_canary(make_provider, agent, clock, controller_died=False)
    _old_colour_gone(stack, agent)
    progress = SilentProgress()

    record = operations.rollback(make_provider(), RollbackRequest(tasks=2), progress, clock=clock)

    assert record is not None
    assert record.outcome is Outcome.SUCCEEDED
    assert record.new.color == "green"
    assert record.reason == (
        "traffic was split with no deployment running: all of it moved to green"
    )
    assert "traffic is split; moving all of it to green" in progress.lines
    _all_on(stack, "green")


def test_old_colour_gone_mid_canary_and_the_new_one_unhealthy_rollback_starts_the_old_release(
    make_provider: Callable[..., AwsProvider],
    stack: dict[str, Any],
    agent: EcsAgentDouble,
    clock: FakeClock,
) -> None:
    operations.deploy(  # history: blue 1.0.0 -> green 2.0.0, rolled back: blue is last live
        make_provider(),
        DeployRequest(release=NEW, tasks=2, health_timeout=5.0, drain_timeout=5.0),
        SilentProgress(),
        clock=clock,
    )
    operations.rollback(make_provider(), RollbackRequest(tasks=2), SilentProgress(), clock=clock)
    assert world(stack)["live"] == "blue"
    _mid_canary(make_provider, agent, clock, controller_died=False)
    _old_colour_gone(stack, agent)
    agent.mark_unhealthy("green")
    progress = SilentProgress()

    record = operations.rollback(make_provider(), RollbackRequest(tasks=2), progress, clock=clock)

    assert record is not None
    assert record.outcome is Outcome.SUCCEEDED
    assert (record.new.color, record.new.version) == ("blue", "1.0.0")
    assert "started the last live release 1.0.0 on blue" in (record.reason or "")
    assert "no colour has all the traffic; the last live one was blue" in progress.lines
    _all_on(stack, "blue")


def test_old_colour_gone_after_the_canarys_controller_died_deploy_recovers_then_deploys(
    make_provider: Callable[..., AwsProvider],
    stack: dict[str, Any],
    agent: EcsAgentDouble,
    clock: FakeClock,
) -> None:
    _mid_canary(make_provider, agent, clock, controller_died=True)
    _old_colour_gone(stack, agent)
    progress = SilentProgress()
    third = Release(version="3.0.0", image="registry.example/app:3.0.0")

    record = operations.deploy(
        make_provider(),
        DeployRequest(release=third, tasks=2, health_timeout=5.0, drain_timeout=5.0),
        progress,
        deployment_id="d-3",
        clock=clock,
    )

    assert record.outcome is Outcome.SUCCEEDED
    assert (record.old.color, record.old.version) == ("green", "2.0.0")
    assert (record.new.color, record.new.version) == ("blue", "3.0.0")
    assert any(line.startswith("recovering interrupted deploy d-canary") for line in progress.lines)
    recovered = make_provider().state.load_record("d-canary")
    assert recovered is not None
    assert recovered.outcome is Outcome.INTERRUPTED
    assert recovered.reason == "controller stopped during step 'shift'; recovered to green"
    _all_on(stack, "blue")


def test_old_colour_gone_the_new_one_unhealthy_and_the_controller_dead_rollback_gets_out(
    make_provider: Callable[..., AwsProvider],
    stack: dict[str, Any],
    agent: EcsAgentDouble,
    clock: FakeClock,
) -> None:
    _mid_canary(make_provider, agent, clock, controller_died=True)
    _old_colour_gone(stack, agent)
    agent.mark_unhealthy("green")
    progress = SilentProgress()

    record = operations.rollback(make_provider(), RollbackRequest(tasks=2), progress, clock=clock)

    assert record is not None
    assert record.id == "d-canary"
    assert record.outcome is Outcome.INTERRUPTED
    assert record.reason == (
        "controller stopped during step 'shift'; no colour was healthy: 1.0.0 started again on blue"
    )
    assert "starting 1.0.0 on blue (2 tasks): none runs" in progress.lines
    state = _all_on(stack, "blue")
    assert state["services"][stack["green_service_name"]][0] == 0
