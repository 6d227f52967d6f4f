"""AwsProvider against moto plus the ECS-agent double: each call's request shapes and the state
it leaves (snapshot, migrate, start, health, weights, alarms, traffic, test listener, stop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bluegreen.aws.provider import AwsProvider
from bluegreen.clock import SystemClock
from bluegreen.model import Release, Weights
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import DEREGISTRATION_DELAY, make_session
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .provider_support import NEW, listener_weights

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef


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
    assert listener_weights(stack) == [(blue, 0), (green_tg, 100)]
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


def test_record_live_overwrites_the_ssm_parameter(provider: AwsProvider) -> None:
    provider.record_live("green")
    ssm = make_session().client("ssm")
    assert ssm.get_parameter(Name="/app/live-color")["Parameter"]["Value"] == "green"
