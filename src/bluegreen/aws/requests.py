"""Pure builders of the AWS request bodies the provider sends; each has an exact-output test.

Nothing here performs I/O: the provider reads the current state, hands it to these functions
and sends what they return, so the shape of every mutating call is decided in one place.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bluegreen.errors import ConfigError
from bluegreen.model import Color, Scaling, Weights

# Fields DescribeTaskDefinition returns that RegisterTaskDefinition rejects or ignores: they
# describe a registered revision rather than define one.
READ_ONLY_TASK_DEFINITION_FIELDS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",  # set on a revision marked for deletion; RegisterTaskDefinition rejects it
    "inferenceAccelerators",  # deprecated with Elastic Inference; an empty list is refused
)

APP_VERSION = "APP_VERSION"


def strip_read_only(task_definition: Mapping[str, Any]) -> dict[str, Any]:
    """A described task definition as a RegisterTaskDefinition body (read-only fields out)."""
    return {
        key: copy.deepcopy(value)
        for key, value in task_definition.items()
        if key not in READ_ONLY_TASK_DEFINITION_FIELDS
    }


def forward_action(weights: Weights, target_groups: Mapping[Color, str]) -> list[dict[str, Any]]:
    """The listener's default action: forward to BOTH target groups with their weights.

    Both groups are always listed, even at weight 0, so one call moves traffic either way; the
    action never carries an action-level `TargetGroupArn` (AWS rejects it next to ForwardConfig,
    the seed's issue 4). Stickiness across groups stays off, or clients would stay pinned to
    the old colour while the weights move.
    """
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": target_groups["blue"], "Weight": weights.blue},
                    {"TargetGroupArn": target_groups["green"], "Weight": weights.green},
                ],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]


def modify_listener_request(
    listener_arn: str, weights: Weights, target_groups: Mapping[Color, str]
) -> dict[str, Any]:
    """ModifyListener body that sets `weights` on the production listener."""
    return {"ListenerArn": listener_arn, "DefaultActions": forward_action(weights, target_groups)}


def pin_listener_request(
    listener_arn: str, color: Color, target_groups: Mapping[Color, str]
) -> dict[str, Any]:
    """ModifyListener body that sends everything on the test listener to `color`."""
    return modify_listener_request(listener_arn, Weights.all_on(color), target_groups)


def _app_container(definitions: Sequence[Mapping[str, Any]], container_name: str | None) -> int:
    """Index of the application container: the named one, or the only one."""
    if container_name is None:
        if len(definitions) != 1:
            names = ", ".join(str(d.get("name")) for d in definitions)
            raise ConfigError(
                f"the task definition has {len(definitions)} containers ({names}): "
                "say which one runs the application",
                hint="set [aws] container_name in bluegreen.toml (or the container_name output)",
            )
        return 0
    for index, definition in enumerate(definitions):
        if definition.get("name") == container_name:
            return index
    raise ConfigError(
        f"the task definition has no container named {container_name!r}",
        hint="check [aws] container_name in bluegreen.toml",
    )


def app_container_name(task_definition: Mapping[str, Any], container_name: str | None) -> str:
    """Name of the application container of `task_definition`."""
    definitions = task_definition.get("containerDefinitions") or []
    return str(definitions[_app_container(definitions, container_name)]["name"])


def register_task_definition_request(
    current: Mapping[str, Any],
    *,
    image: str,
    version: str,
    container_name: str | None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """RegisterTaskDefinition body: `current` with the app container's image and APP_VERSION set,
    and the release's environment (`--env`) set over the container's.

    Everything else (roles, CPU/memory, logging, secrets, other containers) is kept as it is, so
    the new revision differs from the running one in exactly the release.
    """
    body = strip_read_only(current)
    # Tags come with DescribeTaskDefinition(include=["TAGS"]) beside the definition; the provider
    # keeps them under "tags". They are carried over (cost allocation, ABAC), or left out: AWS
    # refuses an empty list.
    if not body.get("tags"):
        body.pop("tags", None)
    definitions: list[dict[str, Any]] = body.get("containerDefinitions") or []
    container = definitions[_app_container(definitions, container_name)]
    container["image"] = image
    container["environment"] = with_environment(
        container.get("environment") or [], {**(env or {}), APP_VERSION: version}
    )
    return body


def with_environment(
    environment: Sequence[Mapping[str, Any]], values: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A container's `environment` list with `values` set (replacing, then appending, by name)."""
    kept = [dict(e) for e in environment if e.get("name") not in values]
    return [*kept, *({"name": k, "value": v} for k, v in values.items())]


def migration_run_task_request(
    *,
    cluster: str,
    task_definition_arn: str,
    service: Mapping[str, Any],
    container_name: str,
    command: Sequence[str],
    version: str,
    client_token: str | None = None,
) -> dict[str, Any]:
    """RunTask body for the one-off migration, placed and networked like the service's tasks.

    `client_token` makes RunTask idempotent: a retry of the same call (a timeout whose answer
    was lost) gets the task already started instead of a second migration.
    """
    request: dict[str, Any] = {
        "cluster": cluster,
        "taskDefinition": task_definition_arn,
        "count": 1,
        "startedBy": "bluegreen-migrate",
        # The group keeps the migration apart from the service's tasks in ListTasks/console.
        "group": f"bluegreen-migrate:{version}"[:255],
        "networkConfiguration": copy.deepcopy(dict(service["networkConfiguration"])),
        "overrides": {"containerOverrides": [{"name": container_name, "command": list(command)}]},
    }
    if service.get("capacityProviderStrategy"):
        request["capacityProviderStrategy"] = copy.deepcopy(service["capacityProviderStrategy"])
    else:
        request["launchType"] = service.get("launchType") or "FARGATE"
    if service.get("platformVersion"):
        request["platformVersion"] = service["platformVersion"]
    if client_token is not None:
        request["clientToken"] = client_token
    return request


def update_service_request(
    *, cluster: str, service: str, desired_count: int, task_definition_arn: str | None = None
) -> dict[str, Any]:
    """UpdateService body: scale `service`, on a new revision when one is given."""
    request: dict[str, Any] = {
        "cluster": cluster,
        "service": service,
        "desiredCount": desired_count,
    }
    if task_definition_arn is not None:
        request["taskDefinition"] = task_definition_arn
    return request


def arn_resource_suffix(arn: str, marker: str) -> str:
    """The part of an ELB ARN CloudWatch uses as a dimension: from `marker` to the end.

    `…:targetgroup/app-blue/73e2d6bc24d8a067` -> `targetgroup/app-blue/73e2d6bc24d8a067`,
    `…:loadbalancer/app/app/50dc6c495c0c9188` -> `app/app/50dc6c495c0c9188`.
    """
    _, found, rest = arn.partition(f":{marker}")
    if not found:
        raise ConfigError(f"{arn!r} is not an ELB {marker.rstrip('/')} ARN")
    return rest if marker == "loadbalancer/" else marker + rest


METRIC_QUERY_IDS = {"requests": "requests", "errors": "errors5xx", "p99": "p99"}


def target_group_metrics_request(
    *,
    target_group_arn: str,
    load_balancer_arn: str,
    start: datetime,
    end: datetime,
    period: int = 60,
) -> dict[str, Any]:
    """GetMetricData body: RequestCount and HTTPCode_Target_5XX_Count sums, TargetResponseTime p99.

    Per-target-group ALB metrics carry both the TargetGroup and the LoadBalancer dimension.
    """
    dimensions = [
        {"Name": "TargetGroup", "Value": arn_resource_suffix(target_group_arn, "targetgroup/")},
        {"Name": "LoadBalancer", "Value": arn_resource_suffix(load_balancer_arn, "loadbalancer/")},
    ]

    def query(query_id: str, metric: str, stat: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": metric,
                    "Dimensions": copy.deepcopy(dimensions),
                },
                "Period": period,
                "Stat": stat,
            },
            "ReturnData": True,
        }

    return {
        "MetricDataQueries": [
            query(METRIC_QUERY_IDS["requests"], "RequestCount", "Sum"),
            query(METRIC_QUERY_IDS["errors"], "HTTPCode_Target_5XX_Count", "Sum"),
            query(METRIC_QUERY_IDS["p99"], "TargetResponseTime", "p99"),
        ],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }


