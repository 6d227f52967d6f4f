"""The node example (examples/node-service) deployed on AWS against moto_server, by the CLI:
its task-definition template and values, no database (no migration task), and --env.

`render` prints the revision a deploy would register, `diff` compares it with what runs, and
`deploy` registers exactly that revision: the template is the one source of truth.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.aws_stack import REPO, MotoServer, make_session, terraform_output_json

from .e2e_support import world
from .test_e2e_cli import stack  # noqa: F401 - a fixture shared with the CLI e2e

BLUEGREEN = REPO / ".venv" / "bin" / "bluegreen"
EXAMPLE = REPO / "examples" / "node-service"
IMAGE = "registry.example/node-service:2.0.0"
ROLE = "arn:aws:iam::123456789012:role/node-service-"


def _config(tmp_path: Path, stack: dict[str, Any], app_url: str) -> Path:  # noqa: F811 - fixture names
    """Terraform outputs with the roles and log group the template names; the example's files."""
    outputs = {
        **stack,
        "execution_role_arn": ROLE + "execution",
        "task_role_arn": ROLE + "task",
        "log_group_name": "/ecs/node-service",
    }
    (tmp_path / "outputs.json").write_text(terraform_output_json(outputs), encoding="utf-8")
    config = tmp_path / "bluegreen.toml"
    config.write_text(
        f"""target = "aws"

[deploy]
health_timeout = 20
drain_timeout = 10

[analysis]
poll = 0.2

[aws]
terraform_outputs = "outputs.json"
app_url = "{app_url}"
task_definition_template = "{EXAMPLE / "taskdef.json.tftpl"}"
task_definition_values = "{EXAMPLE / "values.json"}"
""",
        encoding="utf-8",
    )
    return config


def _cli(moto: MotoServer, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI with fixed arguments
        [str(BLUEGREEN), *args, "--target", "aws", "--config", str(config)],
        env=moto.env(),
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_node_example_renders_diffs_and_deploys_from_its_template_with_env(
    moto_server: MotoServer,
    tmp_path: Path,
    stack: dict[str, Any],  # noqa: F811
    app_url: str,
) -> None:
    config = _config(tmp_path, stack, app_url)
    release = ("--image", IMAGE, "--env", "GREETING=hello")

    rendered = _cli(moto_server, config, "render", *release)
    assert rendered.returncode == 0, rendered.stderr
    body = json.loads(rendered.stdout)
    assert body["family"] == "node-service-green"  # the idle colour, as a deploy would
    assert body["executionRoleArn"] == ROLE + "execution"
    assert body["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    [container] = body["containerDefinitions"]
    assert container["image"] == IMAGE
    assert container["portMappings"] == [{"containerPort": 3000, "protocol": "tcp"}]
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/node-service"
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["GREETING"] == "hello"
    assert (env["APP_VERSION"], env["DEPLOYMENT_COLOR"], env["PORT"]) == ("2.0.0", "green", "3000")
    assert not any(name.startswith("DB_") or name == "DATABASE_URL" for name in env)

    before = world(stack)
    changed = _cli(moto_server, config, "diff", *release)
    assert changed.returncode == 1, changed.stderr
    assert '-  "family": "app-green"' in changed.stdout
    assert '+  "family": "node-service-green"' in changed.stdout
    assert world(stack) == before  # render and diff change nothing

    deployed = _cli(moto_server, config, "deploy", *release, "--json")
    assert deployed.returncode == 0, deployed.stderr
    record = json.loads(deployed.stdout)
    assert (record["to"]["color"], record["to"]["version"]) == ("green", "2.0.0")
    after = world(stack)
    assert after["live"] == "green"
    green_revision = after["services"][stack["green_service_name"]][1]
    assert "task-definition/node-service-green:1" in green_revision
    described = (
        make_session()
        .client("ecs")
        .describe_task_definition(taskDefinition=green_revision)["taskDefinition"]
    )
    [running] = described["containerDefinitions"]
    assert {"name": "GREETING", "value": "hello"} in running["environment"]
    assert described["executionRoleArn"] == ROLE + "execution"

    same = _cli(moto_server, config, "diff", *release, "--color", "green")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "no difference" in same.stderr


def test_env_on_aws_without_a_template_lands_in_the_copied_revision(
    moto_server: MotoServer,
    tmp_path: Path,
    stack: dict[str, Any],  # noqa: F811
    app_url: str,
) -> None:
    config = _config(tmp_path, stack, app_url)
    text = config.read_text().split("task_definition_template")[0]
    config.write_text(text, encoding="utf-8")
    done = _cli(
        moto_server,
        config,
        "deploy",
        "--image",
        "registry.example/app:2.0.0",
        "--env",
        "FEATURE=on",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    revision = world(stack)["services"][stack["green_service_name"]][1]
    described = make_session().client("ecs").describe_task_definition(taskDefinition=revision)
    env = described["taskDefinition"]["containerDefinitions"][0]["environment"]
    assert {"name": "FEATURE", "value": "on"} in env
    assert {"name": "APP_VERSION", "value": "2.0.0"} in env
