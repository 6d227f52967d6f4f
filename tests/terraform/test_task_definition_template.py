"""One task-definition template, two renderers: Terraform and the controller give the same JSON.

`terraform/modules/task_definition` runs under Terraform's own core (`terraform apply` in a
scratch root: the module has no provider and creates nothing, so nothing leaves the machine),
and its `body_json` is compared with `bluegreen.aws.taskdef_template.render_task_definition`
for the same template, values and release.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bluegreen.aws.taskdef_template import render_task_definition, template_values
from bluegreen.config import TerraformOutputs
from tests.terraform.offline.runner import terraform_command
from tests.terraform.tfhelpers import MODULES, REPO, Module

EXAMPLE = REPO / "examples" / "node-service"
# What the ecs module gives a template (local.template_stack_values), by output name.
STACK = {
    "aws_region": "eu-west-1",
    "container_name": "app",
    "execution_role_arn": "arn:aws:iam::123456789012:role/svc-task-execution",
    "task_role_arn": "arn:aws:iam::123456789012:role/svc-task",
    "log_group_name": "/ecs/svc",
    "container_port": "8000",
}
# What the platform adds with a database (local.database_template_values), by output name.
DATABASE = {
    "db_host": "svc.abc123.eu-west-1.rds.amazonaws.com",
    "db_port": "5432",
    "db_name": "items",
    "db_user": "items_admin",
    "db_password_parameter_name": "/svc/db/password",
    "db_password_parameter_arn": "arn:aws:ssm:eu-west-1:123456789012:parameter/svc/db/password",
}
REFERENCE_TEMPLATE = REPO / "app" / "taskdef.json.tftpl"
ENVIRONMENTS = REPO / "terraform" / "environments"


def terraform_render(
    tmp_path: Path,
    *,
    template: Path | None,
    values: dict[str, Any],
    image: str,
    version: str,
    color: str,
    default_json: str | None = None,
    container_port: int = 3000,
    stack: Mapping[str, str] = STACK,
) -> subprocess.CompletedProcess[str]:
    """`terraform apply` of a root calling the module; its outputs are in `terraform_output`."""
    root = tmp_path / "root"
    root.mkdir()
    call = {
        "source": str(MODULES / "task_definition"),
        "template_file": str(template) if template else None,
        "default_json": default_json,
        # the values file as the environments pass it: jsondecode(file(...)) into map(string)
        "values": values,
        "stack_values": stack,
        "image": image,
        "release_version": version,
        "color": color,
        "container_name": "app",
        "container_port": container_port,
    }
    config = {
        "module": {"td": call},
        "output": {"body_json": {"value": "${module.td.body_json}"}},
    }
    (root / "main.tf.json").write_text(json.dumps(config, indent=2))
    (tmp_path / "terraformrc").write_text("disable_checkpoint = true\n")
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(tmp_path / "terraformrc"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "PYTHONPATH": str(REPO),
    }
    for name in ("TF_DATA_DIR", "TF_PLUGIN_CACHE_DIR", "TF_LOG", "TF_WORKSPACE"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*terraform_command(), *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    init = run("init", "-input=false", "-no-color")
    assert init.returncode == 0, init.stdout + init.stderr
    return run("apply", "-auto-approve", "-input=false", "-no-color")


def terraform_body(tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    applied = terraform_render(tmp_path, **kwargs)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    state = json.loads((tmp_path / "root" / "terraform.tfstate").read_text())
    body: dict[str, Any] = json.loads(state["outputs"]["body_json"]["value"])
    return body


def by_name(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with each container's environment sorted by name: ECS keeps it as a set (the
    controller appends APP_VERSION after replacing it; the template has it first)."""
    body = json.loads(json.dumps(body))
    for container in body["containerDefinitions"]:
        container["environment"] = sorted(container.get("environment", []), key=str)
    return body


def controller_body(
    template: Path,
    values: dict[str, Any],
    *,
    image: str,
    version: str,
    color: str,
) -> dict[str, Any]:
    filled = template_values(STACK, values, image=image, version=version, color=color)
    return render_task_definition(
        template.read_text(), filled, where=str(template), container_name="app", env={}
    )


def test_the_example_template_renders_to_the_same_definition_in_terraform_and_the_controller(
    tmp_path: Path,
) -> None:
    template = EXAMPLE / "taskdef.json.tftpl"
    values = json.loads((EXAMPLE / "values.json").read_text())
    release = {"image": "123.dkr.ecr.eu-west-1.amazonaws.com/node:1.4.0", "version": "1.4.0"}
    terraform = terraform_body(tmp_path, template=template, values=values, color="green", **release)
    controller = controller_body(template, values, color="green", **release)
    assert by_name(terraform) == by_name(controller)
    # and what that is: the example's values, the stack's names, the release
    assert terraform["family"] == "node-service-green"
    assert terraform["executionRoleArn"] == STACK["execution_role_arn"]
    (container,) = terraform["containerDefinitions"]
    assert container["image"] == release["image"]
    assert container["portMappings"] == [{"containerPort": 3000, "protocol": "tcp"}]
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/svc"
    assert {"name": "APP_VERSION", "value": "1.4.0"} in container["environment"]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_the_reference_apps_template_renders_alike_for_each_environment(
    tmp_path: Path, env: str
) -> None:
    values = json.loads((ENVIRONMENTS / env / "taskdef.values.json").read_text())
    image = "123.dkr.ecr.eu-west-1.amazonaws.com/items-api:abc1234"
    release = {"image": image, "version": "abc1234"}
    terraform = terraform_body(
        tmp_path,
        template=REFERENCE_TEMPLATE,
        values=values,
        color="blue",
        container_port=8000,
        stack={**STACK, **DATABASE},
        **release,
    )
    # the controller reads the outputs as `terraform output -json` gives them: ports as numbers
    outputs: dict[str, Any] = {**STACK, **DATABASE, "container_port": 8000, "db_port": 5432}
    filled = template_values(outputs, values, color="blue", **release)
    controller = render_task_definition(
        REFERENCE_TEMPLATE.read_text(), filled, where="app", container_name="app", env={}
    )
    assert by_name(terraform) == by_name(controller)
    assert terraform["family"] == f"bluegreen-{env}-blue"
    assert (terraform["cpu"], terraform["memory"]) == (values["cpu"], values["memory"])
    (container,) = terraform["containerDefinitions"]
    assert container["portMappings"] == [{"containerPort": 8000, "protocol": "tcp"}]
    # the database reaches the app as variables and one secret, its value never in the body
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["DB_HOST"] == DATABASE["db_host"]
    assert environment["DB_PORT"] == "5432"
    assert environment["DB_PASSWORD_SSM_PARAM"] == DATABASE["db_password_parameter_name"]
    assert environment["PORT"] == "8000"
    assert environment["DEPLOYMENT_COLOR"] == "blue"
    assert container["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": DATABASE["db_password_parameter_arn"]}
    ]
    assert "127.0.0.1:8000/health" in container["healthCheck"]["command"][3]


