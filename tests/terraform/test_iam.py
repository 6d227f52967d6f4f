"""IAM: no wildcard beyond the commented exceptions; the deploy role is the controller's list."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.terraform.tfhelpers import (
    MODULES,
    TERRAFORM,
    Body,
    Module,
    parse,
    sub_blocks,
    typed,
    unquote,
)

# Actions AWS authorises on "*" only (no resource-level permissions).
STAR_RESOURCE_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "ecs:DescribeTaskDefinition",
    "ecs:RegisterTaskDefinition",
    "ecs:ListTasks",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "cloudwatch:GetMetricData",
    "application-autoscaling:DescribeScalableTargets",
}

# The brief's list of the controller's calls (a third witness next to the local and the JSON).
CONTROLLER_ACTIONS = {
    "ecs:DescribeServices", "ecs:UpdateService", "ecs:DescribeTaskDefinition",
    "ecs:RegisterTaskDefinition", "ecs:RunTask", "ecs:DescribeTasks", "ecs:ListTasks",
    "ecs:TagResource",  # tag-on-create: a new revision carries the running one's tags
    "iam:PassRole",
    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeRules", "elasticloadbalancing:ModifyListener",
    # scale-in held during a deployment, put back after (SuspendedState only)
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:RegisterScalableTarget",
    "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData",
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    "dynamodb:Query",
    "ssm:GetParameter", "ssm:PutParameter",
    "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage",
}  # fmt: skip


def strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(unquote(v)) for v in value]
    return [str(unquote(value))]


def key_policy_documents(body: Body) -> set[str]:
    return {
        m
        for type_, _, block in typed(body, "resource")
        if type_ == "aws_kms_key"
        for m in re.findall(r"data\.aws_iam_policy_document\.(\w+)\.json", str(block.get("policy")))
    }


def boundary_documents(body: Body) -> set[str]:
    """Documents used only as a permissions boundary: their "*" is a ceiling, never a grant."""
    policies = {
        name: doc
        for type_, name, block in typed(body, "resource")
        if type_ == "aws_iam_policy"
        for doc in re.findall(
            r"data\.aws_iam_policy_document\.(\w+)\.json", str(block.get("policy"))
        )
    }
    # Used as a boundary: on a role, or as the boundary a role must carry to be written.
    bounds = " ".join(
        [
            str(block.get("permissions_boundary", ""))
            for type_, _, block in typed(body, "resource")
            if type_ == "aws_iam_role"
        ]
        + [
            str(condition.get("values", ""))
            for _, statement in policy_statements(body)
            for condition in sub_blocks(statement, "condition")
            if unquote(condition.get("variable")) == "iam:PermissionsBoundary"
        ]
    )
    granting = " ".join(
        f"{block.get('policy', '')} {block.get('policy_arn', '')}"
        for type_, _, block in typed(body, "resource")
        if type_
        in ("aws_iam_role_policy", "aws_iam_policy_attachment", "aws_iam_role_policy_attachment")
    )
    return {
        doc
        for name, doc in policies.items()
        if f"aws_iam_policy.{name}.arn" in bounds and f"aws_iam_policy.{name}" not in granting
    }


def resolve_actions(value: object, body: Body) -> list[str]:
    """Actions given as local.controller_actions.<group> resolve to that group's list."""
    match = re.fullmatch(r"\$\{local\.controller_actions\.(\w+)\}", str(value))
    if not match:
        return strings(value)
    groups = {k: v for entry in body.get("locals", []) for k, v in entry.items()}
    return strings(groups["controller_actions"][match.group(1)])


def policy_statements(body: Body) -> Iterator[tuple[str, Body]]:
    for type_, name, block in typed(body, "data"):
        if type_ == "aws_iam_policy_document":
            for statement in sub_blocks(block, "statement"):
                yield name, statement


