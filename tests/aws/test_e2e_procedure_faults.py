"""The AWS target end to end through the real procedure, when something goes wrong: a release
that never turns healthy, an alarm during the canary, a held lock, throttled calls; and the dry
run. As in test_e2e_procedure.py: `bluegreen.operations` on moto and the ECS-agent double, on
`FakeClock`, checking the requests sent and the AWS state left.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3
import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AnalysisSettings, Settings
from bluegreen.dryrun import calls as planned
from bluegreen.errors import AnalysisError, HealthCheckError, LockError
from bluegreen.model import Weights
from bluegreen.progress import SilentProgress
from bluegreen.state import LockInfo
from tests.support.aws_doubles import EcsAgentDouble, FaultInjector, RequestRecorder
from tests.support.aws_stack import DEREGISTRATION_DELAY, make_session, stack_settings
from tests.support.clock import FakeClock

from .e2e_support import (
    ANALYSIS,
    BAD,
    NEW,
    assert_green_took_over,
    canary_strategy,
    deploy_request,
    lock_item,
    mutating,
    production_weight_changes,
    run_deploy,
    split_history,
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


# -- 3. a release that never turns healthy ------------------------------------------------------


def test_a_release_that_never_turns_healthy_is_aborted_without_touching_the_weights(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    agent.unhealthy_images.add(str(BAD.image))
    provider = make_provider()
    with pytest.raises(HealthCheckError) as raised:
        run_deploy(provider, clock, deploy_request(BAD, health_timeout=3.0))

    assert raised.value.exit_code == 1
    assert "green: 0 of 2 task(s) healthy after 3 s" in raised.value.message
    assert recorder.named("elbv2:ModifyListener") == []
    assert recorder.named("ecs:UpdateService") == [
        {
            "cluster": "app",
            "service": "app-green",
            "desiredCount": 2,
            "taskDefinition": task_definition_arn("app-green", 2),
        },
        {"cluster": "app", "service": "app-green", "desiredCount": 0},
    ]
    assert recorder.named("ssm:PutParameter") == []
    # green never took traffic: scaling it back does not wait out the deregistration delay
    assert DEREGISTRATION_DELAY not in clock.slept
    state = world(stack)
    assert state["weights"] == [
        (stack["blue_target_group_arn"], 100),
        (stack["green_target_group_arn"], 0),
    ]
    assert state["services"]["app-blue"] == (2, task_definition_arn("app-blue", 1))
    assert state["services"]["app-green"][0] == 0
    assert state["live"] == "blue"
    [record] = provider.state.history()
    assert record.outcome == "rolled_back"
    assert record.reason == raised.value.message
    assert lock_item(stack) is None


# -- 4. an alarm during the canary ----------------------------------------------------------------


def test_an_alarm_firing_during_the_canary_rolls_traffic_back_and_records_why(
    make_provider: Callable[..., AwsProvider],
    session: boto3.Session,
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    cloudwatch = make_session().client("cloudwatch")

    def alarm_once_green_takes_traffic(**_: Any) -> None:
        if production_weight_changes(recorder, stack)[-1:] == [(90, 10)]:
            cloudwatch.set_alarm_state(
                AlarmName="app-green-5xx", StateValue="ALARM", StateReason="5xx above 5"
            )

    session.events.register(
        "after-call.elastic-load-balancing-v2.ModifyListener", alarm_once_green_takes_traffic
    )
    provider = make_provider()
    with pytest.raises(AnalysisError) as raised:
        run_deploy(provider, clock, deploy_request(strategy=canary_strategy(interval=30.0)))

    reason = "green rolled back during step 1/2: alarm firing: app-green-5xx"
    assert raised.value.message == reason
    assert raised.value.exit_code == 1
    assert production_weight_changes(recorder, stack) == [(90, 10), (100, 0)]
    assert recorder.named("ecs:UpdateService")[-1] == {
        "cluster": "app",
        "service": "app-green",
        "desiredCount": 0,
    }
    # green served 10%: its requests got the deregistration delay to finish before scaling
    assert clock.slept[-1] == DEREGISTRATION_DELAY
    state = world(stack)
    assert state["weights"] == [
        (stack["blue_target_group_arn"], 100),
        (stack["green_target_group_arn"], 0),
    ]
    assert state["services"]["app-blue"][0] == 2
    assert state["services"]["app-green"][0] == 0
    assert state["live"] == "blue"
    [record] = provider.state.history()
    assert (record.outcome, record.reason) == ("rolled_back", reason)
    assert record.verdicts[-1].ok is False
    status = operations.status(make_provider())
    assert status["live"] == "blue"
    assert status["last_deployment"]["outcome"] == "rolled_back"
    assert status["last_deployment"]["reason"] == reason


# -- 5. lock contention -------------------------------------------------------------------------


def test_a_deploy_while_a_live_holder_has_the_lock_exits_3_and_changes_nothing_but_its_record(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    provider = make_provider()
    holder = LockInfo("d-other", "alice (github)", "deploy", clock.now, clock.now + 300)
    provider.state.acquire_lock(holder)
    before = world(stack)
    recorder.clear()

    with pytest.raises(LockError) as raised:
        run_deploy(provider, clock, deploy_request())

    assert raised.value.exit_code == 3
    assert "d-other" in raised.value.message
    assert mutating(recorder.calls) == ["dynamodb:PutItem"]  # the refusal's history record, no more
    after, records = split_history(world(stack))
    assert after == split_history(before)[0]
    assert [(r["outcome"], r["reason"]) for r in records] == [("refused", raised.value.message)]
    assert provider.state.lock_holder() == holder
    assert operations.status(provider)["deployment"]["id"] == "d-other"


# -- 6. dry run -----------------------------------------------------------------------------------


def test_a_dry_run_plans_every_change_in_order_records_the_waits_and_changes_nothing(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    provider = make_provider()
    before = world(stack)
    # No traffic moves in a dry run, so no watch judges it: each looks once (the reads a real
    # watch makes) and records the step's least wait.
    request = deploy_request(
        strategy=canary_strategy(interval=30.0), bake=60.0, analysis=AnalysisSettings()
    )

    result = operations.deploy_dry_run(
        provider, request, SilentProgress(), deployment_id="d-dry", clock=clock
    )

    assert result.error is None
    assert result.record is not None
    assert result.record.outcome.value == "succeeded"
    assert result.record.verdicts == ()  # nothing judged, nothing claimed
    assert world(stack) == before
    assert mutating(recorder.calls) == []
    assert clock.slept == []  # every wait was recorded, none slept
    plan = result.plan
    changes = [c.name for c in plan if c.name not in ("journal", "wait", "renew-lease")]
    assert changes == [
        "take-lock",
        "migrate",
        "route-test-listener",  # blue, for its readiness check on the migrated schema
        "start",  # green to 2 tasks
        "set-weights",  # 90/10
        "set-weights",  # 0/100
        "record-live",
        "stop",  # blue
        "save-record",
        "give-back-lock",
    ]
    assert plan[0] == planned.TakeLock("d-dry", "deploy", 300)
    assert planned.Migrate(NEW, "green") in plan
    assert planned.Start("green", NEW, 2) in plan
    shifts = [i for i, c in enumerate(plan) if isinstance(c, planned.SetWeights)]
    assert [plan[i] for i in shifts] == [
        planned.SetWeights(Weights(blue=90, green=10)),
        planned.SetWeights(Weights.all_on("green")),
    ]
    # the waits are in the plan, in their place: the 30 s interval between the two shifts,
    # the 60 s bake after the last one
    live = plan.index(planned.RecordLive("green"))
    assert _waited(plan[shifts[0] : shifts[1]]) == 30
    assert _waited(plan[shifts[1] : live]) == 60
    # the journal is the one a real run would write, begin to end
    steps = [c.step for c in plan if isinstance(c, planned.WriteEvent)]
    assert (steps[0], steps[-1]) == ("begin", "end")
    saved = next(c for c in plan if isinstance(c, planned.SaveRecord))
    assert saved.record == result.record


def _waited(plan: Sequence[planned.Call]) -> float:
    return sum(c.seconds for c in plan if isinstance(c, planned.Wait))


# -- 7. throttling ------------------------------------------------------------------------------


def test_throttled_calls_are_retried_and_the_deploy_still_completes(
    make_provider: Callable[..., AwsProvider],
    session: boto3.Session,
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    faults = FaultInjector(session)
    faults.fail("elastic-load-balancing-v2.ModifyListener", code="Throttling", times=2)
    faults.fail("ecs.UpdateService", code="ThrottlingException", times=1)
    faults.fail("ecs.DescribeServices", code="ThrottlingException", times=2)
    faults.fail("dynamodb.PutItem", code="ProvisionedThroughputExceededException", times=1)
    faults.fail("ssm.PutParameter", code="ThrottlingException", times=1, status=400)
    provider = make_provider()

    record = run_deploy(provider, clock, deploy_request(strategy=canary_strategy(interval=1.0)))

    assert record["outcome"] == "succeeded"
    assert faults.injected == 7
    # every attempt is counted; the injected ones hit nothing
    assert provider.calls["elasticloadbalancing:ModifyListener"] == 2 + 2
    assert provider.calls["ssm:PutParameter"] == 1 + 1
    # each attempt is recorded: the 90/10 request was sent three times, identical
    assert production_weight_changes(recorder, stack) == [(90, 10)] * 3 + [(0, 100)]
    assert_green_took_over(stack)
    assert [r.outcome for r in provider.state.history()] == ["succeeded"]