def put_live_color_request(parameter: str, color: Color) -> dict[str, Any]:
    """PutParameter body recording the live colour for Terraform to read."""
    return {"Name": parameter, "Value": color, "Type": "String", "Overwrite": True}


ECS_NAMESPACE = "ecs"
ECS_DESIRED_COUNT = "ecs:service:DesiredCount"


def scalable_target_id(cluster: str, service: str) -> str:
    """Application Auto Scaling's ResourceId of an ECS service: `service/<cluster>/<service>`."""
    return f"service/{cluster}/{service}"


def describe_scalable_targets_request(cluster: str, services: Sequence[str]) -> dict[str, Any]:
    """DescribeScalableTargets body for the services' desired counts (both colours, one call)."""
    return {
        "ServiceNamespace": ECS_NAMESPACE,
        "ResourceIds": [scalable_target_id(cluster, s) for s in services],
        "ScalableDimension": ECS_DESIRED_COUNT,
    }


def suspend_scaling_request(cluster: str, service: str, state: Scaling) -> dict[str, Any]:
    """RegisterScalableTarget body that sets only the suspended state of `service`'s target.

    Min and max capacity are left out: on an existing target AWS changes only what the
    request names (Terraform owns the capacities; the controller only SuspendedState).
    """
    return {
        "ServiceNamespace": ECS_NAMESPACE,
        "ResourceId": scalable_target_id(cluster, service),
        "ScalableDimension": ECS_DESIRED_COUNT,
        "SuspendedState": {
            "DynamicScalingInSuspended": state.dynamic_in,
            "DynamicScalingOutSuspended": state.dynamic_out,
            "ScheduledScalingSuspended": state.scheduled,
        },
    }
