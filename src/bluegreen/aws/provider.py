"""`AwsProvider`: the provider protocol on ECS Fargate behind an ALB, through boto3.

It only executes: request bodies come from `bluegreen.aws.requests`, responses are read by
`bluegreen.aws.responses`, every call goes through `AwsCaller` (retries, clear errors, a call
counter). What each method asks of AWS:

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
- `step_traffic()` / `traffic()` (`aws.metrics`): CloudWatch's per-minute sums, each minute keyed
  by its own timestamp; see that module.
- `health()`: besides the counts, the desired tasks not judged yet (`Health.pending`): not
  registered, in the ALB's initial checks, or not healthy within the service's
  healthCheckGracePeriodSeconds (task ages from ListTasks/DescribeTasks, only looked up while
  some desired task is not healthy), so the watch fails a scale-out's new tasks only once judged.
- `scaling()`/`set_scaling()` (`aws.scaling`): the scalable targets' SuspendedState.
- `route_test_listener(color)`: the public URL when `color` takes all production traffic;
  otherwise the test listener (`test_listener_arn`), which is pointed at `color` first and
  reached on the app URL's host at the test listener's port. Without a test listener there is
  no way to reach an idle colour from outside, and a smoke test through the public URL would
  test the live colour instead, so that is a ConfigError rather than a false pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bluegreen.aws.metrics import MetricsClient
from bluegreen.aws.requests import (
    app_container_name,
    migration_run_task_request,
    modify_listener_request,
    pin_listener_request,
    put_live_color_request,
    update_service_request,
)
from bluegreen.aws.responses import (
    deregistration_delay,
    pending_targets,
    primary_deployment_id,
    release_from_task_definition,
    rollout_of,
    service_problems,
    target_counts,
)
from bluegreen.aws.scaling import ScalingClient
from bluegreen.errors import ConfigError, DeployError
from bluegreen.model import (
    COLORS,
    Color,
    ColorState,
    Health,
    Release,
    Snapshot,
    Weights,
)
from bluegreen.state import StateStore

if TYPE_CHECKING:
    pass


class AwsProvider(ScalingClient, MetricsClient):
    """Two ECS services (blue, green) behind one ALB listener with weighted forwarding."""

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
            health = Health(
                desired=int(service.get("desiredCount", 0)),
                running=int(service.get("runningCount", 0)),
                healthy=targets.healthy,
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

    def migrate(
        self, release: Release, color: Color, *, heartbeat: Callable[[], None] | None = None
    ) -> None:
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
            client_token=uuid.uuid4().hex,  # one per migration: its retries are the same call
        )
        response = self._call(f"cluster {self.resources.cluster}", self._ecs.run_task, **request)
        failures = response.get("failures") or []
        tasks = response.get("tasks") or []
        if failures or not tasks:
            reasons = "; ".join(
                f"{f.get('arn', '')} {f.get('reason', '')}".strip() for f in failures
            )
            raise DeployError(f"the migration task could not start: {reasons or 'no task'}")
        self._wait_for_one_off(str(tasks[0]["taskArn"]), container, release, heartbeat)

    def start(self, color: Color, release: Release, tasks: int) -> None:
        """Put `color` on the release's revision with `tasks` tasks (ECS rolls it out)."""
        service = self._services()[self.resources.services[color]]
        revision = self._revision(color, release, current=str(service["taskDefinition"]))
        response = self._call(
            f"service {self.resources.services[color]}",
            self._ecs.update_service,
            **update_service_request(
                cluster=self.resources.cluster,
                service=self.resources.services[color],
                desired_count=tasks,
                task_definition_arn=revision,
            ),
        )
        # The deployment this call started, to tell it from one ECS puts in its place.
        self._rollouts[color] = (revision, primary_deployment_id(response.get("service") or {}))

    def health(self, color: Color) -> Health:
        """Desired/running from ECS, healthy from the target group, fatal rollout problems, and
        the tasks not judged yet (`responses.pending_targets`)."""
        name = self.resources.services[color]
        service = self._services(only=color)[name]
        descriptions = self._target_health(color)
        targets = target_counts(descriptions)
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
        settled = True
        if color in self._rollouts:
            rollout = rollout_of(service, *self._rollouts[color])
            problems = (*problems, rollout.problem) if rollout.problem else problems
            settled = rollout.settled
        pending = 0
        if targets.healthy < desired:  # tasks' ages are only looked up when some are not healthy
            pending = pending_targets(
                descriptions,
                self._service_tasks(name, "RUNNING"),
                desired=desired,
                grace=float(service.get("healthCheckGracePeriodSeconds") or 0),
                now=self._clock.time(),
            )
        return Health(
            desired=desired,
            running=running,
            healthy=targets.healthy,
            problems=problems,
            settled=settled,
            pending=pending,
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

    def in_flight(self, color: Color) -> int:
        """Targets of `color` still draining (see the module docstring for why not requests)."""
        return self._target_counts(color).draining

    def alarms(self, color: Color) -> Sequence[str]:
        """Names of `color`'s alarms in state ALARM."""
        return self._firing_alarms((color,))[color]

    def test_listener_problem(self) -> str | None:
        """None when the test listener is configured and exists (DescribeListeners)."""
        test_listener = self.resources.test_listener_arn
        if test_listener is None:
            return "no test listener (the Terraform output test_listener_arn is not set)"
        self._call(
            f"listener {test_listener}", self._elb.describe_listeners, ListenerArns=[test_listener]
        )
        return None

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

    def stop(self, color: Color) -> int:
        """Scale `color` to 0 tasks; refused while the production listener sends it traffic.

        ECS stops the tasks after this returns: the number still running is the answer's."""
        if self._weights().of(color) > 0:
            raise DeployError(
                f"refusing to stop {color}: the production listener still sends it traffic"
            )
        response = self._call(
            f"service {self.resources.services[color]}",
            self._ecs.update_service,
            **update_service_request(
                cluster=self.resources.cluster,
                service=self.resources.services[color],
                desired_count=0,
            ),
        )
        service = response.get("service") or {}
        return int(service.get("runningCount", 0))

    def record_live(self, color: Color) -> None:
        """Write the live colour to the SSM parameter Terraform reads."""
        self._call(
            f"SSM parameter {self.resources.live_color_parameter}",
            self._ssm.put_parameter,
            **put_live_color_request(self.resources.live_color_parameter, color),
        )

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        """Nothing to restart: ECS replaces stopped tasks, the ALB and SSM are managed."""
        return ()
