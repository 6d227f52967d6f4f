"""What goes wrong on AWS and how AwsProvider says it: failed and overlong migrations, refusals,
missing resources named by their setting, throttling retried, access denied named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest

from bluegreen.aws.outputs import resolve_aws_resources
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AwsSettings
from bluegreen.errors import ConfigError, DeployError, PlatformError
from bluegreen.model import Weights
from tests.support.aws_faults import FaultInjector
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .provider_support import NEW, OLD, listener_weights


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


def test_route_test_listener_without_a_test_listener_refuses_rather_than_testing_the_live_colour(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any]
) -> None:
    resources = resolve_aws_resources(
        AwsSettings.model_validate({k: v for k, v in stack.items() if k != "test_listener_arn"})
    )
    provider = make_provider(resources=resources)
    with pytest.raises(ConfigError, match="test_listener_arn"):
        provider.route_test_listener("green")


def test_stop_refuses_a_colour_that_still_takes_traffic(provider: AwsProvider) -> None:
    with pytest.raises(DeployError, match="still sends it traffic"):
        provider.stop("blue")


def test_a_missing_service_is_a_config_error_naming_the_setting(
    make_provider: Callable[..., AwsProvider], stack: dict[str, Any]
) -> None:
    make_session().client("ecs").delete_service(cluster="app", service="app-green", force=True)
    with pytest.raises(ConfigError, match="'app-green' does not exist") as raised:
        make_provider().snapshot()
    assert "green_service_name" in str(raised.value)


def test_throttled_calls_are_retried_until_they_succeed(
    make_provider: Callable[..., AwsProvider], session: boto3.Session, stack: dict[str, Any]
) -> None:
    faults = FaultInjector(session)
    faults.fail("elastic-load-balancing-v2.ModifyListener", code="Throttling", times=3)
    provider = make_provider()
    provider.set_weights(Weights(50, 50))
    assert faults.injected == 3
    assert provider.calls["elasticloadbalancing:ModifyListener"] == 4
    assert listener_weights(stack)[1][1] == 50


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