def test_literals_numbers_and_booleans_render_alike(tmp_path: Path) -> None:
    template = tmp_path / "taskdef.json.tftpl"
    template.write_text(
        json.dumps(
            {
                "family": "${family}-${color}",
                "cpu": "${cpu}",
                "memory": "${memory}",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "${image}",
                        "essential": "__ESSENTIAL__",
                        "portMappings": [{"containerPort": "__PORT__"}],
                        "command": ["sh", "-c", "echo $${HOME} ${version} on ${aws_region}"],
                        "environment": [{"name": "APP_VERSION", "value": "${version}"}],
                    }
                ],
            },
            indent=2,
        )
        .replace('"__ESSENTIAL__"', "${essential}")
        .replace('"__PORT__"', "${port}")
    )
    values = {"family": "svc", "cpu": 512, "memory": "1024", "port": 3000, "essential": True}
    release = {"image": "repo/svc:2.0.0", "version": "2.0.0", "color": "blue"}
    terraform = terraform_body(tmp_path, template=template, values=values, **release)
    assert by_name(terraform) == by_name(controller_body(template, values, **release))
    (container,) = terraform["containerDefinitions"]
    assert container["command"] == ["sh", "-c", "echo ${HOME} 2.0.0 on eu-west-1"]
    assert container["essential"] is True
    assert terraform["cpu"] == "512"


def test_without_a_template_the_built_definition_passes_through(tmp_path: Path) -> None:
    built = {
        "family": "svc-blue",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {"name": "app", "image": "i", "portMappings": [{"containerPort": 3000}]}
        ],
    }
    body = terraform_body(
        tmp_path,
        template=None,
        default_json=json.dumps(built),
        values={},
        image="i",
        version="0.0.0",
        color="blue",
    )
    assert body == built


@pytest.mark.parametrize(
    ("extra", "port", "message"),
    [
        ({"pidMode": "task"}, 3000, "The task-definition template sets pidMode"),
        ({}, 8080, "needs one container named app mapping port 8080"),
    ],
)
def test_a_definition_terraform_cannot_register_as_the_controller_would_fails_the_apply(
    tmp_path: Path, extra: dict[str, Any], port: int, message: str
) -> None:
    built = {
        "family": "svc-blue",
        "containerDefinitions": [
            {"name": "app", "image": "i", "portMappings": [{"containerPort": 3000}]}
        ],
        **extra,
    }
    applied = terraform_render(
        tmp_path,
        template=None,
        default_json=json.dumps(built),
        values={},
        image="i",
        version="0.0.0",
        color="blue",
        container_port=port,
    )
    assert applied.returncode != 0
    assert message in " ".join((applied.stdout + applied.stderr).split())


def test_the_ecs_module_gives_a_template_the_controllers_output_names(
    modules: dict[str, Any],
) -> None:
    ecs = modules["ecs"]
    stack = ecs.locals["template_stack_values"]
    assert stack.startswith("${merge(var.task_definition_stack_values, {")
    assert set(re.findall(r"\b(\w+) = ", stack)) == set(STACK)
    platform = modules["platform"]
    database = str(platform.locals["database_template_values"])
    assert set(re.findall(r"\b(\w+) = (?:tostring\()?module\.rds", database)) == set(DATABASE)
    assert platform.module_calls["ecs"]["task_definition_stack_values"] == (
        "${local.database_template_values}"
    )
    # every name Terraform gives a template is an output of the platform and of each
    # environment, and a key of the controller's contract: the controller has it too
    names = set(STACK) | set(DATABASE)
    assert names <= set(platform.outputs)
    for env in ("staging", "prod"):
        assert names <= set(Module.load(ENVIRONMENTS / env).outputs), env
    assert names <= set(TerraformOutputs.model_fields)
    call = ecs.module_calls["task_definition"]
    assert call["template_file"] == "${var.task_definition_template}"
    assert call["values"] == "${var.task_definition_values}"
    assert call["default_json"] == "${local.built_definitions[each.key]}"
    for key in ("family", "cpu", "memory", "execution_role_arn", "task_role_arn"):
        assert ecs.resource("aws_ecs_task_definition", "this")[key] == (
            f"${{module.task_definition[each.key].{key}}}"
        )
