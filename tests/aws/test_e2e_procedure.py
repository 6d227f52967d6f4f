"""The AWS target end to end through the real procedure: `bluegreen.operations` on moto.

Each test drives `operations.deploy` / `rollback` / `status` against the seeded stack (moto
in-process plus the ECS-agent double) and checks both the exact requests the provider sent
(recorded) and the resulting AWS state (read with a session of its own). The procedure runs on
`FakeClock`, one fake time shared by the procedure and the provider: waits advance it
instead of sleeping. This file: deploys, rollbacks, approval and recovery; what goes wrong
(a release that never turns healthy, an alarm, the lock, throttling) and the dry run are in
test_e2e_procedure_faults.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.clock import SystemClock, poll
from bluegreen.config import Settings
from bluegreen.errors import DeployError
from bluegreen.model import Weights
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord
from bluegreen.request import DeployRequest, RollbackRequest
from bluegreen.state import JournalEntry, LockInfo
from tests.support.aws_doubles import EcsAgentDouble, RequestRecorder
from tests.support.aws_stack import make_session, stack_settings
from tests.support.clock import FakeClock

from .e2e_support import (
    ANALYSIS,
    MIGRATE,
    NEW,
    assert_green_took_over,
    canary_strategy,
    deploy_request,
    lock_item,
    mutating,
    production_weight_changes,
    run_deploy,
    task_definition_arn,
    world,
)


@pytest.fixture
def clock() -> FakeClock:
    """Fake time starting now, so CloudWatch data moto stamps with real time is in range."""
    return FakeClock(now=time.time())


@pytest.fixture
def settings(stack: dict[str, Any], app_url: str) -> Settings:
    """The stack's outputs as `[aws]` keys, the app URL on the stand-in endpoint."""
    return stack_settings(stack, analysis=ANALYSIS, app_url=app_url)


def _json(record: DeploymentRecord | None) -> dict[str, Any]:
    assert record is not None
    return record.to_dict()


def _service(stack: dict[str, Any], color: str) -> dict[str, Any]:
    ecs = make_session().client("ecs")
    return dict(
        ecs.describe_services(
            cluster=stack["ecs_cluster_name"], services=[stack[f"{color}_service_name"]]
        )["services"][0]
    )


