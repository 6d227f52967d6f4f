"""The modules run any container: the reference app is one set of values in the environments."""

from __future__ import annotations

import json
import re

import pytest

from tests.terraform.tfhelpers import ENVIRONMENTS, MODULES, REPO, Module, unquote

# What only the reference app needs: it must appear in the environments' values, never inside a
# module (the platform module may name DB_* as the documented contract of its optional database).
REFERENCE_APP = ("items-api", "items_admin", '"items"', "/ready", "python", "urllib", "alembic")
DB_VARIABLES = {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_PASSWORD_SSM_PARAM"}


def test_no_module_assumes_the_reference_app(modules: dict[str, Module]) -> None:
    found = {
        f"{name}: {word}"
        for name, module in modules.items()
        for word in REFERENCE_APP
        if word in module.text(exclude=("variables.tf",))
    }
    assert found == set()
    leaking = {n for n, m in modules.items() if n != "platform" and "DB_" in m.text()}
    assert leaking == set()


def test_the_port_is_set_once_and_reaches_every_module(
    modules: dict[str, Module], environments: dict[str, Module]
) -> None:
    calls = modules["platform"].module_calls
    for name in ("networking", "alb", "ecs"):
        assert "default" not in modules[name].variables["app_port"], name
        assert calls[name]["app_port"] == "${var.service.port}", name
    for env, module in environments.items():
        assert module.texts["main.tf"].count("8000") == 1, env  # the container reads PORT
    environment = str(modules["ecs"].locals["platform_environment"])
    assert "'PORT': '${tostring(var.app_port)}'" in environment


def test_container_takes_its_command_environment_secrets_and_health_check_from_inputs(
    modules: dict[str, Module],
) -> None:
    ecs = modules["ecs"]
    # Without a template the module builds the definition; the resource takes it (or the
    # template's) from the task_definition module (test_task_definition_template.py).
    assert ecs.resource("aws_ecs_task_definition", "this")["container_definitions"] == (
        "${module.task_definition[each.key].container_definitions}"
    )
    definition = str(ecs.locals["built_definitions"])
    assert "name = var.container_name, image = var.container_image," in definition
    assert (
        "environment = [for name, value in merge(var.environment, local.platform_environment, "
        "{DEPLOYMENT_COLOR = color}) : {name = name, value = value}]" in definition
    )
    assert "secrets = [for name, arn in var.secrets : {name = name, valueFrom = arn}]" in definition
    assert "containerPort = var.app_port" in definition
    options = str(ecs.locals["container_options"])
    assert "var.command == null ? {} : {command = var.command}" in options
    assert "var.container_health_check == null ? {} : {healthCheck = {command = " in options
    assert ecs.variables["container_health_check"]["default"] is None
    assert ecs.variables["command"]["default"] is None


@pytest.mark.parametrize(
    ("variable", "closed_set"),
    [("cpu_architecture", ["X86_64", "ARM64"])],
)
def test_cpu_architecture_is_validated_and_used(
    variable: str, closed_set: list[str], modules: dict[str, Module]
) -> None:
    ecs = modules["ecs"]
    (validation,) = ecs.variables[variable]["validation"]
    for value in closed_set:
        assert value in str(validation["condition"])
    built = str(ecs.locals["built_definitions"])
    assert f"cpuArchitecture = var.{variable}" in built


def test_memory_is_validated_against_the_fargate_sizes_of_the_cpu(
    modules: dict[str, Module],
) -> None:
    (validation,) = modules["ecs"].variables["memory"]["validation"]
    condition = str(validation["condition"])
    assert "var.cpu == 256 ? contains([512, 1024, 2048], var.memory)" in condition
    assert "16384" in str(modules["ecs"].variables["cpu"]["validation"])


def test_the_database_is_optional_and_alone_brings_db_variables(
    modules: dict[str, Module],
) -> None:
    platform = modules["platform"]
    assert platform.variables["database"]["default"] is None
    assert platform.module_calls["rds"]["count"] == "${local.database ? 1 : 0}"
    assert platform.locals["database"] == "${var.database != null}"
    environment = str(platform.locals["database_environment"])
    assert environment.startswith("${local.database ? {")
    assert environment.endswith(": {}}")
    assert set(re.findall(r"\b(DB_[A-Z_]+)\b", environment)) == DB_VARIABLES - {"DB_PASSWORD"}
    assert platform.locals["database_secrets"] == (
        "${local.database ? {DB_PASSWORD = module.rds[0].password_parameter_arn} : {}}"
    )
    iam = platform.module_calls["iam"]
    assert iam["task_readable_parameter_arns"] == (
        "${local.database ? [module.rds[0].password_parameter_arn] : []}"
    )


def test_execution_role_reads_exactly_the_secrets_of_the_container(
    modules: dict[str, Module],
) -> None:
    iam = modules["iam"]
    text = iam.texts["main.tf"]
    assert 'actions   = ["ssm:GetParameters"]' in text
    assert 'actions   = ["secretsmanager:GetSecretValue"]' in text
    assert "var.secret_parameter_arns" in text
    # A Secrets Manager reference with a JSON key is authorised on the secret itself.
    assert r"^(arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:[^:]+)" in text
    assert iam.resource("aws_iam_role_policy", "task")["count"] == (
        "${length(var.task_readable_parameter_arns) > 0 ? 1 : 0}"
    )
    platform = modules["platform"].locals
    assert "values(local.database_secrets)" in str(platform["secret_parameter_arns"])


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_the_reference_app_is_one_set_of_values_in_each_environment(
    env: str, environments: dict[str, Module]
) -> None:
    call = environments[env].module_calls["platform"]
    service = call["service"]
    assert unquote(service["name"]) == "items-api"
    assert service["port"] == 8000
    assert unquote(service["health_check"]["path"]) == "/ready"
    # the container (health check, DB_* variables, the password secret) is the app's template,
    # the one file every deploy renders; the environment gives only its values
    assert unquote(service["task_definition_template"]) == (
        "${path.module}/../../../app/taskdef.json.tftpl"
    )
    assert service["task_definition_values"] == (
        '${jsondecode(file("${path.module}/taskdef.values.json"))}'
    )
    assert "container_health_check" not in service
    text = (REPO / "app" / "taskdef.json.tftpl").read_text()
    # the one placeholder outside a string (a number): JSON once given any value
    template = json.loads(text.replace('"containerPort": ${container_port}', '"containerPort": 0'))
    (container,) = template["containerDefinitions"]
    command = container["healthCheck"]["command"]
    assert command[:3] == ["CMD", "python", "-c"]
    assert "127.0.0.1:${container_port}/health" in command[3]
    assert {s["name"] for s in container["secrets"]} == {"DB_PASSWORD"}
    names = {e["name"] for e in container["environment"]}
    assert DB_VARIABLES - {"DB_PASSWORD"} <= names
    values = json.loads((ENVIRONMENTS / env / "taskdef.values.json").read_text())
    assert values["family"] == f"bluegreen-{env}"
    assert unquote(call["database"]["db_name"]) == "items"


def test_environments_directory_is_values_only() -> None:
    for env in ("staging", "prod"):
        assert not re.search(
            r"\bmodule\.(?!platform\b)", (ENVIRONMENTS / env / "main.tf").read_text()
        )
    assert (MODULES / "platform" / "main.tf").exists()
