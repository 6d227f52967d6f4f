"""What must hold in every environment's plan, read from `terraform show -json`.

Each check takes the plan as Terraform prints it and returns the problems it finds (empty when
all is well), naming resources by address. They read resource types and attribute values, never
file layout, so they hold whatever module composes the resources.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

Plan = dict[str, Any]
WORLD = {"0.0.0.0/0", "::/0"}
COLORS = ("blue", "green")
REQUIRED_TAGS = ("Project", "Environment", "ManagedBy")


def created(plan: Plan, type_: str | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(address, type, planned values) of each managed resource the plan creates or keeps."""
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or change["change"]["actions"] == ["delete"]:
            continue
        if type_ is None or change["type"] == type_:
            yield change["address"], change["type"], change["change"]["after"] or {}


def _color(values: dict[str, Any]) -> str | None:
    tagged = (values.get("tags_all") or {}).get("Color")
    if tagged in COLORS:
        return str(tagged)
    name = str(values.get("name") or "")
    return next((c for c in COLORS if name.endswith(c) or f"-{c}-" in name), None)


################################################################################
# Traffic
################################################################################


def listener_problems(plan: Plan, live_color: str | None) -> list[str]:
    """The production listener (HTTPS on 443; a test listener elsewhere is not it) forwards to
    both colours' target groups, all weight on one colour (`live_color` when the configuration
    reads the live colour, else either)."""
    groups = {v.get("arn"): _color(v) for _, _, v in created(plan, "aws_lb_target_group")}
    listeners = [
        (a, v)
        for a, _, v in created(plan, "aws_lb_listener")
        if v.get("protocol") == "HTTPS" and v.get("port") == 443
    ]
    if not listeners:
        return ["no HTTPS listener on 443"]
    problems: list[str] = []
    for address, values in listeners:
        forwards = [
            forward
            for action in values.get("default_action") or []
            if action.get("type") == "forward"
            for forward in action.get("forward") or []
        ]
        if len(forwards) != 1:
            problems.append(f"{address}: default action is not one weighted forward")
            continue
        weights = {
            groups.get(tg.get("arn")): tg.get("weight") for tg in forwards[0]["target_group"]
        }
        if set(weights) != set(COLORS):
            problems.append(f"{address}: forwards to {sorted(map(str, weights))}, not blue+green")
            continue
        live = [color for color, weight in weights.items() if weight == 100]
        if sorted(weights.values()) != [0, 100]:
            problems.append(f"{address}: weights {weights}, expected 100 on one colour, 0 on other")
        elif live_color is not None and live != [live_color]:
            problems.append(f"{address}: weight 100 on {live}, the live colour is {live_color}")
    return problems


################################################################################
# Secrets
################################################################################

_SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY")


def _secret_stores(plan: Plan) -> tuple[set[str], set[str]]:
    """(ARNs, names) of the SSM parameters and Secrets Manager secrets the plan creates."""
    arns: set[str] = set()
    names: set[str] = set()
    for type_ in ("aws_ssm_parameter", "aws_secretsmanager_secret"):
        for _, _, values in created(plan, type_):
            arns.add(str(values.get("arn")))
            names.add(str(values.get("name")))
    return arns, names


def _container_problems(
    where: str, container: dict[str, Any], arns: set[str], names: set[str]
) -> list[str]:
    problems: list[str] = []
    secrets = container.get("secrets") or []
    if not secrets:
        problems.append(f"{where}: takes no secret from SSM or Secrets Manager")
    for secret in secrets:
        source = str(secret.get("valueFrom", ""))
        if not any(source.startswith(arn) for arn in arns) and source not in names:
            problems.append(
                f"{where}: secret {secret.get('name')} from {source!r}, not a parameter or "
                "secret this plan creates"
            )
    for variable in container.get("environment") or []:
        name = str(variable.get("name", "")).upper()
        pointer = name.endswith(("_SSM_PARAM", "_PARAMETER", "_ARN", "_NAME"))
        if any(word in name for word in _SECRET_WORDS) and not pointer:
            problems.append(f"{where}: {variable['name']} is a plain environment variable")
    return problems


