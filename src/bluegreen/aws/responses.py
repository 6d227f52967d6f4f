"""Pure readers of AWS responses: what the listener, the services and the metrics say.

Each turns one response (as boto3 returns it) into the model's terms, so the provider's methods
are "call, then read" and the reading has exact-output tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bluegreen.aws.requests import APP_VERSION, METRIC_QUERY_IDS, app_container_name
from bluegreen.errors import ConfigError, PlatformError
from bluegreen.model import Color, Release, Scaling, TrafficCounters, Weights, image_tag


def weights_from_actions(
    actions: Sequence[Mapping[str, Any]], target_groups: Mapping[Color, str]
) -> Weights:
    """The blue/green weights of a listener's default actions, in percent.

    Reads the ForwardConfig form and, for a listener set up the old way, the action-level
    `TargetGroupArn` (100% to that group). Weights are normalised to percent because AWS allows
    any 0..999 integers; a listener forwarding anywhere else is a configuration error.
    """
    forward = [a for a in actions if a.get("Type") == "forward"]
    if len(forward) != 1:
        raise ConfigError(
            "the production listener has no single forward action",
            hint="check listener_arn in the Terraform outputs; it must forward to both colours",
        )
    action = forward[0]
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if not groups and action.get("TargetGroupArn"):
        groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
    by_arn = {str(g["TargetGroupArn"]): int(g.get("Weight", 1)) for g in groups}
    known = set(target_groups.values())
    strangers = sorted(set(by_arn) - known)
    if strangers:
        raise ConfigError(
            f"the production listener forwards to target groups that are neither blue nor green: "
            f"{', '.join(strangers)}",
            hint="check blue_target_group_arn, green_target_group_arn and listener_arn",
        )
    blue = by_arn.get(target_groups["blue"], 0)
    green = by_arn.get(target_groups["green"], 0)
    if blue + green == 0:
        raise PlatformError("the production listener gives weight 0 to both colours")
    blue_percent = round(100 * blue / (blue + green))
    return Weights(blue=blue_percent, green=100 - blue_percent)


def release_from_task_definition(
    task_definition: Mapping[str, Any], container_name: str | None
) -> Release:
    """The release a task definition runs: APP_VERSION from its environment, else the image tag."""
    name = app_container_name(task_definition, container_name)
    container = next(c for c in task_definition["containerDefinitions"] if c["name"] == name)
    image = str(container.get("image") or "")
    env = {str(e["name"]): str(e["value"]) for e in container.get("environment") or []}
    version = env.get(APP_VERSION) or image_tag(image) or "unknown"
    return Release(version=version, image=image, source=task_definition.get("taskDefinitionArn"))


def container_environment(
    task_definition: Mapping[str, Any], container_name: str | None
) -> dict[str, str]:
    """The application container's `environment` as a mapping."""
    name = app_container_name(task_definition, container_name)
    container = next(c for c in task_definition["containerDefinitions"] if c["name"] == name)
    return {str(e["name"]): str(e["value"]) for e in container.get("environment") or []}


def services_by_name(
    response: Mapping[str, Any], wanted: Mapping[str, str]
) -> dict[str, Mapping[str, Any]]:
    """DescribeServices result keyed by service name; a missing or inactive one is named.

    `wanted` maps each service name to the setting that names it, for the error message.
    """
    found = {
        str(s["serviceName"]): s
        for s in response.get("services") or []
        if s.get("status") != "INACTIVE"
    }
    for name, key in wanted.items():
        if name not in found:
            raise ConfigError(
                f"ECS service {name!r} does not exist (or is inactive) in the cluster",
                hint=f"check {key} (and ecs_cluster_name) in the Terraform outputs",
            )
    return found


@dataclass(frozen=True)
class TargetCounts:
    """Targets of one target group by state."""

    healthy: int
    draining: int
    unhealthy: tuple[str, ...]  # "10.0.1.7:8000 unhealthy (Target.ResponseCodeMismatch)"


def target_counts(descriptions: Sequence[Mapping[str, Any]]) -> TargetCounts:
    """Count DescribeTargetHealth's targets: healthy, draining, the rest with their reasons."""
    healthy = draining = 0
    others: list[str] = []
    for description in descriptions:
        health = description.get("TargetHealth") or {}
        state = health.get("State")
        if state == "healthy":
            healthy += 1
        elif state == "draining":
            draining += 1
        else:
            target = description.get("Target") or {}
            where = f"{target.get('Id')}:{target.get('Port')}"
            reason = health.get("Reason") or health.get("Description") or "no reason given"
            others.append(f"{where} {state} ({reason})")
    return TargetCounts(healthy=healthy, draining=draining, unhealthy=tuple(others))


