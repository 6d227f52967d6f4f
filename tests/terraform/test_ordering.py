"""Plan-time ordering and single ownership: what Terraform reads and writes versus the controller.

Terraform reads a data source during plan whenever its arguments are known then, so a data
source that reads something this configuration creates fails the first plan of a new
environment (the live-colour parameter did: ParameterNotFound). And a setting written by both
Terraform and the controller is undone by whichever writes last (design invariant 11).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import botocore.session
import pytest

from tests.terraform.tfhelpers import (
    MODULES,
    REPO,
    Body,
    Module,
    module_dirs,
    root_dirs,
    sub_blocks,
    unquote,
)

# Data sources that compute locally (no API call): never read at plan time from AWS.
LOCAL_DATA_SOURCES = {"aws_iam_policy_document"}

# Every AWS write the controller makes, and what it writes. A write that changes a setting of a
# resource Terraform manages names (module, resource type, resource name or None for every
# resource of that type, arguments); Terraform must ignore exactly those arguments there.
# A write that creates or changes objects Terraform does not manage maps to None.
ControllerWrite = tuple[str, str, str | None, frozenset[str]] | None
SERVICE_SETTINGS = frozenset({"desired_count", "task_definition"})
CONTROLLER_WRITES: dict[str, ControllerWrite] = {
    "ecs:UpdateService": ("ecs", "aws_ecs_service", "this", SERVICE_SETTINGS),
    "elasticloadbalancing:ModifyListener": (
        "alb", "aws_lb_listener", None, frozenset({"default_action"}),
    ),
    "ssm:PutParameter": ("deploy_state", "aws_ssm_parameter", "live_color", frozenset({"value"})),
    "application-autoscaling:RegisterScalableTarget": (
        "ecs", "aws_appautoscaling_target", "this", frozenset({"suspended_state"}),
    ),
    # New revisions of the families Terraform created (skip_destroy keeps Terraform's own).
    "ecs:RegisterTaskDefinition": None,
    "ecs:RunTask": None,  # the one-off migration task
    "ecs:TagResource": None,  # tag-on-create of those new revisions (the running one's tags)
    "iam:PassRole": None,  # hands the task roles to ECS; changes nothing
    "dynamodb:PutItem": None,  # lock, journal and history items
    "dynamodb:UpdateItem": None,
    "dynamodb:DeleteItem": None,
    "ecr:InitiateLayerUpload": None,  # image pushes
    "ecr:UploadLayerPart": None,
    "ecr:CompleteLayerUpload": None,
    "ecr:PutImage": None,
}  # fmt: skip

READ_PREFIXES = ("Describe", "Get", "List", "BatchGet", "BatchCheck", "Query", "Scan")
IAM_PREFIX = {
    "ecs": "ecs",
    "elbv2": "elasticloadbalancing",
    "ssm": "ssm",
    "cloudwatch": "cloudwatch",
    "dynamodb": "dynamodb",
    "ecr": "ecr",
    "application-autoscaling": "application-autoscaling",
}


################################################################################
# Data sources
################################################################################


def references(value: object) -> set[str]:
    """`var.x` and `local.x` names an expression uses (as "var.x" / "local.x")."""
    return set(re.findall(r"\b((?:var|local)\.\w+)", json.dumps(value)))


def variables_behind(block: Body, module: Module) -> set[str]:
    """Variables a block's arguments depend on, through any chain of locals."""
    arguments = {k: v for k, v in block.items() if not k.startswith("__") and k != "depends_on"}
    pending = references(arguments)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        if ref.startswith("local."):
            pending |= references(module.locals.get(ref.removeprefix("local."), ""))
    return {ref.removeprefix("var.") for ref in seen if ref.startswith("var.")}


def calls_of(target: Module, directories: Iterable[Module]) -> list[tuple[Module, str, Body]]:
    found = []
    for caller in directories:
        for name, call in caller.module_calls.items():
            if (caller.path / str(unquote(call["source"]))).resolve() == target.path.resolve():
                found.append((caller, name, call))
    return found


def data_source_problems(directories: list[Module]) -> list[str]:
    """Data sources that read something this configuration creates without waiting for it.

    A data source reads what another module creates when one of its arguments is wired (in any
    caller) to another module's output, or when its type is a resource type the stack creates.
    Only `depends_on` defers the read to apply; a reference to a value known at plan time
    does not.
    """
    created = {type_ for d in directories for type_, _, _ in d.each_typed("resource")}
    problems: list[str] = []
    for directory in directories:
        for type_, name, block in directory.each_typed("data"):
            if type_ in LOCAL_DATA_SOURCES or "depends_on" in block:
                continue
            where = f"{directory.path.name}: data.{type_}.{name}"
            if type_ in created:
                problems.append(f"{where} reads a {type_} this stack creates")
            for variable in sorted(variables_behind(block, directory)):
                for caller, call_name, call in calls_of(directory, directories):
                    wired = json.dumps(call.get(variable, ""))
                    if "module." in wired:
                        problems.append(
                            f"{where} reads var.{variable}, wired in {caller.path.name} "
                            f"(module.{call_name}) to another module's output"
                        )
            for ref in re.findall(r"\bmodule\.\w+", json.dumps(block)):
                problems.append(f"{where} reads {ref}, created by this configuration")
    return problems


@pytest.fixture(scope="module")
def stack() -> list[Module]:
    return [Module.load(p) for p in [*module_dirs(), *root_dirs()]]


def test_no_data_source_reads_what_the_stack_creates_during_plan(stack: list[Module]) -> None:
    assert data_source_problems(stack) == []


