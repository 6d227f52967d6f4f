"""The roles GitHub Actions assumes: who they trust, and that none can raise its own powers."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

import pytest

from tests.terraform.tfhelpers import (
    REPO,
    TERRAFORM,
    Body,
    Module,
    labelled,
    parse,
    sub_blocks,
    typed,
    unquote,
)

# IAM actions that give a role more power (a policy, a managed policy, a looser boundary, a
# new trust) and therefore must never reach the Terraform role's own role.
ESCALATING = (
    "iam:AttachRolePolicy",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)
# Allowing these on a role grants it permissions: only on roles that carry the boundary.
GRANTING = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
)


def strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(unquote(v)) for v in value]
    return [str(unquote(value))]


def statements(body: Body, document: str) -> list[Body]:
    return [
        s
        for type_, name, block in typed(body, "data")
        if type_ == "aws_iam_policy_document" and name == document
        for s in sub_blocks(block, "statement")
    ]


def conditions(statement: Body) -> dict[str, Body]:
    return {str(unquote(c["variable"])): c for c in sub_blocks(statement, "condition")}


def covers(patterns: list[str], action: str) -> bool:
    return any(fnmatchcase(action, p) for p in patterns)


def escalation_problems(body: Body, own_role: str) -> list[str]:
    """The Terraform role's policy: no escalating write on its own role (an explicit Deny), and
    every permission-granting IAM write conditioned on the permissions boundary."""
    problems: list[str] = []
    policy = statements(body, "terraform")
    denied_on_self = [
        a
        for s in policy
        if str(unquote(s.get("effect", "Allow"))) == "Deny" and own_role in strings(s["resources"])
        for a in strings(s["actions"])
    ]
    problems += [
        f"{a} on its own role is not denied" for a in ESCALATING if not covers(denied_on_self, a)
    ]
    for statement in policy:
        if str(unquote(statement.get("effect", "Allow"))) == "Deny":
            continue
        granted = [a for a in strings(statement["actions"]) if a in GRANTING]
        if granted and "iam:PermissionsBoundary" not in conditions(statement):
            sid = unquote(statement.get("sid", "?"))
            problems.append(
                f"{sid}: {', '.join(granted)} without the iam:PermissionsBoundary condition"
            )
    return problems


@pytest.fixture(scope="module")
def cicd() -> Body:
    return parse((TERRAFORM / "modules" / "cicd" / "main.tf").read_text())


@pytest.fixture(scope="module")
def terraform_role() -> Body:
    return parse((TERRAFORM / "modules" / "terraform_role" / "main.tf").read_text())


@pytest.fixture(scope="module")
def trust() -> Body:
    """The one trust policy every GitHub role takes (the github_oidc_trust module)."""
    return parse((TERRAFORM / "modules" / "github_oidc_trust" / "main.tf").read_text())


def _trust_call(body: Body, name: str) -> Body:
    (call,) = [block for label, block in labelled(body, "module") if label == name]
    assert unquote(call["source"]) == "../github_oidc_trust"
    return call


def test_terraform_role_trusts_only_jobs_in_protected_environments(
    terraform_role: Body, trust: Body
) -> None:
    (statement,) = statements(trust, "this")
    sub = conditions(statement)["token.actions.githubusercontent.com:sub"]
    assert unquote(sub["test"]) == "StringEquals"
    assert "ref:" not in str(sub["values"])
    assert re.fullmatch(
        r"\$\{\[for environment in var\.environments : "
        r'"repo:\$\{var\.github_repository\}:environment:\$\{environment\}"\]\}',
        str(sub["values"]),
    )
    call = _trust_call(terraform_role, "terraform_trust")
    assert call["environments"] == "${var.terraform_environments}"
    assert (
        "assume_role_policy   = module.terraform_trust.json"
        in (TERRAFORM / "modules" / "terraform_role" / "main.tf").read_text()
    )


def test_terraform_role_cannot_escalate_through_its_own_or_another_role(
    terraform_role: Body,
) -> None:
    assert escalation_problems(terraform_role, "${local.terraform_role_arn}") == []


def test_escalation_check_flags_the_old_prefix_wide_role_policy() -> None:
    old = parse(
        'data "aws_iam_policy_document" "terraform" {\n'
        '  statement {\n    sid = "ManageStackRoles"\n'
        '    actions = ["iam:CreateRole", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"]\n'
        '    resources = ["arn:aws:iam::1:role/bluegreen-prod-*"]\n  }\n}\n'
    )
    problems = escalation_problems(old, "arn:aws:iam::1:role/bluegreen-prod-terraform")
    assert "iam:PutRolePolicy on its own role is not denied" in problems
    assert (
        "ManageStackRoles: iam:CreateRole, iam:PutRolePolicy without the "
        "iam:PermissionsBoundary condition" in problems
    )


def test_own_role_is_the_terraform_role_by_name() -> None:
    text = (TERRAFORM / "modules" / "terraform_role" / "main.tf").read_text()
    assert re.search(r'terraform_role_arn\s+= "\$\{local\.role_prefix_arn\}terraform"', text)
    assert re.search(r'role_prefix_arn\s+= ".*:role/\$\{var\.name\}-"', text)
    assert 'name                 = "${var.name}-terraform"' in text


def test_every_stack_role_but_the_terraform_role_carries_the_boundary(
    modules: dict[str, Module],
) -> None:
    unbounded = [
        f"{name}:{role}"
        for name, module in modules.items()
        for type_, role, block in module.each_typed("resource")
        if type_ == "aws_iam_role" and "permissions_boundary" not in block
    ]
    assert unbounded == ["terraform_role:terraform"]
    # Required where it is a variable, so no caller can forget to wire it.
    for name in ("iam", "rds", "networking", "cicd"):
        assert "default" not in modules[name].variables["permissions_boundary_arn"], name


def test_boundary_denies_iam_writes_and_is_out_of_the_workflows_reach(
    terraform_role: Body,
) -> None:
    (deny,) = [
        s
        for s in statements(terraform_role, "permissions_boundary")
        if unquote(s.get("effect")) == "Deny"
    ]
    for action in (*GRANTING, "iam:CreatePolicyVersion", "iam:CreateUser", "iam:CreateAccessKey"):
        assert covers(strings(deny["actions"]), action), action
    assert not covers(strings(deny["actions"]), "iam:PassRole")
    protect = next(
        s
        for s in statements(terraform_role, "terraform")
        if unquote(s.get("sid")) == "ProtectBoundary"
    )
    assert unquote(protect["effect"]) == "Deny"
    assert "iam:CreatePolicyVersion" in strings(protect["actions"])


def test_no_module_or_environment_creates_or_looks_up_the_github_oidc_provider(
    all_directories: list[Module],
) -> None:
    found = {
        f"{d.path.name}:{kind}"
        for d in all_directories
        for kind in ("resource", "data")
        for type_, _, _ in d.each_typed(kind)
        if type_ == "aws_iam_openid_connect_provider"
    }
    assert found == {"bootstrap:resource"}  # once per account
    (provider,) = [
        b
        for t, _, b in Module.load(TERRAFORM / "bootstrap").each_typed("resource")
        if t == "aws_iam_openid_connect_provider"
    ]
    assert provider["count"] == "${var.create_github_oidc_provider ? 1 : 0}"


def test_deploy_role_may_point_the_test_listener_and_switch_the_production_one(
    cicd: Body, modules: dict[str, Module]
) -> None:
    (statement,) = [
        s for s in statements(cicd, "deploy") if unquote(s["sid"]) == "ElbSwitchListener"
    ]
    assert statement["resources"] == "${local.listener_arns}"
    listeners = str(modules["cicd"].locals["listener_arns"])
    assert "var.test_listener_arn" in listeners
    assert "var.listener_arn" in listeners


def test_describe_alarms_is_scoped_to_the_metric_alarms_and_documented(
    cicd: Body, modules: dict[str, Module]
) -> None:
    (statement,) = [s for s in statements(cicd, "deploy") if unquote(s["sid"]) == "AlarmsDescribe"]
    assert statement["resources"] == "${var.alarm_arns}"
    observability = modules["observability"]
    assert "aws_cloudwatch_composite_alarm" not in observability.text()
    assert "aws_cloudwatch_metric_alarm" in str(observability.outputs["alarm_arns"]["value"])
    iam_doc = (REPO / "docs" / "iam.md").read_text()
    assert 'AlarmTypes=["MetricAlarm"]' in iam_doc
    assert (
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html"
        in iam_doc
    )


def test_controller_asks_only_for_metric_alarms_the_role_may_describe() -> None:
    text = "\n".join(p.read_text() for p in (REPO / "src" / "bluegreen").rglob("*.py"))
    assert "describe_alarms" in text
    assert "CompositeAlarm" not in text
    assert re.search(r"AlarmTypes\s*=\s*\[\s*[\"']MetricAlarm[\"']\s*\]", text)


def test_outputs_reader_reads_only_this_environments_state(cicd: Body, trust: Body) -> None:
    text = (TERRAFORM / "modules" / "cicd" / "main.tf").read_text()
    assert 'name                 = "${var.name}-outputs-reader"' in text
    policy = {str(unquote(s["sid"])): s for s in statements(cicd, "outputs_reader")}
    assert strings(policy["ReadThisState"]["actions"]) == ["s3:GetObject"]
    assert strings(policy["ReadThisState"]["resources"]) == [
        "${var.state_bucket_arn}/${var.state_key}"
    ]
    assert strings(policy["ListThisState"]["actions"]) == ["s3:ListBucket"]
    assert "s3:prefix" in conditions(policy["ListThisState"])
    block = next(
        b
        for t, n, b in typed(cicd, "data")
        if t == "aws_iam_policy_document" and n == "outputs_reader"
    )
    (dynamic,) = [d['"statement"'] for d in block["dynamic"]]
    decrypt = dynamic["content"][0]
    assert strings(decrypt["actions"]) == ["kms:Decrypt"]
    assert "kms:ViaService" in conditions(decrypt)
    call = _trust_call(cicd, "outputs_reader_trust")
    assert call["environments"] == "${local.outputs_reader_environments}"
    assert "assume_role_policy   = module.outputs_reader_trust.json" in text
    (statement,) = statements(trust, "this")
    sub = conditions(statement)["token.actions.githubusercontent.com:sub"]
    assert ":environment:" in str(sub["values"])
    assert "ref:" not in str(sub["values"])


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_outputs_reader_state_key_is_the_backends_key(env: str) -> None:
    directory = TERRAFORM / "environments" / env
    versions = parse((directory / "versions.tf").read_text())
    backend_key = unquote(versions["terraform"][0]["backend"][0]['"s3"']["key"])
    state = Module.load(directory).module_calls["platform"]["state"]
    assert unquote(state["key"]) == backend_key
    cicd_call = Module.load(TERRAFORM / "modules" / "platform").module_calls["cicd"]
    assert cicd_call["state_key"] == "${var.state.key}"