def secret_problems(plan: Plan) -> list[str]:
    """Every container takes its secrets from SSM or Secrets Manager, none in plain env."""
    arns, names = _secret_stores(plan)
    definitions = list(created(plan, "aws_ecs_task_definition"))
    if not definitions:
        return ["no task definition"]
    problems: list[str] = []
    for address, _, values in definitions:
        text = values.get("container_definitions")
        if not isinstance(text, str):
            problems.append(f"{address}: container_definitions unknown in the settled plan")
            continue
        for container in json.loads(text):
            where = f"{address} container {container.get('name')}"
            problems += _container_problems(where, container, arns, names)
    return problems


################################################################################
# Network exposure
################################################################################


def _alb_security_groups(plan: Plan) -> set[str]:
    return {sg for _, _, v in created(plan, "aws_lb") for sg in v.get("security_groups") or []}


def world_ingress_problems(plan: Plan) -> list[str]:
    """Nothing is open to 0.0.0.0/0 or ::/0 but the ALB's security group on 80 and 443."""
    alb = _alb_security_groups(plan)
    problems: list[str] = []

    def judge(where: str, group: str | None, cidrs: set[str], low: Any, high: Any) -> None:
        if not cidrs & WORLD:
            return
        if group in alb and low == high and low in (80, 443):
            return
        problems.append(f"{where}: ports {low}-{high} open to {sorted(cidrs & WORLD)}")

    for address, _, v in created(plan, "aws_vpc_security_group_ingress_rule"):
        cidrs = {str(c) for c in (v.get("cidr_ipv4"), v.get("cidr_ipv6")) if c}
        judge(address, v.get("security_group_id"), cidrs, v.get("from_port"), v.get("to_port"))
    for address, _, v in created(plan, "aws_security_group_rule"):
        if v.get("type") == "ingress":
            cidrs = set(v.get("cidr_blocks") or []) | set(v.get("ipv6_cidr_blocks") or [])
            judge(address, v.get("security_group_id"), cidrs, v.get("from_port"), v.get("to_port"))
    for kind in ("aws_security_group", "aws_default_security_group"):
        for address, _, v in created(plan, kind):
            for rule in v.get("ingress") or []:
                cidrs = set(rule.get("cidr_blocks") or []) | set(rule.get("ipv6_cidr_blocks") or [])
                judge(address, v.get("id"), cidrs, rule.get("from_port"), rule.get("to_port"))
    return problems


################################################################################
# Tags
################################################################################


def tag_problems(plan: Plan, taggable: set[str], environment: str) -> list[str]:
    """Every resource of a taggable type carries the project's tags (tags_all, with defaults)."""
    problems: list[str] = []
    for address, type_, values in created(plan):
        if type_ not in taggable:
            continue
        tags = values.get("tags_all")
        if not isinstance(tags, dict):
            problems.append(f"{address}: tags_all is {tags!r}")
            continue
        missing = [key for key in REQUIRED_TAGS if not tags.get(key)]
        if missing:
            problems.append(f"{address}: missing tags {missing}")
        elif tags["Environment"] != environment:
            problems.append(f"{address}: Environment={tags['Environment']}, not {environment}")
    return problems


################################################################################
# Database
################################################################################


def database_problems(plan: Plan) -> list[str]:
    """RDS instances and clusters are private, encrypted, and hold no password in the plan."""
    problems: list[str] = []
    for address, _, v in created(plan, "aws_db_instance"):
        if v.get("publicly_accessible"):
            problems.append(f"{address}: publicly accessible")
        if v.get("storage_encrypted") is not True:
            problems.append(f"{address}: storage not encrypted")
        if v.get("password"):
            problems.append(f"{address}: password in the plan")
    for address, _, v in created(plan, "aws_rds_cluster"):
        if v.get("storage_encrypted") is not True:
            problems.append(f"{address}: storage not encrypted")
    return problems


################################################################################
# The controller's contract
################################################################################


def output_problems(plan: Plan, required: tuple[str, ...] | list[str]) -> list[str]:
    """Every output the controller requires is planned, and not empty where it is known."""
    outputs = plan.get("output_changes", {})
    problems: list[str] = []
    for key in required:
        if key not in outputs:
            problems.append(f"output {key} missing")
        elif not outputs[key].get("after_unknown") and not outputs[key].get("after"):
            problems.append(f"output {key} is empty")
    return problems