def wildcard_problems(text: str) -> list[str]:
    """Allow statements: no wildcard action except a key policy's account statement; resource "*"
    only for actions AWS authorises on "*" (or a key policy, where "*" is the key itself);
    every resource holding a "*" carries a comment saying why."""
    body = parse(text)
    keys = key_policy_documents(body)
    boundaries = boundary_documents(body)
    problems: list[str] = []
    for document, statement in policy_statements(body):
        if str(unquote(statement.get("effect", "Allow"))) == "Deny" or document in boundaries:
            continue
        where = f"{document}/{unquote(statement.get('sid', '?'))}"
        actions = resolve_actions(statement.get("actions", []), body)
        resources = strings(statement.get("resources", []))
        account_root = any(
            "root" in str(p.get("identifiers")) for p in sub_blocks(statement, "principals")
        )
        for action in actions:
            if "*" in action and not (document in keys and account_root and action == "kms:*"):
                problems.append(f"{where}: wildcard action {action}")
        if "*" in resources and document not in keys:
            problems += [
                f"{where}: {a} on resource *" for a in actions if a not in STAR_RESOURCE_ACTIONS
            ]
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"\s*resources\s*=.*\*", line) and "#" not in line:
            above = lines[number - 1].strip() if number else ""
            if not above.startswith("#"):
                problems.append(f"line {number + 1}: wildcard resource without a comment")
    return problems


ALL_FILES = sorted(TERRAFORM.rglob("*.tf"))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_no_iam_wildcard_beyond_the_commented_exceptions(path: Path) -> None:
    assert wildcard_problems(path.read_text()) == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            'data "aws_iam_policy_document" "p" {\n  statement {\n    sid = "S"\n'
            '    actions = ["s3:*"]\n    resources = ["arn:aws:s3:::b"]\n  }\n}\n',
            ["p/S: wildcard action s3:*"],
        ),
        (
            'data "aws_iam_policy_document" "p" {\n  statement {\n    sid = "S"\n'
            '    actions = ["ssm:GetParameter"]\n    # all of them\n'
            '    resources = ["*"]\n  }\n}\n',
            ["p/S: ssm:GetParameter on resource *"],
        ),
        (
            'data "aws_iam_policy_document" "p" {\n  statement {\n    sid = "S"\n'
            '    actions = ["ecr:GetAuthorizationToken"]\n    resources = ["*"]\n  }\n}\n',
            ["line 5: wildcard resource without a comment"],
        ),
        (
            'data "aws_iam_policy_document" "b" {\n  statement {\n    sid = "S"\n'
            '    actions = ["*"]\n    # ceiling\n    resources = ["*"]\n  }\n}\n\n'
            'resource "aws_iam_policy" "b" {\n  policy = data.aws_iam_policy_document.b.json\n}\n\n'
            'resource "aws_iam_role" "r" {\n  permissions_boundary = aws_iam_policy.b.arn\n}\n\n'
            'resource "aws_iam_role_policy_attachment" "a" {\n'
            "  policy_arn = aws_iam_policy.b.arn\n}\n",
            ["b/S: wildcard action *", "b/S: * on resource *"],
        ),
    ],
    ids=[
        "wildcard-action",
        "star-resource-for-scopable-action",
        "uncommented-star",
        "boundary-also-attached-as-a-grant",
    ],
)
def test_wildcard_check_flags_broad_statements(snippet: str, expected: list[str]) -> None:
    assert wildcard_problems(snippet) == expected


def test_statements_on_star_are_exactly_the_ones_aws_requires(
    all_directories: list[Module],
) -> None:
    on_star = {
        (module.path.name, document, str(unquote(statement.get("sid"))))
        for module in all_directories
        for body in module.files.values()
        for document, statement in policy_statements(body)
        if document not in key_policy_documents(body) | boundary_documents(body)
        and str(unquote(statement.get("effect", "Allow"))) == "Allow"
        and strings(statement.get("resources", [])) == ["*"]
    }
    assert on_star == {
        ("iam", "task_exec", "EcrAuthToken"),
        ("cicd", "deploy", "EcsTaskDefinitions"),
        ("cicd", "deploy", "EcsListTasks"),
        ("cicd", "deploy", "ElbDescribe"),
        ("cicd", "deploy", "ScalingDescribe"),
        ("cicd", "deploy", "MetricsRead"),
        ("cicd", "deploy", "EcrAuth"),
    }


