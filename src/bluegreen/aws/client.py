"""The AWS side the provider stands on: clients, the caller (retries, call counts),
and the reads every provider method shares (listener weights, services, targets, task
definitions, alarms), with caches for what AWS never changes (task-definition revisions).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.aws.outputs import AwsResources, resolve_aws_resources
from bluegreen.aws.requests import register_task_definition_request
from bluegreen.aws.responses import (
    TargetCounts,
    container_environment,
    one_off_task_outcome,
    release_from_task_definition,
    services_by_name,
    target_counts,
    weights_from_actions,
)
from bluegreen.aws.retry import BOTO_CONFIG, AwsCaller, RetryPolicy
from bluegreen.aws.taskdef import TaskDefinitionTemplate
from bluegreen.aws.taskdef_template import task_definition_diff
from bluegreen.clock import Clock, SystemClock
from bluegreen.config import Settings
from bluegreen.errors import ConfigError, DeployError
from bluegreen.model import (
    COLORS,
    Color,
    Release,
    Weights,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_ssm import SSMClient


class AwsClient:
    """Clients and shared reads of the AWS resources one environment outputs."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: boto3.Session | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        migration_timeout: float = 1800.0,
        resources: AwsResources | None = None,
    ) -> None:
        base_dir = settings.source.parent if settings.source else Path.cwd()
        self.resources = resources or resolve_aws_resources(settings.aws, base_dir=base_dir)
        if settings.analysis.load is not None and self.resources.test_listener_arn is None:
            raise ConfigError(
                "analysis.load: on AWS analysis traffic goes through the test listener, and "
                "the Terraform outputs name none",
                hint="output test_listener_arn from Terraform (or set aws.test_listener_arn), "
                "or remove analysis.load",
            )
        self._settings = settings
        session = session or boto3.Session(region_name=self.resources.region)
        region = self.resources.region
        self._ecs: ECSClient = session.client("ecs", region_name=region, config=BOTO_CONFIG)
        self._elb: ElasticLoadBalancingv2Client = session.client(
            "elbv2", region_name=region, config=BOTO_CONFIG
        )
        self._cloudwatch: CloudWatchClient = session.client(
            "cloudwatch", region_name=region, config=BOTO_CONFIG
        )
        self._ssm: SSMClient = session.client("ssm", region_name=region, config=BOTO_CONFIG)
        # Typed Any: the project installs no stubs for Application Auto Scaling (two calls).
        self._autoscaling: Any = session.client(
            "application-autoscaling", region_name=region, config=BOTO_CONFIG
        )
        dynamodb: DynamoDBClient = session.client(
            "dynamodb", region_name=region, config=BOTO_CONFIG
        )
        self._call = AwsCaller(retry)
        self._clock: Clock = clock or SystemClock()
        self._state = DynamoStateStore(
            self.resources.table, dynamodb, caller=self._call, clock=self._clock
        )
        self._migration_timeout = migration_timeout
        # CloudWatch counters count from this minute on (see the module docstring).
        self._traffic_origin = math.floor(self._clock.time() / 60) * 60
        self._task_definitions: dict[str, dict[str, Any]] = {}
        self._revisions: dict[tuple[Color, str, str, tuple[tuple[str, str], ...]], str] = {}
        self._template = TaskDefinitionTemplate.from_settings(settings)
        # Per colour started: the revision and the ECS deployment id UpdateService answered.
        self._rollouts: dict[Color, tuple[str, str | None]] = {}
        self._load_balancer_arn: str | None = None

    @property
    def _container_name(self) -> str | None:
        return self.resources.container_name or self._settings.aws.container_name

    def _weights(self) -> Weights:
        response = self._call(
            f"listener {self.resources.listener_arn}",
            self._elb.describe_listeners,
            ListenerArns=[self.resources.listener_arn],
        )
        listener = response["Listeners"][0]
        self._load_balancer_arn = listener.get("LoadBalancerArn")
        actions: list[Any] = list(listener.get("DefaultActions") or [])
        return weights_from_actions(actions, self.resources.target_groups)

    def _load_balancer(self) -> str:
        if self._load_balancer_arn is None:
            self._weights()
        if self._load_balancer_arn is None:
            raise ConfigError(f"listener {self.resources.listener_arn} names no load balancer")
        return self._load_balancer_arn

    def _services(self, only: Color | None = None) -> dict[str, Any]:
        colors = COLORS if only is None else (only,)
        wanted = {self.resources.services[c]: f"{c}_service_name" for c in colors}
        response = self._call(
            f"services {', '.join(wanted)} in cluster {self.resources.cluster}",
            self._ecs.describe_services,
            cluster=self.resources.cluster,
            services=list(wanted),
        )
        return services_by_name(response, wanted)

    def _target_counts(self, color: Color) -> TargetCounts:
        return target_counts(self._target_health(color))

    def _target_health(self, color: Color) -> list[dict[str, Any]]:
        target_group = self.resources.target_groups[color]
        response = self._call(
            f"target group {target_group}",
            self._elb.describe_target_health,
            TargetGroupArn=target_group,
        )
        return [dict(d) for d in response.get("TargetHealthDescriptions") or []]

    def _task_definition(self, arn: str) -> dict[str, Any]:
        if arn not in self._task_definitions:
            response = self._call(
                f"task definition {arn}",
                self._ecs.describe_task_definition,
                taskDefinition=arn,
                include=["TAGS"],
            )
            # The revision's tags, carried over to the revisions registered from it.
            tags = list(response.get("tags") or [])
            self._task_definitions[arn] = dict(response["taskDefinition"], tags=tags)
        return self._task_definitions[arn]

    def running_task_definition(self, color: Color) -> dict[str, Any]:
        """The task definition `color`'s service runs now."""
        service = self._services(color)[self.resources.services[color]]
        return self._task_definition(str(service["taskDefinition"]))

    def revision_body(
        self, release: Release, color: Color, current: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The RegisterTaskDefinition body a deploy of `release` to `color` would send: the
        template filled in when one is configured, else `color`'s running revision with the
        release's image, APP_VERSION and env."""
        if not release.image:
            raise ConfigError(
                f"release {release.version} has no image: an AWS release is an image",
                hint="pass --image REPOSITORY:TAG",
            )
        if self._template is not None:
            return self._template.render(self.resources, release, color)
        current = current if current is not None else self.running_task_definition(color)
        return register_task_definition_request(
            current,
            image=release.image,
            version=release.version,
            container_name=self._container_name,
            env=release.env,
        )

    def _runs_already(
        self, current: dict[str, Any], body: dict[str, Any], release: Release
    ) -> bool:
        """Whether `current` already is the revision `body` would register."""
        if self._template is not None:
            return not task_definition_diff(current, body, running_name="")
        running = release_from_task_definition(current, self._container_name)
        env = container_environment(current, self._container_name)
        return (running.image, running.version) == (release.image, release.version) and all(
            env.get(k) == v for k, v in release.env.items()
        )

    def _revision(self, color: Color, release: Release, *, current: str) -> str:
        """The revision that runs `release` on `color`: reused when current, else registered."""
        if not release.image:
            raise ConfigError(
                f"release {release.version} has no image: an AWS release is an image",
                hint="pass --image REPOSITORY:TAG",
            )
        key = (color, release.image, release.version, tuple(sorted(release.env.items())))
        if key in self._revisions:
            return self._revisions[key]
        current_definition = self._task_definition(current)
        body = self.revision_body(release, color, current_definition)
        if self._runs_already(current_definition, body, release):
            self._revisions[key] = current
            return current
        response = self._call(
            f"task definition family {body.get('family')}",
            self._ecs.register_task_definition,
            **body,
        )
        registered = dict(response["taskDefinition"])
        arn = str(registered["taskDefinitionArn"])
        self._task_definitions[arn] = registered
        self._revisions[key] = arn
        return arn

    def _wait_for_one_off(
        self,
        task_arn: str,
        container: str,
        release: Release,
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        """Poll the migration task with backoff (2 s doubling to 30 s) until STOPPED or deadline."""
        deadline = self._clock.time() + self._migration_timeout
        wait = 2.0
        while True:
            response = self._call(
                f"task {task_arn}",
                self._ecs.describe_tasks,
                cluster=self.resources.cluster,
                tasks=[task_arn],
            )
            tasks = response.get("tasks") or []
            if not tasks:
                raise DeployError(f"the migration task {task_arn} disappeared before it stopped")
            outcome = one_off_task_outcome(tasks[0], container)
            if outcome.stopped:
                if outcome.succeeded:
                    return
                raise DeployError(
                    f"the migration of {release.version} failed: {outcome.detail}",
                    hint="see the task's logs in CloudWatch Logs; no traffic was moved",
                )
            if self._clock.time() + wait > deadline:
                raise DeployError(
                    f"the migration task {task_arn} of {release.version} did not stop within "
                    f"{self._migration_timeout:.0f}s (last status {outcome.detail})",
                    hint="it is still running: check it in the ECS console before retrying",
                )
            self._clock.sleep(wait)
            if heartbeat is not None:
                heartbeat()  # the lock's lease is renewed through a wait of up to 30 minutes
            wait = min(wait * 2, 30.0)

    def _stopped_tasks(self, service_name: str) -> list[dict[str, Any]]:
        return self._service_tasks(service_name, "STOPPED")

    def _service_tasks(self, service_name: str, status: str) -> list[dict[str, Any]]:
        listed = self._call(
            f"service {service_name}",
            self._ecs.list_tasks,
            cluster=self.resources.cluster,
            serviceName=service_name,
            desiredStatus=status,  # type: ignore[arg-type]  # RUNNING or STOPPED, from our code
        )
        arns = list(listed.get("taskArns") or [])[:100]  # DescribeTasks takes at most 100
        if not arns:
            return []
        described = self._call(
            f"tasks of service {service_name}",
            self._ecs.describe_tasks,
            cluster=self.resources.cluster,
            tasks=arns,
        )
        return [dict(t) for t in described.get("tasks") or []]

    def _firing_alarms(self, colors: Sequence[Color]) -> dict[Color, list[str]]:
        names = [name for c in colors for name in self.resources.alarm_names[c]]
        firing: set[str] = set()
        for start in range(0, len(names), 100):  # DescribeAlarms takes at most 100 names
            response = self._call(
                "CloudWatch alarms " + ", ".join(names[start : start + 100]),
                self._cloudwatch.describe_alarms,
                AlarmNames=names[start : start + 100],
                StateValue="ALARM",
                # Only metric alarms: Terraform creates no composite ones, and the deploy role
                # scopes DescribeAlarms to the alarms' ARNs, which AWS refuses for composites.
                AlarmTypes=["MetricAlarm"],
            )
            # StateValue is also checked here: the filter is the API's, the decision is ours.
            alarms = response.get("MetricAlarms") or []
            firing.update(a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM")
        return {c: [n for n in self.resources.alarm_names[c] if n in firing] for c in colors}

    def _recorded_live(self) -> str | None:
        response = self._call(
            f"SSM parameter {self.resources.live_color_parameter}",
            self._ssm.get_parameter,
            Name=self.resources.live_color_parameter,
        )
        return response.get("Parameter", {}).get("Value")


def merge_pages(seen: list[dict[str, Any]], page: Sequence[Any]) -> list[dict[str, Any]]:
    """Fold a GetMetricData page into `seen` (same Id: values appended); return new entries."""
    new: list[dict[str, Any]] = []
    for result in page:
        existing = next((r for r in seen if r["Id"] == result["Id"]), None)
        if existing is None:
            new.append({"Id": result["Id"], "Values": list(result.get("Values") or [])})
        else:
            existing["Values"].extend(result.get("Values") or [])
    return new