def service_problems(
    service: Mapping[str, Any], stopped_tasks: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    """Fatal problems of a service's current rollout.

    Fatal means waiting longer will not help: ECS's deployment circuit breaker marked the primary
    deployment FAILED, or a task of the current revision stopped because its container exited
    with a non-zero code or could not start (image pull, secrets). Tasks stopped by scaling in,
    by ECS replacing a task that failed ELB health checks, or from older revisions are not: the
    health wait's timeout covers a release that never turns healthy.
    """
    problems: list[str] = []
    primary = next(
        (d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), None
    )
    if primary is not None and primary.get("rolloutState") == "FAILED":
        problems.append(
            f"ECS rollout failed: {primary.get('rolloutStateReason') or 'no reason given'}"
        )
    current = primary.get("taskDefinition") if primary else service.get("taskDefinition")
    group = f"service:{service.get('serviceName')}"
    for task in stopped_tasks:
        if task.get("taskDefinitionArn") != current or task.get("group") != group:
            continue
        task_id = str(task.get("taskArn", "")).rsplit("/", 1)[-1]
        codes = [c.get("exitCode") for c in task.get("containers") or []]
        failed_exit = [code for code in codes if code not in (None, 0)]
        if failed_exit or task.get("stopCode") == "TaskFailedToStart":
            reason = task.get("stoppedReason") or "no reason given"
            exit_text = f", exit code {failed_exit[0]}" if failed_exit else ""
            problems.append(f"task {task_id} stopped: {reason}{exit_text}")
    return tuple(problems)


@dataclass(frozen=True)
class Rollout:
    """Where ECS stands with the deployment our UpdateService started."""

    problem: str | None  # fatal: ECS replaced it (circuit-breaker rollback)
    settled: bool  # rolloutState COMPLETED


def primary_deployment_id(service: Mapping[str, Any]) -> str | None:
    """The id of the service's PRIMARY deployment (UpdateService's answer names ours)."""
    primary = next(
        (d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), None
    )
    return str(primary["id"]) if primary and primary.get("id") else None


def rollout_of(service: Mapping[str, Any], expected: str, deployment_id: str | None) -> Rollout:
    """Judge a service against the revision we put it on and the deployment that started.

    After ECS's circuit breaker rolls a service back, a new PRIMARY deployment runs the previous
    revision and its healthy targets look like success: the service's task definition (or a
    PRIMARY other than ours) on another revision is a fatal problem, never readiness.
    """
    name = service.get("serviceName")
    primary = next(
        (d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), None
    )
    replaced = (
        primary is not None
        and deployment_id is not None
        and primary.get("id") != deployment_id
        and primary.get("taskDefinition") != expected
    )
    if service.get("taskDefinition") != expected or replaced:
        running = primary.get("taskDefinition") if replaced and primary else None
        reason = (primary or {}).get("rolloutStateReason") or "no reason given"
        return Rollout(
            problem=f"ECS rolled service {name} back to {running or service.get('taskDefinition')}"
            f" instead of {expected} (circuit breaker: {reason})",
            settled=False,
        )
    ours = primary if primary is not None and primary.get("id") == deployment_id else None
    settled = ours is None or ours.get("rolloutState") in (None, "COMPLETED")
    return Rollout(problem=None, settled=settled)


@dataclass(frozen=True)
class TaskOutcome:
    """Where a one-off task stands: still going, succeeded, or failed with a reason."""

    stopped: bool
    succeeded: bool
    detail: str


def one_off_task_outcome(task: Mapping[str, Any], container_name: str) -> TaskOutcome:
    """Read DescribeTasks' entry for the migration task."""
    if task.get("lastStatus") != "STOPPED":
        return TaskOutcome(stopped=False, succeeded=False, detail=str(task.get("lastStatus")))
    container: Mapping[str, Any] = next(
        (c for c in task.get("containers") or [] if c.get("name") == container_name), {}
    )
    exit_code = container.get("exitCode")
    reason = task.get("stoppedReason") or container.get("reason") or "no reason given"
    if exit_code == 0:
        return TaskOutcome(stopped=True, succeeded=True, detail="exit code 0")
    code_text = (
        "no exit code (the container never ran)" if exit_code is None else f"exit code {exit_code}"
    )
    return TaskOutcome(stopped=True, succeeded=False, detail=f"{reason}; {code_text}")


def traffic_from_metrics(results: Sequence[Mapping[str, Any]], at: float) -> TrafficCounters:
    """Sum GetMetricData's per-minute values into counters since the provider's origin.

    p99 is the latest minute's value (seconds in CloudWatch, milliseconds here), None when the
    target group served nothing recently.
    """
    by_id = {str(r["Id"]): r for r in results}

    def total(query_id: str) -> int:
        values: list[float] = by_id.get(query_id, {}).get("Values") or []
        return round(sum(values))

    p99_values = by_id.get(METRIC_QUERY_IDS["p99"], {}).get("Values") or []
    return TrafficCounters(
        at=at,
        requests=total(METRIC_QUERY_IDS["requests"]),
        errors_5xx=total(METRIC_QUERY_IDS["errors"]),
        p99_ms=float(p99_values[-1]) * 1000 if p99_values else None,
    )


def deregistration_delay(attributes: Sequence[Mapping[str, Any]]) -> float:
    """The target group's `deregistration_delay.timeout_seconds` (AWS default 300)."""
    for attribute in attributes:
        if attribute.get("Key") == "deregistration_delay.timeout_seconds":
            return float(attribute.get("Value") or 300)
    return 300.0


def scaling_states(
    targets: Sequence[Mapping[str, Any]], resource_ids: Mapping[Color, str]
) -> tuple[Scaling, ...]:
    """DescribeScalableTargets' targets as each colour's suspension (colours without a scalable
    target, which do not autoscale, are left out)."""
    by_id = {str(t.get("ResourceId")): t for t in targets}
    states: list[Scaling] = []
    for color, resource_id in resource_ids.items():
        target = by_id.get(resource_id)
        if target is None:
            continue
        suspended = target.get("SuspendedState") or {}
        states.append(
            Scaling(
                color,
                dynamic_in=bool(suspended.get("DynamicScalingInSuspended")),
                dynamic_out=bool(suspended.get("DynamicScalingOutSuspended")),
                scheduled=bool(suspended.get("ScheduledScalingSuspended")),
            )
        )
    return tuple(states)


def pending_targets(
    descriptions: Sequence[Mapping[str, Any]],
    tasks: Sequence[Mapping[str, Any]],
    *,
    desired: int,
    grace: float,
    now: float,
) -> int:
    """Desired tasks of a colour that are neither healthy nor judged yet (`Health.pending`).

    Not judged yet: a desired task with no target registered (ECS still provisioning it, a
    scale-out just asked for it); a target in its initial health checks (`initial`); a target
    that is not healthy but whose task started less than the service's
    healthCheckGracePeriodSeconds ago, or has not started (ECS itself ignores the load
    balancer's verdict on it until then). Targets are matched to tasks by their private IP
    (`ip` target groups, as Fargate's awsvpc uses); a target no task names is judged.
    """
    young: set[str] = set()
    for task in tasks:
        started = task.get("startedAt")  # a datetime from boto3; absent before it starts
        started_at = started.timestamp() if isinstance(started, datetime) else started
        if started_at is None or now - float(started_at) < grace:
            young.update(task_ips(task))
    registered = [
        d for d in descriptions if (d.get("TargetHealth") or {}).get("State") != "draining"
    ]
    pending = max(desired - len(registered), 0)
    for description in registered:
        state = (description.get("TargetHealth") or {}).get("State")
        if state == "healthy":
            continue
        target_id = str((description.get("Target") or {}).get("Id"))
        if state == "initial" or target_id in young:
            pending += 1
    healthy = sum(1 for d in registered if (d.get("TargetHealth") or {}).get("State") == "healthy")
    return min(pending, max(desired - healthy, 0))


def task_ips(task: Mapping[str, Any]) -> set[str]:
    """The private IPv4 addresses of a task's ENI attachments."""
    return {
        str(detail.get("value"))
        for attachment in task.get("attachments") or []
        for detail in attachment.get("details") or []
        if detail.get("name") == "privateIPv4Address"
    }
