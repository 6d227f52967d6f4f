"""Arguments and blocks of our AWS resources against the provider schema, offline.

The schema comes from the jsii assembly inside the cdktf-cdktf-provider-aws wheel (AWS provider
6.25.0): an unknown argument or block is what `terraform validate` would reject.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.tfhelpers import (
    META_ARGUMENTS,
    TERRAFORM,
    Body,
    Module,
    SchemaNode,
    is_block_list,
    parse,
    typed,
    unquote,
)


def schema_problems(body: Body, node: SchemaNode, where: str, *, top: bool = True) -> list[str]:
    problems: list[str] = []
    for key, value in body.items():
        if key.startswith("__") or (top and key in META_ARGUMENTS):
            continue
        if key == "dynamic":
            for entry in value:
                for label, dynamic in entry.items():
                    name = str(unquote(label))
                    if name not in node["blocks"]:
                        problems.append(f"{where}: unknown block {name}")
                        continue
                    for content in dynamic.get("content", []):
                        problems += schema_problems(
                            content, node["blocks"][name], f"{where}.{name}", top=False
                        )
            continue
        if is_block_list(value):
            if key not in node["blocks"]:
                problems.append(f"{where}: unknown block {key}")
                continue
            for block in value:
                problems += schema_problems(block, node["blocks"][key], f"{where}.{key}", top=False)
        elif key not in node["attributes"]:
            kind = "a block, not an argument" if key in node["blocks"] else "an unknown argument"
            problems.append(f"{where}: {key} is {kind}")
    return problems


def file_problems(body: Body, schema: dict[str, SchemaNode]) -> list[str]:
    problems: list[str] = []
    for kind in ("resource", "data"):
        for type_, name, block in typed(body, kind):
            if not type_.startswith("aws_"):
                continue
            node = schema.get(f"{kind}.{type_}")
            if node is None:
                problems.append(f"{kind}.{type_}.{name}: no such {kind} type in the AWS provider")
                continue
            problems += schema_problems(block, node, f"{type_}.{name}")
    return problems


def test_schema_knows_the_resources_we_rely_on(aws_schema: dict[str, Any]) -> None:
    service = aws_schema["resource.aws_ecs_service"]
    assert "desired_count" in service["attributes"]
    assert "enable" in service["blocks"]["deployment_circuit_breaker"]["attributes"]
    assert (
        "weight"
        in aws_schema["resource.aws_lb_listener"]["blocks"]["default_action"]["blocks"]["forward"][
            "blocks"
        ]["target_group"]["attributes"]
    )
    assert "with_decryption" in aws_schema["data.aws_ssm_parameter"]["attributes"]
    assert "web_acl_arn" in aws_schema["resource.aws_wafv2_web_acl_association"]["attributes"]


def test_every_aws_resource_uses_only_arguments_the_provider_knows(
    all_directories: list[Module], aws_schema: dict[str, SchemaNode]
) -> None:
    problems = [
        f"{module.path.relative_to(TERRAFORM)}/{name}: {problem}"
        for module in all_directories
        for name, body in module.files.items()
        for problem in file_problems(body, aws_schema)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            'resource "aws_ecs_service" "x" {\n  name = "a"\n  desired_cont = 1\n}\n',
            "aws_ecs_service.x: desired_cont is an unknown argument",
        ),
        (
            'resource "aws_lb_target_group" "x" {\n  helth_check {\n    path = "/"\n  }\n}\n',
            "aws_lb_target_group.x: unknown block helth_check",
        ),
        (
            'resource "aws_ecs_service" "x" {\n  deployment_circuit_breaker = {}\n}\n',
            "aws_ecs_service.x: deployment_circuit_breaker is a block, not an argument",
        ),
        (
            'resource "aws_lb_listener" "x" {\n  default_action {\n    forward {\n'
            '      target_group {\n        arn = "a"\n        wieght = 1\n      }\n    }\n  }\n}\n',
            "aws_lb_listener.x.default_action.forward.target_group: wieght is an unknown argument",
        ),
        (
            'resource "aws_lb" "x" {\n  dynamic "acces_logs" {\n    for_each = []\n'
            '    content {\n      bucket = "b"\n    }\n  }\n}\n',
            "aws_lb.x: unknown block acces_logs",
        ),
        (
            'data "aws_ssm_parameters" "x" {\n  name = "a"\n}\n',
            "data.aws_ssm_parameters.x: no such data type in the AWS provider",
        ),
    ],
    ids=["misspelt-argument", "misspelt-block", "block-as-argument", "nested", "dynamic", "type"],
)
def test_schema_check_flags_what_terraform_validate_would_reject(
    snippet: str, expected: str, aws_schema: dict[str, SchemaNode]
) -> None:
    assert file_problems(parse(snippet), aws_schema) == [expected]
