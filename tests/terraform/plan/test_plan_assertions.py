"""What every environment's plan must hold, read from `terraform show -json`.

The assertions read the settled plan (computed values as apply would leave them, see
tests/terraform/offline/settled.py), since ARNs hide what they check behind unknowns in a real
plan. Each check is also fed a doctored plan to show that it flags what it is for.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen.aws.outputs import REQUIRED_KEYS
from tests.terraform.offline.runner import EnvironmentPlan
from tests.terraform.offline.schema import aws_schema
from tests.terraform.plan import checks
from tests.terraform.plan.conftest import ENVIRONMENTS

Plan = dict[str, Any]
Settled = Callable[[str], Plan]


def taggable() -> set[str]:
    schemas = aws_schema()["resource_schemas"]
    return {t for t, s in schemas.items() if "tags" in s["block"]["attributes"]}


def live_color_read(plan: Plan) -> str | None:
    """The live colour the plan read from SSM, if the configuration reads it at all."""
    stack = [plan.get("prior_state", {}).get("values", {}).get("root_module", {})]
    while stack:
        module = stack.pop()
        stack += module.get("child_modules", [])
        for resource in module.get("resources", []):
            if resource["mode"] == "data" and resource["type"] == "aws_ssm_parameter":
                value = resource["values"].get("insecure_value")
                if value in checks.COLORS:
                    return str(value)
    return None


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_listener_forwards_to_both_colours_with_weights(environment: str, settled: Settled) -> None:
    plan = settled(environment)
    assert checks.listener_problems(plan, live_color_read(plan)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_task_definition_takes_its_secrets_from_ssm(
    environment: str, settled: Settled
) -> None:
    assert checks.secret_problems(settled(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_only_the_alb_is_open_to_the_internet_on_80_and_443(
    environment: str, settled: Settled
) -> None:
    assert checks.world_ingress_problems(settled(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_taggable_resource_is_tagged(environment: str, settled: Settled) -> None:
    assert checks.tag_problems(settled(environment), taggable(), environment) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_database_is_private_and_encrypted(environment: str, settled: Settled) -> None:
    assert checks.database_problems(settled(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_controller_outputs_are_all_planned(
    environment: str, settled: Settled, planned: Callable[[str], EnvironmentPlan]
) -> None:
    assert checks.output_problems(settled(environment), REQUIRED_KEYS) == []
    unknown = planned(environment).plan
    assert unknown is not None
    assert checks.output_problems(unknown, REQUIRED_KEYS) == []


################################################################################
# Each check flags the mistake it is for
################################################################################


@pytest.fixture(scope="module")
def sample(settled: Settled) -> Plan:
    return settled(ENVIRONMENTS[0])


def _edit(plan: Plan, type_: str, edit: Callable[[dict[str, Any]], None], nth: int = 0) -> Plan:
    doctored = copy.deepcopy(plan)
    changes = [c for c in doctored["resource_changes"] if c["type"] == type_]
    edit(changes[nth]["change"]["after"])
    return doctored


def test_listener_check_flags_a_single_target_group(sample: Plan) -> None:
    def one_group(values: dict[str, Any]) -> None:
        for action in values["default_action"]:
            for forward in action["forward"]:
                forward["target_group"] = forward["target_group"][:1]

    https = next(
        i
        for i, (_, _, v) in enumerate(checks.created(sample, "aws_lb_listener"))
        if v.get("protocol") == "HTTPS"
    )
    problems = checks.listener_problems(_edit(sample, "aws_lb_listener", one_group, https), None)
    assert len(problems) == 1
    assert "not blue+green" in problems[0]


def test_listener_check_flags_weights_on_the_wrong_colour(sample: Plan) -> None:
    live = live_color_read(sample) or "blue"
    other = "green" if live == "blue" else "blue"
    problems = checks.listener_problems(sample, other)
    assert len(problems) == 1
    assert f"the live colour is {other}" in problems[0]


def test_secret_check_flags_a_password_in_plain_environment(sample: Plan) -> None:
    def plain(values: dict[str, Any]) -> None:
        containers = json.loads(values["container_definitions"])
        containers[0]["environment"].append({"name": "DB_PASSWORD", "value": "hunter2"})
        containers[0]["secrets"] = []
        values["container_definitions"] = json.dumps(containers)

    problems = checks.secret_problems(_edit(sample, "aws_ecs_task_definition", plain))
    assert any("takes no secret" in p for p in problems)
    assert any("DB_PASSWORD is a plain environment variable" in p for p in problems)


def test_secret_check_flags_a_secret_from_elsewhere(sample: Plan) -> None:
    def elsewhere(values: dict[str, Any]) -> None:
        containers = json.loads(values["container_definitions"])
        containers[0]["secrets"] = [{"name": "DB_PASSWORD", "valueFrom": "s3://bucket/pw"}]
        values["container_definitions"] = json.dumps(containers)

    problems = checks.secret_problems(_edit(sample, "aws_ecs_task_definition", elsewhere))
    assert len(problems) == 1
    assert "not a parameter or secret this plan creates" in problems[0]


def test_ingress_check_flags_ssh_open_to_the_world(sample: Plan) -> None:
    def ssh(values: dict[str, Any]) -> None:
        values.update(cidr_ipv4="0.0.0.0/0", from_port=22, to_port=22)

    problems = checks.world_ingress_problems(
        _edit(sample, "aws_vpc_security_group_ingress_rule", ssh)
    )
    assert len(problems) == 1
    assert "ports 22-22 open to ['0.0.0.0/0']" in problems[0]


def test_ingress_check_flags_443_open_on_the_tasks_group(sample: Plan) -> None:
    rules = list(checks.created(sample, "aws_vpc_security_group_ingress_rule"))
    alb = checks._alb_security_groups(sample)
    inner = next(i for i, (_, _, v) in enumerate(rules) if v["security_group_id"] not in alb)

    def world(values: dict[str, Any]) -> None:
        values.update(cidr_ipv4="0.0.0.0/0", from_port=443, to_port=443)

    problems = checks.world_ingress_problems(
        _edit(sample, "aws_vpc_security_group_ingress_rule", world, inner)
    )
    assert len(problems) == 1


def test_tag_check_flags_an_untagged_resource(sample: Plan) -> None:
    def untagged(values: dict[str, Any]) -> None:
        values["tags_all"] = {"Name": "x"}

    problems = checks.tag_problems(
        _edit(sample, "aws_security_group", untagged), taggable(), ENVIRONMENTS[0]
    )
    assert len(problems) == 1
    assert "missing tags ['Project', 'Environment', 'ManagedBy']" in problems[0]


def test_database_check_flags_a_public_unencrypted_instance(sample: Plan) -> None:
    def public(values: dict[str, Any]) -> None:
        values.update(publicly_accessible=True, storage_encrypted=False)

    problems = checks.database_problems(_edit(sample, "aws_db_instance", public))
    assert len(problems) == 2


def test_output_check_flags_a_missing_output(sample: Plan) -> None:
    doctored = copy.deepcopy(sample)
    del doctored["output_changes"][REQUIRED_KEYS[0]]
    assert checks.output_problems(doctored, REQUIRED_KEYS) == [f"output {REQUIRED_KEYS[0]} missing"]