def test_data_source_check_flags_the_live_colour_read_of_a_first_plan(
    tmp_path: Path, stack: list[Module]
) -> None:
    """The shape of the first-plan defect: a module reads a parameter by a name another module
    outputs (known at plan time, so read during plan, before the parameter exists)."""
    reader = tmp_path / "reader"
    reader.mkdir()
    (reader / "main.tf").write_text(
        'variable "parameter_name" {\n  type = string\n}\n\n'
        'data "aws_ssm_parameter" "live" {\n  name = var.parameter_name\n}\n'
    )
    env = tmp_path / "env"
    env.mkdir()
    deploy_state = MODULES / "deploy_state"
    (env / "main.tf").write_text(
        f'module "deploy_state" {{\n  source = "{deploy_state}"\n  name   = "x"\n}}\n\n'
        'module "reader" {\n  source         = "../reader"\n'
        "  parameter_name = module.deploy_state.live_color_parameter_name\n}\n"
    )
    directories = [*stack, Module.load(reader), Module.load(env)]
    problems = data_source_problems(directories)
    assert (
        "reader: data.aws_ssm_parameter.live reads var.parameter_name, wired in env "
        "(module.reader) to another module's output" in problems
    )
    assert "reader: data.aws_ssm_parameter.live reads a aws_ssm_parameter this stack creates" in (
        problems
    )


def test_the_alb_module_reads_no_live_colour(stack: list[Module]) -> None:
    alb = next(m for m in stack if m.path == MODULES / "alb")
    assert [t for t, _, _ in alb.each_typed("data") if t == "aws_ssm_parameter"] == []
    assert "live_color" not in alb.text()


################################################################################
# One writer per setting
################################################################################


def controller_actions() -> set[str]:
    shared = json.loads((MODULES / "cicd" / "controller-actions.json").read_text())
    return {action for group in shared.values() for action in group["actions"]}


def is_write(action: str) -> bool:
    return not action.split(":", 1)[1].startswith(READ_PREFIXES)


def source_write_calls() -> set[str]:
    """AWS write operations the controller's code calls (`.update_service(...)` and the like),
    as IAM actions: every operation of the services the controller uses, matched by name."""
    session = botocore.session.get_session()
    operations: dict[str, str] = {}
    for service, prefix in IAM_PREFIX.items():
        for operation in session.get_service_model(service).operation_names:
            if not operation.startswith(READ_PREFIXES):
                snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
                operations.setdefault(snake, f"{prefix}:{operation}")
    text = "\n".join(p.read_text() for p in (REPO / "src" / "bluegreen").rglob("*.py"))
    called = set(re.findall(r"\.([a-z]+(?:_[a-z]+)+)\b", text))
    return {operations[name] for name in called if name in operations}


def ignored(block: Body) -> set[str]:
    return {
        str(unquote(i))
        for lc in sub_blocks(block, "lifecycle")
        for i in lc.get("ignore_changes", [])
    }


def forwarding(block: Body) -> bool:
    return any(
        str(unquote(a.get("type"))) == "forward" for a in sub_blocks(block, "default_action")
    )


def double_writer_problems(modules: dict[str, Module], writes: set[str]) -> list[str]:
    problems: list[str] = []
    for action in sorted(a for a in writes if is_write(a)):
        if action not in CONTROLLER_WRITES:
            problems.append(
                f"{action}: unclassified controller write (add it to CONTROLLER_WRITES)"
            )
            continue
        target = CONTROLLER_WRITES[action]
        if target is None:
            continue
        module_name, type_, name, arguments = target
        blocks = [
            (n, b)
            for t, n, b in modules[module_name].each_typed("resource")
            if t == type_ and (name is None or n == name)
        ]
        if type_ == "aws_lb_listener":  # the controller changes the forwarding listeners only
            blocks = [(n, b) for n, b in blocks if forwarding(b)]
        if not blocks:
            problems.append(f"{action}: no {type_} in modules/{module_name}")
        for n, block in blocks:
            missing = arguments - ignored(block)
            if missing:
                problems.append(
                    f"{action}: {module_name} {type_}.{n} lets Terraform write {sorted(missing)}"
                )
    return problems


def test_every_controller_write_in_the_code_is_in_the_deploy_roles_list() -> None:
    assert source_write_calls() - controller_actions() == set()


def test_no_setting_is_written_by_both_terraform_and_the_controller(
    modules: dict[str, Module],
) -> None:
    writes = controller_actions() | source_write_calls()
    assert double_writer_problems(modules, writes) == []


def test_double_writer_check_flags_weights_terraform_rewrites(
    tmp_path: Path, modules: dict[str, Module]
) -> None:
    broken = dict(modules)
    alb = Module.load(MODULES / "alb")
    alb.files = {
        name: json.loads(
            json.dumps(body).replace('"ignore_changes": ["default_action"]', '"x": []')
        )
        for name, body in alb.files.items()
    }
    broken["alb"] = alb
    problems = double_writer_problems(
        broken, {"elasticloadbalancing:ModifyListener", "s3:PutObject"}
    )
    assert (
        "elasticloadbalancing:ModifyListener: alb aws_lb_listener.https lets Terraform write "
        "['default_action']" in problems
    )
    assert "s3:PutObject: unclassified controller write (add it to CONTROLLER_WRITES)" in problems


def test_source_scan_finds_the_controllers_listener_and_service_writes() -> None:
    found = source_write_calls()
    assert {"elasticloadbalancing:ModifyListener", "ecs:UpdateService", "ssm:PutParameter"} <= found