@contextmanager
def deploying_in_background(
    provider: AwsProvider, request: DeployRequest, deployment_id: str
) -> Iterator[list[BaseException]]:
    """Run a deploy on the real clock in a thread (its waits really wait, to be interrupted or
    promoted); yields the list that receives its error, and joins the thread on exit."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            operations.deploy(
                provider,
                request,
                SilentProgress(),
                deployment_id=deployment_id,
                clock=SystemClock(),
            )
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"deploy-{deployment_id}", daemon=True)
    thread.start()
    try:
        yield errors
    finally:
        thread.join(timeout=30)
    assert not thread.is_alive()


# -- 1. full deploy -----------------------------------------------------------------------------


def test_an_all_at_once_deploy_migrates_starts_shifts_records_and_stops_the_old_colour(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    provider = make_provider()
    record = run_deploy(provider, clock, deploy_request())

    assert record["outcome"] == "succeeded"
    assert (record["from"]["color"], record["from"]["version"]) == ("blue", "1.0.0")
    assert (record["to"]["color"], record["to"]["version"]) == ("green", "2.0.0")
    [registered] = recorder.named("ecs:RegisterTaskDefinition")
    assert registered["family"] == "app-green"
    [container] = registered["containerDefinitions"]
    assert container["image"] == "registry.example/app:2.0.0"
    assert container["environment"] == [
        {"name": "DEPLOYMENT_COLOR", "value": "green"},
        {"name": "APP_VERSION", "value": "2.0.0"},
    ]
    [run] = recorder.named("ecs:RunTask")
    revision = task_definition_arn("app-green", 2)
    assert run["taskDefinition"] == revision
    assert run["overrides"] == {"containerOverrides": [{"name": "app", "command": list(MIGRATE)}]}
    assert run["networkConfiguration"] == _service(stack, "green")["networkConfiguration"]
    assert recorder.named("ecs:UpdateService") == [
        {"cluster": "app", "service": "app-green", "desiredCount": 2, "taskDefinition": revision},
        {"cluster": "app", "service": "app-blue", "desiredCount": 0},
    ]
    assert production_weight_changes(recorder, stack) == [(0, 100)]
    assert recorder.named("ssm:PutParameter") == [
        {"Name": "/app/live-color", "Value": "green", "Type": "String", "Overwrite": True}
    ]
    # the order that keeps users safe: migrate, start, shift, record live, then stop the old
    names = mutating(recorder.calls)
    order = [
        names.index("ecs:RunTask"),
        names.index("ecs:UpdateService"),
        names.index("elbv2:ModifyListener"),
        names.index("ssm:PutParameter"),
        len(names) - 1 - names[::-1].index("ecs:UpdateService"),
    ]
    assert order == sorted(order)
    assert_green_took_over(stack)
    [saved] = provider.state.history()
    assert saved.to_dict() == record
    assert provider.state.lock_holder() is None


def test_a_canary_deploy_sends_ten_then_a_hundred_percent_and_watches_in_between(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    provider = make_provider()
    record = run_deploy(provider, clock, deploy_request(strategy=canary_strategy(interval=1.0)))

    assert record["outcome"] == "succeeded"
    assert record["strategy"] == "canary"
    assert production_weight_changes(recorder, stack) == [(90, 10), (0, 100)]
    assert [v["during"] for v in record["verdicts"]] == ["step 1/2"]
    # no traffic in moto: inconclusive, let through by the policy, never recorded as a pass
    assert record["verdicts"][0]["state"] == "inconclusive"
    assert record["verdicts"][0]["ok"] is False
    # the watch between the steps looked at green's alarms and metrics
    # only metric alarms: the deploy role scopes DescribeAlarms to their ARNs, which AWS
    # refuses for a call that may return composite alarms
    assert recorder.named("cloudwatch:DescribeAlarms")[-1]["AlarmTypes"] == ["MetricAlarm"]
    assert recorder.named("cloudwatch:DescribeAlarms")[-1]["AlarmNames"] == [
        "app-green-5xx",
        "app-green-latency",
    ]
    assert recorder.named("cloudwatch:GetMetricData")
    assert_green_took_over(stack)


def test_status_after_a_deploy_has_the_local_shape_with_target_aws(
    make_provider: Callable[..., AwsProvider], clock: FakeClock, app_url: str
) -> None:
    provider = make_provider()
    record = run_deploy(provider, clock, deploy_request())
    status = operations.status(make_provider())

    assert {"target", "url", "live", "weights", "colors", "deployment"} <= set(status)
    assert status["target"] == "aws"
    assert status["url"] == app_url
    assert status["live"] == "green"
    assert status["weights"] == {"blue": 0, "green": 100}
    assert status["colors"] == {
        "blue": {"version": None, "tasks": 0, "desired": 0, "healthy": 0, "in_flight": 0},
        "green": {"version": "2.0.0", "tasks": 2, "desired": 2, "healthy": 2, "in_flight": 0},
    }
    assert status["deployment"] is None
    assert status["recorded_live"] == "green"
    assert status["alarms"] == {"blue": [], "green": []}
    assert status["last_deployment"] == {
        "id": "d-1",
        "operation": "deploy",
        "outcome": "succeeded",
        "reason": None,
        "finished_at": record["finished_at"],
        "evidence": [],  # an all-at-once deploy with no bake judges no step
    }


# -- 2. rollback --------------------------------------------------------------------------------


def test_rollback_after_the_old_colour_was_stopped_starts_its_task_definition_again(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    run_deploy(make_provider(), clock, deploy_request())
    recorder.clear()

    record = _json(
        operations.rollback(
            make_provider(),
            RollbackRequest(tasks=2, reason="2.0.0 breaks checkout"),
            SilentProgress(),
            deployment_id="d-2",
        )
    )

    assert record["operation"] == "rollback"
    assert record["outcome"] == "succeeded"
    assert record["request_reason"] == "2.0.0 breaks checkout"
    assert (record["from"]["color"], record["to"]["color"]) == ("green", "blue")
    assert record["to"]["version"] == "1.0.0"
    assert recorder.named("ecs:RegisterTaskDefinition") == []  # the previous revision is reused
    assert recorder.named("ecs:RunTask") == []  # an older release runs no migration
    assert recorder.named("ecs:UpdateService") == [
        {
            "cluster": "app",
            "service": "app-blue",
            "desiredCount": 2,
            "taskDefinition": task_definition_arn("app-blue", 1),
        },
        {"cluster": "app", "service": "app-green", "desiredCount": 0},
    ]
    assert production_weight_changes(recorder, stack) == [(100, 0)]
    state = world(stack)
    assert state["services"] == {
        "app-blue": (2, task_definition_arn("app-blue", 1)),
        "app-green": (0, task_definition_arn("app-green", 2)),
    }
    assert state["live"] == "blue"
    history = make_provider().state.history()
    assert [(r.id, r.operation, r.outcome) for r in history] == [
        ("d-2", "rollback", "succeeded"),
        ("d-1", "deploy", "succeeded"),
    ]
    assert lock_item(stack) is None


def test_rollback_during_the_bake_puts_traffic_back_on_the_still_running_old_colour(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
) -> None:
    deploying, rolling_back = make_provider(), make_provider()
    with deploying_in_background(deploying, deploy_request(bake=120.0), "d-bake") as errors:

        def baking() -> bool | None:
            steps = [e.step for e in rolling_back.state.events("d-bake")]
            return True if "bake" in steps else None

        assert poll(baking, timeout=30, clock=SystemClock(), longest=0.1), "never reached bake"
        record = _json(
            operations.rollback(
                rolling_back,
                RollbackRequest(tasks=2, reason="customers see errors", wait_timeout=30),
                SilentProgress(),
            )
        )

    [error] = errors
    assert isinstance(error, DeployError)
    assert error.exit_code == 1
    assert record["id"] == "d-bake"
    assert record["outcome"] == "rolled_back"
    assert record["reason"] == "rollback requested by an operator (`bluegreen rollback`)"
    # instant: the old colour was never touched, only the weights moved back
    assert production_weight_changes(recorder, stack) == [(0, 100), (100, 0)]
    assert [u["service"] for u in recorder.named("ecs:UpdateService")] == [
        "app-green",
        "app-green",
    ]
    assert recorder.named("ecs:UpdateService")[-1]["desiredCount"] == 0
    state = world(stack)
    assert state["services"]["app-blue"] == (2, task_definition_arn("app-blue", 1))
    assert state["services"]["app-green"][0] == 0
    assert state["live"] == "blue"  # the live colour was never recorded as green
    assert lock_item(stack) is None


# -- 8. approval and recovery -------------------------------------------------------------------


def test_a_deploy_paused_for_approval_finishes_when_promoted(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
) -> None:
    deploying, operator = make_provider(), make_provider()
    request = deploy_request(
        strategy=canary_strategy(interval=0.0), approve=True, approve_timeout=60.0
    )
    with deploying_in_background(deploying, request, "d-approve") as errors:
        assert operations.promote(operator, wait=30) == "d-approve"
    assert errors == []
    assert production_weight_changes(recorder, stack) == [(90, 10), (0, 100)]
    steps = [e.step for e in operator.state.events("d-approve")]
    assert steps.index("awaiting-approval") < steps.index("promoted") < steps.index("live")
    assert_green_took_over(stack)


def test_a_killed_controller_is_reported_once_its_lease_expires_and_rollback_recovers(
    make_provider: Callable[..., AwsProvider],
    clock: FakeClock,
    stack: dict[str, Any],
    agent: EcsAgentDouble,
) -> None:
    """What a SIGKILL right after the switch leaves: green at 100%, blue warm, a lock."""
    dead = make_provider()
    dead.migrate(NEW, "green")
    dead.start("green", NEW, 2)
    agent.reconcile()
    dead.set_weights(Weights(0, 100))
    dead.state.acquire_lock(LockInfo("d-dead", "ci (github)", "deploy", clock.now, clock.now + 60))
    journal: list[tuple[str, dict[str, Any]]] = [
        ("begin", {"operation": "deploy", "old": "blue", "new": "green", "old_release": None,
                   "new_release": NEW.to_dict(), "strategy": "canary",
                   "weights": {"blue": 100, "green": 0}}),
        ("start", {"color": "green"}),
        ("shifted", {"weights": {"blue": 0, "green": 100}, "step": 1, "of": 1}),
    ]  # fmt: skip
    for seq, (step, data) in enumerate(journal, start=1):
        dead.state.append_event(JournalEntry("d-dead", seq, clock.now, step, data))

    operator = make_provider()
    assert operations.status(operator)["deployment"]["state"] == "running"  # lease still valid
    clock.sleep(61)
    deployment = operations.status(operator)["deployment"]
    assert deployment["state"] == "interrupted"
    assert "rollback" in deployment["hint"]

    record = operations.rollback(operator, RollbackRequest(tasks=2), SilentProgress())
    assert record is not None
    assert record.outcome == "interrupted"
    state = world(stack)
    assert state["weights"] == [
        (stack["blue_target_group_arn"], 100),
        (stack["green_target_group_arn"], 0),
    ]
    assert state["services"]["app-green"][0] == 0
    assert state["live"] == "blue"
    assert lock_item(stack) is None
