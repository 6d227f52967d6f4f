"""`AwsProvider`: the provider protocol on ECS Fargate behind an ALB, through boto3.

It only executes: request bodies come from `bluegreen.aws.requests`, responses are read by
`bluegreen.aws.responses`, every call goes through `AwsCaller` (retries, clear errors, a call
counter, dry-run). What each method asks of AWS:

- `snapshot()`: DescribeListeners (weights from the ForwardConfig), DescribeServices (both
  colours in one call), DescribeTargetHealth per colour, DescribeTaskDefinition per revision
  (cached: revisions are immutable), DescribeAlarms (one call for both colours), GetParameter
  (the recorded live colour, in `extra`).
- in flight: the ALB has no per-target-group active-request figure with low latency
  (ActiveConnectionCount is per load balancer and reaches CloudWatch a minute late). We report
  the targets in `draining` state: the ALB keeps them only while requests to them may still be
  running, up to the deregistration delay. `drain_delay()` reads that delay; the procedure waits
  it out before `stop()`, counted from the moment it took the colour's weight to 0 (none for a
  colour it started at weight 0 and never gave traffic, see `plan.drain_wait`).
- `traffic()`: CloudWatch publishes per-minute sums, 1-3 minutes late, not counters. We sum the
  per-minute RequestCount and HTTPCode_Target_5XX_Count from a fixed origin (the minute this
  provider was created) up to now, which gives counters that only grow, as the analysis expects;
  late minutes show up in a later reading, so a breach is seen late rather than missed. p99 is
  the latest minute's TargetResponseTime p99.
- `route_test_listener(color)`: the public URL when `color` takes all production traffic;
  otherwise the test listener (`test_listener_arn`), which is pointed at `color` first and
  reached on the app URL's host at the test listener's port. Without a test listener there is
  no way to reach an idle colour from outside, and a smoke test through the public URL would
  test the live colour instead, so that is a ConfigError rather than a false pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3

from bluegreen.aws.dryrun import DryRunLog
from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.aws.outputs import AwsResources, resolve_aws_resources
from bluegreen.aws.requests import (
    app_container_name,
    migration_run_task_request,
    modify_listener_request,
    pin_listener_request,
    put_live_color_request,
    register_task_definition_request,
    target_group_metrics_request,
    update_service_request,
)
from bluegreen.aws.responses import (
    TargetCounts,
    deregistration_delay,
    one_off_task_outcome,
    release_from_task_definition,
    service_problems,
    services_by_name,
    target_counts,
    traffic_from_metrics,
    weights_from_actions,
)
from bluegreen.aws.retry import BOTO_CONFIG, AwsCaller, RetryPolicy
from bluegreen.clock import Clock, SystemClock
from bluegreen.config import Settings
from bluegreen.errors import ConfigError, DeployError
from bluegreen.model import (
    COLORS,
    Color,
    ColorState,
    Health,
    Release,
    Snapshot,
    TrafficCounters,
    Weights,
)
from bluegreen.state import StateStore

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_ssm import SSMClient


class AwsProvider:
    """Two ECS services (blue, green) behind one ALB listener with weighted forwarding."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: boto3.Session | None = None,
        dry_run: bool = False,
        retry: RetryPolicy | None = None,
        echo: Callable[[str], None] | None = None,
        clock: Clock | None = None,
        migration_timeout: float = 1800.0,
        resources: AwsResources | None = None,
    ) -> None:
        base_dir = settings.source.parent if settings.source else Path.cwd()
        self.resources = resources or resolve_aws_resources(settings.aws, base_dir=base_dir)
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
        dynamodb: DynamoDBClient = session.client(
            "dynamodb", region_name=region, config=BOTO_CONFIG
        )
        self.dry_run = DryRunLog(echo) if dry_run and echo else (DryRunLog() if dry_run else None)
        self._call = AwsCaller(retry, self.dry_run)
        self._clock: Clock = clock or SystemClock()
        self._state = DynamoStateStore(
            self.resources.table, dynamodb, caller=self._call, clock=self._clock
        )
        self._migration_timeout = migration_timeout
        # CloudWatch counters count from this minute on (see the module docstring).
        self._traffic_origin = math.floor(self._clock.time() / 60) * 60
        self._task_definitions: dict[str, dict[str, Any]] = {}
        self._revisions: dict[tuple[Color, str, str], str] = {}
        self._load_balancer_arn: str | None = None
        # Dry-run overlay: what the printed calls would have changed.
        self._planned_weights: Weights | None = None
        self._planned_desired: dict[Color, int] = {}

    # -- the protocol ------------------------------------------------------------------------

    @property
    def target(self) -> str:
        """Always `aws`."""
        return "aws"

    @property
    def state(self) -> StateStore:
        """The DynamoDB table holding the lock, the journal and the history."""
        return self._state

    @property
    def calls(self) -> dict[str, int]:
        """AWS requests sent so far by this provider, by IAM action (retries included)."""
        return dict(self._call.calls)

    @property
    def call_count(self) -> int:
        """All AWS requests sent so far by this provider."""
        return self._call.total

    def snapshot(self) -> Snapshot:
        """Weights; per colour release, tasks, health, draining targets; alarms; recorded live."""
        weights = self._weights()
        services = self._services()
        colors: dict[Color, ColorState] = {}
        for color in COLORS:
            service = services[self.resources.services[color]]
            targets = self._target_counts(color)
            health = self._overlay_health(
                color,
                Health(
                    desired=int(service.get("desiredCount", 0)),
                    running=int(service.get("runningCount", 0)),
                    healthy=targets.healthy,
                ),
            )
            release = None
            if health.desired > 0 or health.running > 0:
                task_definition = self._task_definition(str(service["taskDefinition"]))
                release = release_from_task_definition(task_definition, self._container_name)
            colors[color] = ColorState(release=release, health=health, in_flight=targets.draining)
        return Snapshot(
            target="aws",
            url=self.resources.app_url,
            weights=weights,
            colors=colors,
            extra={
                "alarms": self._firing_alarms(COLORS),
                "recorded_live": self._recorded_live(),
                "cluster": self.resources.cluster,
                "listener_arn": self.resources.listener_arn,
                "aws_calls": self.call_count,
            },
        )

    def migrate(self, release: Release, color: Color) -> None:
        """Register the release's revision and run its migration as a one-off task; wait for exit 0.

        The revision is derived from `color`'s service (the colour the procedure starts the
        release on next) and cached for `start`.
        """
        service = self._services()[self.resources.services[color]]
        revision = self._revision(color, release, current=str(service["taskDefinition"]))
        container = app_container_name(self._task_definition(revision), self._container_name)
        command = release.migrate_command or self._settings.aws.migrate_command
        if not command:
            return
        request = migration_run_task_request(
            cluster=self.resources.cluster,
            task_definition_arn=revision,
            service=service,
            container_name=container,
            command=command,
            version=release.version,
        )
        response = self._call(f"cluster {self.resources.cluster}", self._ecs.run_task, **request)
        failures = response.get("failures") or []
        tasks = response.get("tasks") or []
        if failures or not tasks:
            reasons = "; ".join(
                f"{f.get('arn', '')} {f.get('reason', '')}".strip() for f in failures
            )
            raise DeployError(f"the migration task could not start: {reasons or 'no task'}")
        if self.dry_run is not None:
            self.dry_run.note("would wait for the migration task to stop with exit code 0")
            return
        self._wait_for_one_off(str(tasks[0]["taskArn"]), container, release)

    def start(self, color: Color, release: Release, tasks: int) -> None:
        """Put `color` on the release's revision with `tasks` tasks (ECS rolls it out)."""
        service = self._services()[self.resources.services[color]]
        revision = self._revision(color, release, current=str(service["taskDefinition"]))
        self._call(
            f"service {self.resources.services[color]}",
            self._ecs.update_service,
            **update_service_request(
                cluster=self.resources.cluster,
                service=self.resources.services[color],
                desired_count=tasks,
                task_definition_arn=revision,
            ),
        )
        if self.dry_run is not None:
            self._planned_desired[color] = tasks

    def health(self, color: Color) -> Health:
        """Desired/running from ECS, healthy from the target group, fatal rollout problems."""
        name = self.resources.services[color]
        service = self._services(only=color)[name]
        targets = self._target_counts(color)
        desired = int(service.get("desiredCount", 0))
        running = int(service.get("runningCount", 0))
        rollout_failed = any(
            d.get("status") == "PRIMARY" and d.get("rolloutState") == "FAILED"
            for d in service.get("deployments") or []
        )
        stopped: list[dict[str, Any]] = []
        # Stopped tasks are only looked up when something is off, to keep the polls cheap.
        if running < desired or rollout_failed:
            stopped = self._stopped_tasks(name)
        problems = service_problems(service, stopped)
        return self._overlay_health(
            color,
            Health(desired=desired, running=running, healthy=targets.healthy, problems=problems),
        )

    def set_weights(self, weights: Weights) -> None:
        """One ModifyListener call: ForwardConfig with both target groups and their weights."""
        self._call(
            f"listener {self.resources.listener_arn}",
            self._elb.modify_listener,
            **modify_listener_request(
                self.resources.listener_arn, weights, self.resources.target_groups
            ),
        )
        if self.dry_run is not None:
            self._planned_weights = weights

    def in_flight(self, color: Color) -> int:
        """Targets of `color` still draining (see the module docstring for why not requests)."""
        return self._target_counts(color).draining

    def traffic(self, color: Color) -> TrafficCounters:
        """Requests, 5xx and p99 of `color`'s target group from CloudWatch, since the origin."""
        now = self._clock.time()
        end = math.ceil(now / 60) * 60 + 60  # include the minute in progress
        request = target_group_metrics_request(
            target_group_arn=self.resources.target_groups[color],
            load_balancer_arn=self._load_balancer(),
            start=datetime.fromtimestamp(self._traffic_origin, tz=UTC),
            end=datetime.fromtimestamp(end, tz=UTC),
        )
        results: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page_request = dict(request, NextToken=token) if token else request
            response = self._call(
                f"metrics of target group {self.resources.target_groups[color]}",
                self._cloudwatch.get_metric_data,
                **page_request,
            )
            results.extend(_merge_pages(results, response.get("MetricDataResults") or []))
            token = response.get("NextToken")
            if not token:
                break
        return traffic_from_metrics(results, at=now)

    def alarms(self, color: Color) -> Sequence[str]:
        """Names of `color`'s alarms in state ALARM."""
        return self._firing_alarms((color,))[color]

    def route_test_listener(self, color: Color) -> str:
        """A URL that reaches `color` alone (see the module docstring)."""
        if self._weights().of(color) == 100:
            return self.resources.app_url
        test_listener = self.resources.test_listener_arn
        if test_listener is None:
            raise ConfigError(
                f"no way to reach {color} before it takes traffic: no test listener",
                hint="output test_listener_arn from Terraform (or set it under [aws]), or drop "
                "the smoke test for AWS",
            )
        response = self._call(
            f"listener {test_listener}", self._elb.describe_listeners, ListenerArns=[test_listener]
        )
        listener = response["Listeners"][0]
        self._call(
            f"listener {test_listener}",
            self._elb.modify_listener,
            **pin_listener_request(test_listener, color, self.resources.target_groups),
        )
        public = urlsplit(self.resources.app_url)
        scheme = "https" if listener.get("Protocol") == "HTTPS" else "http"
        return f"{scheme}://{public.hostname}:{listener.get('Port')}"

    def drain_delay(self, color: Color) -> float:
        """The deregistration delay of `color`'s target group (the procedure waits it out)."""
        target_group = self.resources.target_groups[color]
        attributes = self._call(
            f"target group {target_group}",
            self._elb.describe_target_group_attributes,
            TargetGroupArn=target_group,
        )
        return deregistration_delay(attributes.get("Attributes") or [])

    def stop(self, color: Color) -> None:
        """Scale `color` to 0 tasks; refused while the production listener sends it traffic."""
        if self._weights().of(color) > 0:
            raise DeployError(
                f"refusing to stop {color}: the production listener still sends it traffic"
            )
        self._call(
            f"service {self.resources.services[color]}",
            self._ecs.update_service,
            **update_service_request(
                cluster=self.resources.cluster,
                service=self.resources.services[color],
                desired_count=0,
            ),
        )
        if self.dry_run is not None:
            self._planned_desired[color] = 0

    def record_live(self, color: Color) -> None:
        """Write the live colour to the SSM parameter Terraform reads."""
        self._call(
            f"SSM parameter {self.resources.live_color_parameter}",
            self._ssm.put_parameter,
            **put_live_color_request(self.resources.live_color_parameter, color),
        )

    # -- reads ---------------------------------------------------------------------------------

    @property
    def _container_name(self) -> str | None:
        return self.resources.container_name or self._settings.aws.container_name

    def _weights(self) -> Weights:
        if self._planned_weights is not None:
            return self._planned_weights
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
        target_group = self.resources.target_groups[color]
        response = self._call(
            f"target group {target_group}",
            self._elb.describe_target_health,
            TargetGroupArn=target_group,
        )
        return target_counts(list(response.get("TargetHealthDescriptions") or []))

    def _task_definition(self, arn: str) -> dict[str, Any]:
        if arn not in self._task_definitions:
            response = self._call(
                f"task definition {arn}", self._ecs.describe_task_definition, taskDefinition=arn
            )
            self._task_definitions[arn] = dict(response["taskDefinition"])
        return self._task_definitions[arn]

    def _revision(self, color: Color, release: Release, *, current: str) -> str:
        """The revision that runs `release` on `color`: reused when current, else registered."""
        if not release.image:
            raise ConfigError(
                f"release {release.version} has no image: an AWS release is an image",
                hint="pass --image REPOSITORY:TAG",
            )
        key = (color, release.image, release.version)
        if key in self._revisions:
            return self._revisions[key]
        current_definition = self._task_definition(current)
        running = release_from_task_definition(current_definition, self._container_name)
        if (running.image, running.version) == (release.image, release.version):
            self._revisions[key] = current
            return current
        body = register_task_definition_request(
            current_definition,
            image=release.image,
            version=release.version,
            container_name=self._container_name,
        )
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

    def _wait_for_one_off(self, task_arn: str, container: str, release: Release) -> None:
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
            wait = min(wait * 2, 30.0)

    def _stopped_tasks(self, service_name: str) -> list[dict[str, Any]]:
        listed = self._call(
            f"service {service_name}",
            self._ecs.list_tasks,
            cluster=self.resources.cluster,
            serviceName=service_name,
            desiredStatus="STOPPED",
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

    def _overlay_health(self, color: Color, health: Health) -> Health:
        """Under dry-run, report what the printed scaling call would have produced."""
        planned = self._planned_desired.get(color)
        if planned is None:
            return health
        return Health(desired=planned, running=planned, healthy=planned)


def _merge_pages(seen: list[dict[str, Any]], page: Sequence[Any]) -> list[dict[str, Any]]:
    """Fold a GetMetricData page into `seen` (same Id: values appended); return new entries."""
    new: list[dict[str, Any]] = []
    for result in page:
        existing = next((r for r in seen if r["Id"] == result["Id"]), None)
        if existing is None:
            new.append({"Id": result["Id"], "Values": list(result.get("Values") or [])})
        else:
            existing["Values"].extend(result.get("Values") or [])
    return new
