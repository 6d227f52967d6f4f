"""The ECS agent and the ALB health checker that moto lacks, played on top of it.

What moto does not do (measured with moto 5.2): it records state but runs no tasks and no
health checks. Services report running counts but never register targets; registered ip
targets are always `healthy`; RunTask'd tasks go to STOPPED with exit code 0 on the next
DescribeTasks; `describe_alarm_history` is not implemented.

`EcsAgentDouble` plays the missing part, and nothing more:
- `reconcile()` makes each colour's target group hold one ip target per desired task, as ECS
  does when a service scales (registers on scale-up, deregisters on scale-down). In-process it
  runs right after every UpdateService (an `after-call` hook); against `moto_server` a
  background thread (`AgentThread`) runs it every 50 ms.
- `mark_unhealthy(color)` / `unhealthy_images`: DescribeTargetHealth answers are rewritten so
  those targets read `unhealthy` (`Target.FailedHealthChecks`), as the ALB would report a
  release that never passes its check. Against `moto_server` (no hook in the server) such a
  release simply never gets targets registered: healthy stays 0 either way.
- `scale_out_warming(color, desired, clock, warm_for)`: autoscaling raises the desired count and
  the new targets read `initial` (the ALB's initial checks) for a while, as a real scale-out's do.
- `fail_migrations(exit_code, reason)`: DescribeTasks answers for the migration task (group
  `bluegreen-migrate:*`) carry that exit code and stop reason.
Everything else is moto's own answer.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3

from bluegreen.model import COLORS, Color
from tests.support.aws_stack import clients_of, make_session


class EcsAgentDouble:
    """Plays the ECS agent and the ALB health checker on top of moto (see the module docstring)."""

    def __init__(
        self,
        outputs: dict[str, Any],
        endpoint_url: str | None = None,
        session: boto3.Session | None = None,
    ) -> None:
        self.outputs = outputs
        self.in_server = endpoint_url is not None
        # Its own session, not recorded (an admin's where moto_server enforces IAM).
        clients = clients_of(session or make_session(), endpoint_url)
        self._ecs = clients["ecs"]
        self._elb = clients["elbv2"]
        self.unhealthy_colors: set[Color] = set()
        self.unhealthy_images: set[str] = set()
        self.migration_exit: tuple[int, str] | None = None
        self._next_ip = 10
        self._last_target_group: str | None = None  # the request an after-call answers
        self._lock = threading.Lock()
        self.breaker_images: set[str] = set()
        self.migration_until: tuple[Any, float] | None = None
        self.rolled_back: dict[str, str] = {}  # service name -> the revision ECS went back to
        self._update: dict[str, Any] = {}
        self._before_update: str | None = None
        self.warming: dict[str, float] = {}  # target id -> when its initial checks end
        self._warming_clock: Any = None

    def mark_unhealthy(self, color: Color) -> None:
        """From now on `color`'s targets fail the health check."""
        self.unhealthy_colors.add(color)

    def fail_migrations(
        self, exit_code: int, reason: str = "Essential container in task exited"
    ) -> None:
        """From now on migration tasks stop with `exit_code`."""
        self.migration_exit = (exit_code, reason)

    def slow_migrations(self, clock: Any, until: float) -> None:
        """Migration tasks keep RUNNING until `until` on `clock` (a long schema change)."""
        self.migration_until = (clock, until)

    def autoscale(self, color: Color, desired: int) -> None:
        """Application Auto Scaling sets `color`'s desired count, as a target-tracking policy
        does whenever its metric moves (mid-deployment too); ECS follows (targets reconciled)."""
        self._ecs.update_service(
            cluster=self.outputs["ecs_cluster_name"],
            service=self.outputs[f"{color}_service_name"],
            desiredCount=desired,
        )
        self.reconcile()

    def scale_out_warming(self, color: Color, desired: int, clock: Any, warm_for: float) -> None:
        """`autoscale` out; the new tasks' targets read `initial` (the ALB's initial health
        checks, Elb.InitialHealthChecking) for `warm_for` seconds of `clock`, then healthy.
        In-process only."""
        before = self._target_ids(color)
        self.autoscale(color, desired)
        until = clock.time() + warm_for
        self._warming_clock = clock
        self.warming.update(dict.fromkeys(self._target_ids(color) - before, until))

    def _target_ids(self, color: Color) -> set[str]:
        described = self._elb.describe_target_health(
            TargetGroupArn=self.outputs[f"{color}_target_group_arn"]
        )["TargetHealthDescriptions"]
        return {str(d["Target"]["Id"]) for d in described}

    def trip_circuit_breaker(self, image: str) -> None:
        """From now on a service put on `image` is rolled back by ECS's circuit breaker: its
        task definition goes back to the previous revision, a new PRIMARY deployment runs that
        revision (COMPLETED), and its targets are the old code's, healthy. In-process only."""
        self.breaker_images.add(image)

    def reconcile(self) -> None:
        """One target per desired task in each colour's target group, as ECS keeps it."""
        with self._lock:
            for color in COLORS:
                self._reconcile(color)

    def _reconcile(self, color: Color) -> None:
        service = self._ecs.describe_services(
            cluster=self.outputs["ecs_cluster_name"],
            services=[self.outputs[f"{color}_service_name"]],
        )["services"][0]
        desired = int(service["desiredCount"])
        if self.in_server and desired and self._image(service) in self.unhealthy_images:
            desired = 0  # no after-call hook in the server: such a release never registers
        target_group = self.outputs[f"{color}_target_group_arn"]
        targets = [
            d["Target"]
            for d in self._elb.describe_target_health(TargetGroupArn=target_group)[
                "TargetHealthDescriptions"
            ]
        ]
        if len(targets) < desired:
            new = []
            for _ in range(desired - len(targets)):
                self._next_ip += 1
                new.append({"Id": f"10.0.1.{self._next_ip}", "Port": 8000})
            self._elb.register_targets(TargetGroupArn=target_group, Targets=new)
        elif len(targets) > desired:
            surplus = targets[desired:]
            self._elb.deregister_targets(
                TargetGroupArn=target_group,
                Targets=[{"Id": t["Id"], "Port": t["Port"]} for t in surplus],
            )

    def _image(self, service: dict[str, Any]) -> str:
        definition = self._ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
        return str(definition["taskDefinition"]["containerDefinitions"][0]["image"])

    def install(self, session: boto3.Session) -> None:
        """Hook the provider's session: scale on UpdateService, rewrite health and exit codes."""
        session.events.register("before-parameter-build.ecs.UpdateService", self._remember_update)
        session.events.register("after-call.ecs.UpdateService", self._after_update_service)
        session.events.register("after-call.ecs.DescribeServices", self._after_describe_services)
        session.events.register(
            "after-call.elastic-load-balancing-v2.DescribeTargetHealth", self._after_target_health
        )
        session.events.register("after-call.ecs.DescribeTasks", self._after_describe_tasks)
        session.events.register(
            "before-parameter-build.elastic-load-balancing-v2.DescribeTargetHealth",
            self._remember_target_group,
        )

    def _remember_update(self, params: dict[str, Any], **_: Any) -> None:
        self._update = dict(params)
        self._before_update = None
        if self.breaker_images and params.get("taskDefinition"):
            service = self._ecs.describe_services(
                cluster=params["cluster"], services=[params["service"]]
            )["services"][0]
            self._before_update = str(service["taskDefinition"])

    def _after_update_service(self, **_: Any) -> None:
        params, previous = self._update, self._before_update
        revision = params.get("taskDefinition")
        if revision and previous and revision != previous:
            image = self._ecs.describe_task_definition(taskDefinition=revision)["taskDefinition"][
                "containerDefinitions"
            ][0]["image"]
            if image in self.breaker_images:  # the circuit breaker gives up and rolls back
                self._ecs.update_service(
                    cluster=params["cluster"], service=params["service"], taskDefinition=previous
                )
                self.rolled_back[str(params["service"])] = previous
        self.reconcile()

    def _after_describe_services(self, parsed: dict[str, Any], **_: Any) -> None:
        for service in parsed.get("services", []):
            previous = self.rolled_back.get(service.get("serviceName"))
            if previous is None:
                continue
            service["deployments"] = [
                {
                    "id": "ecs-svc/rollback",
                    "status": "PRIMARY",
                    "taskDefinition": previous,
                    "desiredCount": service.get("desiredCount"),
                    "runningCount": service.get("desiredCount"),
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": "ECS deployment circuit breaker: rolling back to "
                    f"{previous}",
                }
            ]

    def _unhealthy_groups(self) -> set[str]:
        groups = {self.outputs[f"{c}_target_group_arn"] for c in self.unhealthy_colors}
        if self.unhealthy_images:
            for color in COLORS:
                service = self._ecs.describe_services(
                    cluster=self.outputs["ecs_cluster_name"],
                    services=[self.outputs[f"{color}_service_name"]],
                )["services"][0]
                if self._image(service) in self.unhealthy_images:
                    groups.add(self.outputs[f"{color}_target_group_arn"])
        return groups

    def _after_target_health(self, parsed: dict[str, Any], **_: Any) -> None:
        now = self._warming_clock.time() if self._warming_clock is not None else None
        for description in parsed.get("TargetHealthDescriptions", []):
            until = self.warming.get(description["Target"]["Id"])
            if until is not None and now is not None and now < until:
                description["TargetHealth"] = {
                    "State": "initial",
                    "Reason": "Elb.InitialHealthChecking",
                    "Description": "Initial health checks in progress",
                }
        if self._last_target_group in self._unhealthy_groups():
            for description in parsed.get("TargetHealthDescriptions", []):
                description["TargetHealth"] = {
                    "State": "unhealthy",
                    "Reason": "Target.FailedHealthChecks",
                    "Description": "Health checks failed",
                }

    def _remember_target_group(self, params: dict[str, Any], **_: Any) -> None:
        self._last_target_group = params.get("TargetGroupArn")

    def _after_describe_tasks(self, parsed: dict[str, Any], **_: Any) -> None:
        if (
            self.migration_until is not None
            and self.migration_until[0].time() < (self.migration_until[1])
        ):
            for task in parsed.get("tasks", []):
                if str(task.get("group", "")).startswith("bluegreen-migrate:"):
                    task["lastStatus"] = "RUNNING"
                    for container in task.get("containers", []):
                        container.pop("exitCode", None)
            return
        if self.migration_exit is None:
            return
        exit_code, reason = self.migration_exit
        for task in parsed.get("tasks", []):
            if str(task.get("group", "")).startswith("bluegreen-migrate:"):
                task["lastStatus"] = "STOPPED"
                task["stoppedReason"] = reason
                task["stopCode"] = "EssentialContainerExited"
                for container in task.get("containers", []):
                    container["exitCode"] = exit_code


class AgentThread:
    """Runs `agent.reconcile()` every `interval` seconds in the background (for moto_server)."""

    def __init__(self, agent: EcsAgentDouble, interval: float = 0.05) -> None:
        self.agent = agent
        self.interval = interval
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecs-agent-double", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.agent.reconcile()
            except Exception as exc:  # reported by the fixture after the test
                self.errors.append(exc)

    def __enter__(self) -> AgentThread:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