def controller_local(modules: dict[str, Module]) -> dict[str, list[str]]:
    groups = modules["cicd"].locals["controller_actions"]
    return {sid: strings(actions) for sid, actions in groups.items()}


def test_controller_actions_local_equals_the_shared_json_file(modules: dict[str, Module]) -> None:
    shared = json.loads((MODULES / "cicd" / "controller-actions.json").read_text())
    assert controller_local(modules) == {sid: group["actions"] for sid, group in shared.items()}


def test_controller_actions_are_exactly_the_controllers_calls(modules: dict[str, Module]) -> None:
    flat = [a for actions in controller_local(modules).values() for a in actions]
    assert len(flat) == len(set(flat))
    assert set(flat) == CONTROLLER_ACTIONS


def test_deploy_role_grants_each_action_group_once_and_nothing_else(
    modules: dict[str, Module],
) -> None:
    body = modules["cicd"].files["main.tf"]
    statements = {
        str(unquote(s["sid"])): s["actions"]
        for doc, s in policy_statements(body)
        if doc == "deploy"
    }
    assert statements == {
        sid: f"${{local.controller_actions.{sid}}}" for sid in controller_local(modules)
    }


def test_pass_role_is_limited_to_the_task_roles_and_ecs_tasks(modules: dict[str, Module]) -> None:
    body = modules["cicd"].files["main.tf"]
    (statement,) = [
        s for d, s in policy_statements(body) if d == "deploy" and "PassTaskRoles" in str(s["sid"])
    ]
    assert statement["resources"] == ["${var.task_role_arn}", "${var.task_execution_role_arn}"]
    (condition,) = sub_blocks(statement, "condition")
    assert strings(condition["values"]) == ["ecs-tasks.amazonaws.com"]
    assert unquote(condition["variable"]) == "iam:PassedToService"


@pytest.mark.parametrize(
    ("module", "call", "role"),
    [
        ("cicd", "deploy_trust", "deploy"),
        ("cicd", "outputs_reader_trust", "outputs_reader"),
        ("terraform_role", "terraform_trust", "terraform"),
    ],
)
def test_github_roles_trust_exact_subjects_only(
    module: str, call: str, role: str, modules: dict[str, Module]
) -> None:
    """Each GitHub role takes its trust from the one github_oidc_trust module."""
    assert modules[module].resource("aws_iam_role", role)["assume_role_policy"] == (
        f"${{module.{call}.json}}"
    )
    assert unquote(modules[module].module_calls[call]["source"]) == "../github_oidc_trust"
    body = modules["github_oidc_trust"].files["main.tf"]
    (statement,) = [s for d, s in policy_statements(body) if d == "this"]
    conditions = {str(unquote(c["variable"])): c for c in sub_blocks(statement, "condition")}
    sub = conditions["token.actions.githubusercontent.com:sub"]
    assert unquote(sub["test"]) == "StringEquals"
    assert "*" not in str(sub["values"])
    assert unquote(conditions["token.actions.githubusercontent.com:aud"]["test"]) == "StringEquals"


def test_deploy_role_trusts_the_deploy_environments(modules: dict[str, Module]) -> None:
    assert modules["cicd"].module_calls["deploy_trust"]["environments"] == (
        "${var.deploy_environments}"
    )
    body = modules["github_oidc_trust"].files["main.tf"]
    trust = next(s for d, s in policy_statements(body) if d == "this")
    trust_sub = next(c for c in sub_blocks(trust, "condition") if "sub" in str(c["variable"]))
    assert trust_sub["values"] == (
        "${[for environment in var.environments : "
        '"repo:${var.github_repository}:environment:${environment}"]}'
    )
