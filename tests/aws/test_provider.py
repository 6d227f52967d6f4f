"""AwsProvider against moto plus the ECS-agent double: request shapes and resulting state."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from bluegreen.aws.outputs import resolve_aws_resources
from bluegreen.aws.provider import AwsProvider
from bluegreen.clock import SystemClock
from bluegreen.config import AwsSettings
from bluegreen.dryrun import DryRun
from bluegreen.dryrun import calls as planned
from bluegreen.errors import ConfigError, DeployError, PlatformError
from bluegreen.model import Release, Weights
from bluegreen.provider import Provider
from bluegreen.state import JournalEntry, LockInfo
from tests.support.aws_doubles import EcsAgentDouble, FaultInjector, RequestRecorder
from tests.support.aws_stack import DEREGISTRATION_DELAY, REPO, make_session
from tests.support.clock import FakeClock
from tests.support.records import make_record

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")
OLD = Release(version="1.0.0", image="registry.example/app:1.0.0")


def _listener_weights(stack: dict[str, Any]) -> list[tuple[str, int]]:
    elb = make_session().client("elbv2")
    action = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
        "DefaultActions"
    ][0]
    return [(g["TargetGroupArn"], g["Weight"]) for g in action["ForwardConfig"]["TargetGroups"]]


def _service(stack: dict[str, Any], color: str) -> dict[str, Any]:
    ecs = make_session().client("ecs")
    return dict(
        ecs.describe_services(cluster="app", services=[stack[f"{color}_service_name"]])["services"][
            0
        ]
    )


def test_snapshot_reads_weights_tasks_health_versions_and_alarms(
    provider: AwsProvider, stack: dict[str, Any]
) -> None:
    snapshot = provider.snapshot()
    assert snapshot.target == "aws"
    assert snapshot.url == "https://app.example.com"
    assert snapshot.weights == Weights(100, 0)
    assert snapshot.live == "blue"
    assert snapshot.colors["blue"].to_dict() == {
        "version": "1.0.0",
        "tasks": 2,
        "desired": 2,
        "healthy": 2,
        "in_flight": 0,
    }
    assert snapshot.colors["green"].release is None
    assert snapshot.extra["alarms"] == {"blue": [], "green": []}
    assert snapshot.extra["recorded_live"] == "blue"


def test_migration_registers_a_revision_and_runs_it_with_the_service_network_and_command(
    provider: AwsProvider, recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    provider.migrate(NEW, "green")
    [registered] = recorder.named("ecs:RegisterTaskDefinition")
    assert registered["family"] == "app-green"
    assert registered["containerDefinitions"][0]["image"] == "registry.example/app:2.0.0"
    assert registered["containerDefinitions"][0]["environment"] == [
        {"name": "DEPLOYMENT_COLOR", "value": "green"},
        {"name": "APP_VERSION", "value": "2.0.0"},
    ]
    assert not {"taskDefinitionArn", "revision", "status", "compatibilities"} & set(registered)
    [run] = recorder.named("ecs:RunTask")
    assert run["taskDefinition"].endswith("task-definition/app-green:2")
    assert run["networkConfiguration"] == _service(stack, "green")["networkConfiguration"]
    assert run["overrides"] == {
        "containerOverrides": [{"name": "app", "command": ["alembic", "upgrade", "head"]}]
    }
    assert run["launchType"] == "FARGATE"


def test_start_reuses_the_migrated_revision_and_scales_the_idle_service(
    provider: AwsProvider, recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    provider.migrate(NEW, "green")
    provider.start("green", NEW, 3)
    assert len(recorder.named("ecs:RegisterTaskDefinition")) == 1
    [update] = recorder.named("ecs:UpdateService")
    assert update == {
        "cluster": "app",
        "service": "app-green",
        "desiredCount": 3,
        "taskDefinition": recorder.named("ecs:RunTask")[0]["taskDefinition"],
    }
    health = provider.health("green")
    assert (health.desired, health.running, health.healthy, health.ready) == (3, 3, 3, True)
    assert provider.snapshot().colors["green"].release == Release(
        version="2.0.0",
        image="registry.example/app:2.0.0",
        source=update["taskDefinition"],
    )


def test_a_failing_migration_raises_deploy_error_with_the_stop_reason_and_starts_nothing(
    provider: AwsProvider, agent: EcsAgentDouble, recorder: RequestRecorder
) -> None:
    agent.fail_migrations(3, "Essential container in task exited")
    with pytest.raises(DeployError, match="Essential container in task exited; exit code 3"):
        provider.migrate(NEW, "green")
    assert recorder.named("ecs:UpdateService") == []


def test_the_migration_wait_polls_with_backoff_until_its_deadline(
    make_provider: Callable[..., AwsProvider],
    session: boto3.Session,
    clock: FakeClock,
) -> None:
    def still_running(parsed: dict[str, Any], **_: Any) -> None:
        for task in parsed.get("tasks", []):
            task["lastStatus"] = "RUNNING"

    session.events.register("after-call.ecs.DescribeTasks", still_running)
    provider = make_provider(migration_timeout=60)
    with pytest.raises(DeployError, match="did not stop within 60s"):
        provider.migrate(NEW, "green")
    assert clock.slept == [2.0, 4.0, 8.0, 16.0, 30.0]


def test_health_counts_unhealthy_targets_as_not_ready(
    provider: AwsProvider, agent: EcsAgentDouble
) -> None:
    provider.start("green", NEW, 2)
    agent.mark_unhealthy("green")
    health = provider.health("green")
    assert (health.desired, health.running, health.healthy, health.ready) == (2, 2, 0, False)


def test_set_weights_sends_the_forward_config_with_both_groups_at_each_step(
    provider: AwsProvider, recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    for green in (10, 50, 100):
        provider.set_weights(Weights.split("green", green))
    steps = [
        [
            (g["TargetGroupArn"], g["Weight"])
            for g in call["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        ]
        for call in recorder.named("elbv2:ModifyListener")
    ]
    blue, green_tg = stack["blue_target_group_arn"], stack["green_target_group_arn"]
    assert steps == [
        [(blue, 90), (green_tg, 10)],
        [(blue, 50), (green_tg, 50)],
        [(blue, 0), (green_tg, 100)],
    ]
    assert all(
        "TargetGroupArn" not in call["DefaultActions"][0]
        for call in recorder.named("elbv2:ModifyListener")
    )
    assert _listener_weights(stack) == [(blue, 0), (green_tg, 100)]
    assert provider.snapshot().weights == Weights(0, 100)


def test_alarms_lists_only_the_colours_alarms_in_alarm_state(
    provider: AwsProvider, stack: dict[str, Any]
) -> None:
    cloudwatch = make_session().client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName="app-green-5xx", StateValue="ALARM", StateReason="test")
    assert list(provider.alarms("green")) == ["app-green-5xx"]
    assert list(provider.alarms("blue")) == []


def test_traffic_sums_cloudwatch_minutes_of_the_colours_target_group(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any]
) -> None:
    provider = make_provider(clock=SystemClock())  # CloudWatch data is stamped with real time
    elb = make_session().client("elbv2")
    load_balancer = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
        "LoadBalancerArn"
    ]
    dimensions: list[DimensionTypeDef] = [
        {
            "Name": "TargetGroup",
            "Value": "targetgroup/" + stack["green_target_group_arn"].split(":targetgroup/")[1],
        },
        {"Name": "LoadBalancer", "Value": load_balancer.split(":loadbalancer/")[1]},
    ]
    cloudwatch = make_session().client("cloudwatch")
    for metric, value in (("RequestCount", 120.0), ("HTTPCode_Target_5XX_Count", 6.0)):
        cloudwatch.put_metric_data(
            Namespace="AWS/ApplicationELB",
            MetricData=[{"MetricName": metric, "Dimensions": dimensions, "Value": value}],
        )
    counters = provider.traffic("green")
    assert (counters.requests, counters.errors_5xx) == (120, 6)
    assert provider.traffic("blue").requests == 0


def test_route_test_listener_is_the_app_url_for_the_live_colour_and_the_test_listener_otherwise(
    provider: AwsProvider, recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    assert provider.route_test_listener("blue") == "https://app.example.com"
    assert provider.route_test_listener("green") == "http://app.example.com:8443"
    [pin] = recorder.named("elbv2:ModifyListener")
    assert pin["ListenerArn"] == stack["test_listener_arn"]
    assert [g["Weight"] for g in pin["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]] == [
        0,
        100,
    ]


def test_route_test_listener_without_a_test_listener_refuses_rather_than_testing_the_live_colour(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any]
) -> None:
    resources = resolve_aws_resources(
        AwsSettings.model_validate({k: v for k, v in stack.items() if k != "test_listener_arn"})
    )
    provider = make_provider(resources=resources)
    with pytest.raises(ConfigError, match="test_listener_arn"):
        provider.route_test_listener("green")


def test_stop_scales_to_zero_at_once_and_the_drain_delay_is_the_target_groups(
    provider: AwsProvider, recorder: RequestRecorder, clock: FakeClock, stack: dict[str, Any]
) -> None:
    provider.start("green", NEW, 2)
    provider.set_weights(Weights.all_on("green"))
    assert provider.drain_delay("blue") == DEREGISTRATION_DELAY
    provider.stop("blue")
    assert clock.slept == []  # the procedure waits out the delay, not the provider
    assert recorder.named("ecs:UpdateService")[-1] == {
        "cluster": "app",
        "service": "app-blue",
        "desiredCount": 0,
    }
    assert _service(stack, "blue")["desiredCount"] == 0
    assert provider.health("blue").healthy == 0


def test_stop_refuses_a_colour_that_still_takes_traffic(provider: AwsProvider) -> None:
    with pytest.raises(DeployError, match="still sends it traffic"):
        provider.stop("blue")


def test_record_live_overwrites_the_ssm_parameter(provider: AwsProvider) -> None:
    provider.record_live("green")
    ssm = make_session().client("ssm")
    assert ssm.get_parameter(Name="/app/live-color")["Parameter"]["Value"] == "green"


def test_a_missing_service_is_a_config_error_naming_the_setting(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any]
) -> None:
    make_session().client("ecs").delete_service(cluster="app", service="app-green", force=True)
    with pytest.raises(ConfigError, match="'app-green' does not exist") as raised:
        make_provider().snapshot()
    assert "green_service_name" in str(raised.value)


# -- resilience -----------------------------------------------------------------------------------


def test_throttled_calls_are_retried_until_they_succeed(
    make_provider: Callable[..., AwsProvider], session: boto3.Session, stack: dict[str, Any]
) -> None:
    faults = FaultInjector(session)
    faults.fail("elastic-load-balancing-v2.ModifyListener", code="Throttling", times=3)
    provider = make_provider()
    provider.set_weights(Weights(50, 50))
    assert faults.injected == 3
    assert provider.calls["elasticloadbalancing:ModifyListener"] == 4
    assert _listener_weights(stack)[1][1] == 50


def test_throttling_that_never_stops_ends_in_a_platform_error(
    make_provider: Callable[..., AwsProvider], session: boto3.Session
) -> None:
    FaultInjector(session).fail("ecs.DescribeServices", code="ThrottlingException", times=99)
    provider = make_provider()
    with pytest.raises(PlatformError, match=r"ecs:DescribeServices .* kept failing after retries"):
        provider.health("green")
    assert provider.calls["ecs:DescribeServices"] == 5  # NO_WAIT_RETRIES.attempts


def test_access_denied_names_the_iam_action_and_the_resource(
    make_provider: Callable[..., AwsProvider], session: boto3.Session
) -> None:
    FaultInjector(session).fail("ecs.UpdateService", code="AccessDeniedException", times=1)
    provider = make_provider()
    with pytest.raises(PlatformError) as raised:
        provider.start("green", OLD, 2)
    assert raised.value.message == (
        "ecs:UpdateService denied on service app-green: grant it to the deploy role "
        "(see docs/iam.md)"
    )
    assert provider.calls["ecs:UpdateService"] == 1  # not retried


# -- dry-run --------------------------------------------------------------------------------------


def _world(stack: dict[str, Any]) -> dict[str, Any]:
    """Everything a deployment could change, read with a session the provider does not use."""
    s = make_session()
    ecs, ddb = s.client("ecs"), s.client("dynamodb")
    return {
        "weights": _listener_weights(stack),
        "services": [
            (svc["desiredCount"], svc["taskDefinition"])
            for svc in ecs.describe_services(cluster="app", services=["app-blue", "app-green"])[
                "services"
            ]
        ],
        "revisions": ecs.list_task_definitions()["taskDefinitionArns"],
        "tasks": ecs.list_tasks(cluster="app")["taskArns"],
        "live": s.client("ssm").get_parameter(Name="/app/live-color")["Parameter"]["Value"],
        "table": ddb.scan(TableName="app-deploy")["Items"],
    }


def _deploy(provider: Provider, release: Release = NEW) -> None:
    """The provider calls of a canary deploy, in the procedure's order (lock to history)."""
    state = provider.state
    lock = LockInfo("d1", "ci", "deploy", 0.0, 10_000_000_000.0)
    state.acquire_lock(lock)
    seq = iter(range(1, 100))
    state.append_event(JournalEntry("d1", next(seq), 0.0, "preflight"))
    before = provider.snapshot()
    assert before.live == "blue"
    provider.migrate(release, "green")
    state.append_event(JournalEntry("d1", next(seq), 0.0, "start"))
    provider.start("green", release, 2)
    assert provider.health("green").ready
    for green in (10, 100):
        state.append_event(JournalEntry("d1", next(seq), 0.0, "shift", {"green": green}))
        provider.set_weights(Weights.split("green", green))
        provider.traffic("green")
        provider.alarms("green")
    provider.record_live("green")
    provider.in_flight("blue")
    provider.stop("blue")
    state.save_record(make_record("d1"))
    state.release_lock("d1")


def _rollback(provider: AwsProvider) -> None:
    """The provider calls of a rollback after the old colour was stopped."""
    provider.snapshot()
    provider.start("blue", OLD, 2)
    assert provider.health("blue").ready
    provider.set_weights(Weights.all_on("blue"))
    provider.record_live("blue")
    provider.stop("green")


def test_a_dry_run_records_every_change_in_order_sends_none_and_reads_its_own_changes(
    make_provider: Callable[..., AwsProvider], recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    dry = DryRun(make_provider())
    before = _world(stack)
    _deploy(dry)
    assert _world(stack) == before
    sent = set(recorder.names())
    assert sent  # the reads went to AWS
    assert not sent & {
        "ecs:RegisterTaskDefinition",
        "ecs:RunTask",
        "ecs:UpdateService",
        "elbv2:ModifyListener",
        "ssm:PutParameter",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert [call.name for call in dry.calls] == [
        "take-lock",
        "journal",  # preflight
        "migrate",
        "journal",  # start
        "start",
        "journal",  # shift 10
        "set-weights",
        "journal",  # shift 100
        "set-weights",
        "record-live",
        "stop",
        "save-record",
        "give-back-lock",
    ]
    assert dry.calls[0] == planned.TakeLock("d1", "deploy", 10_000_000_000)
    assert dry.calls[2] == planned.Migrate(NEW, "green")
    assert dry.calls[4] == planned.Start("green", NEW, 2)
    assert dry.calls[6] == planned.SetWeights(Weights(blue=90, green=10))
    assert dry.calls[9] == planned.RecordLive("green")
    assert dry.calls[10] == planned.Stop("blue")
    # Later reads answer from the overlay: the weights set, green started, blue stopped, the
    # journal and the record written, the lock given back; AWS still says otherwise.
    after = dry.snapshot()
    assert after.weights == Weights.all_on("green")
    assert after.colors["green"].release == NEW
    assert after.colors["blue"].release is None
    assert [e.step for e in dry.state.events("d1")] == ["preflight", "start", "shift", "shift"]
    assert [r.id for r in dry.state.history()][:1] == ["d1"]
    assert dry.state.lock_holder() is None
    real = dry.real.snapshot()
    assert (real.weights, real.colors["green"].health.desired) == (Weights.all_on("blue"), 0)


# -- the whole deploy: call count and IAM ---------------------------------------------------

CONTROLLER_ACTIONS = REPO / "terraform" / "modules" / "cicd" / "controller-actions.json"
# Actions implied by a call rather than named by it: registering a revision and running it hand
# the task and execution roles to ECS, which IAM checks as iam:PassRole.
IMPLIED_ACTIONS = {"ecs:RegisterTaskDefinition": ["iam:PassRole"], "ecs:RunTask": ["iam:PassRole"]}


def _declared_actions(document: Any) -> set[str]:
    """Action strings of controller-actions.json: a flat list, or statements with "actions"."""
    if isinstance(document, list):
        return {str(action) for action in document}
    return {str(a) for statement in document.values() for a in statement["actions"]}


def test_a_deploy_makes_a_modest_number_of_aws_calls(provider: AwsProvider) -> None:
    _deploy(provider)
    calls = provider.calls
    print(json.dumps(calls, indent=2, sort_keys=True), "total", provider.call_count)
    assert provider.call_count <= 40
    assert calls["elasticloadbalancing:ModifyListener"] == 2
    assert calls["ecs:RegisterTaskDefinition"] == 1


def test_every_operation_of_a_deploy_and_rollback_is_in_the_deploy_roles_action_list(
    provider: AwsProvider, recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    if not CONTROLLER_ACTIONS.exists():
        pytest.skip(f"{CONTROLLER_ACTIONS.relative_to(REPO)} does not exist yet (Terraform's part)")
    _deploy(provider)
    _rollback(provider)
    provider.route_test_listener("green")
    used = set(provider.calls)
    used |= {a for action in list(used) for a in IMPLIED_ACTIONS.get(action, [])}
    allowed = _declared_actions(json.loads(CONTROLLER_ACTIONS.read_text(encoding="utf-8")))
    assert sorted(used - allowed) == []
