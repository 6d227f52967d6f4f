"""The deploy Action's scripts deploying and rolling back against `moto_server`, as a workflow
runs them.

`read_outputs.py` reads the environment's Terraform state from S3 (a state object seeded into
moto's S3, as the S3 backend writes it) and `deploy.sh` runs the real `bluegreen` CLI against
the seeded stack (the ECS-agent double of tests/aws runs in a thread). What the Action adds on
top (OIDC role assumption by aws-actions/configure-aws-credentials, the artifact upload) needs
GitHub and is not run here; actionlint and zizmor check its wiring (test_workflow_linters.py).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.aws_stack import MotoServer, make_session

from ..aws.e2e_support import world
from .action_support import (
    IMAGE,
    cli_env,
    deploy_sh,
    github_outputs,
    read_outputs,
    read_summary,
    run_script,
)
from .registry import local_registry, oci_archive


def _verify_live(
    moto_server: MotoServer, outputs: Path, version: str
) -> subprocess.CompletedProcess[str]:
    return run_script("verify-live.sh", version, env=cli_env(moto_server, outputs))


def test_outputs_are_read_from_the_state_object_without_the_sensitive_ones(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "outputs.json"
    done = read_outputs(moto_server, out)
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {name: entry["value"] for name, entry in written.items()} == stack
    assert "database_password_arn" not in written
    assert "arn:secret" not in out.read_text(encoding="utf-8")


def test_the_action_deploys_by_digest_writes_the_summary_and_exits_0(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert read_outputs(moto_server, outputs).returncode == 0

    done = deploy_sh(
        moto_server,
        tmp_path,
        outputs,
        IMAGE=IMAGE,
        VERSION="abc1234",
        STRATEGY="canary",
        CANARY_PERCENT="20",
        INTERVAL="0",
        BAKE="0",
    )

    assert done.returncode == 0, done.stderr
    after = world(stack)
    assert after["live"] == "green"
    assert [weight for _, weight in after["weights"]] == [0, 100]
    record = json.loads(done.stdout)
    assert (record["to"]["color"], record["to"]["version"]) == ("green", "abc1234")
    assert _task_image(stack, "green") == IMAGE  # the digest, not a tag
    assert github_outputs(tmp_path) == {"exit-code": "0", "deployment-id": record["id"]}
    summary = read_summary(tmp_path)
    assert record["id"] in summary
    assert "abc1234" in summary
    assert (tmp_path / "work" / "report" / "deployment.html").is_file()
    verified = _verify_live(moto_server, outputs, "abc1234")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    other = _verify_live(moto_server, outputs, "9999999")
    assert other.returncode == 1
    assert "live colour green runs 'abc1234', not '9999999'" in other.stdout


TEMPLATE = {
    "family": "${family}-${color}",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "${image}",
            "essential": True,
            "portMappings": [{"containerPort": 8000}],
            "environment": [{"name": "FROM_THE_VALUES", "value": "${marker}"}],
        }
    ],
}


def test_the_action_registers_the_template_and_values_files_of_the_checkout(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    """As deploy.yml passes the reference app's: paths in the checkout, relative to it."""
    outputs = tmp_path / "outputs.json"
    assert read_outputs(moto_server, outputs).returncode == 0
    checkout = tmp_path / "checkout"
    (checkout / "deploy").mkdir(parents=True)
    (checkout / "deploy" / "taskdef.json.tftpl").write_text(json.dumps(TEMPLATE), encoding="utf-8")
    values = {"family": "app", "marker": "staging-values"}
    (checkout / "deploy" / "staging.json").write_text(json.dumps(values), encoding="utf-8")

    done = deploy_sh(
        moto_server,
        tmp_path,
        outputs,
        cwd=str(checkout),
        IMAGE=IMAGE,
        VERSION="abc1234",
        STRATEGY="all-at-once",
        TASK_DEFINITION_TEMPLATE="deploy/taskdef.json.tftpl",
        TASK_DEFINITION_VALUES="deploy/staging.json",
    )

    assert done.returncode == 0, done.stderr
    ecs = make_session().client("ecs")
    service = ecs.describe_services(cluster="app", services=[stack["green_service_name"]])
    definition = ecs.describe_task_definition(
        taskDefinition=service["services"][0]["taskDefinition"]
    )["taskDefinition"]
    (container,) = definition["containerDefinitions"]
    assert container["image"] == IMAGE
    environment = {e["name"]: e["value"] for e in container["environment"]}
    # the template's and the values file's (the seeded revision has neither), and the release's
    assert environment["FROM_THE_VALUES"] == "staging-values"
    assert environment["APP_VERSION"] == "abc1234"
    assert "DEPLOYMENT_COLOR" not in environment


def _with_repository(outputs: Path, repository: str, name: str) -> Path:
    """A copy of the outputs file whose ecr_repository_url is `repository`."""
    values = json.loads(outputs.read_text(encoding="utf-8"))
    values["ecr_repository_url"] = {"sensitive": False, "type": "string", "value": repository}
    copy = outputs.with_name(name)
    copy.write_text(json.dumps(values), encoding="utf-8")
    return copy


def _task_image(stack: dict[str, Any], color: str) -> str:
    ecs = make_session().client("ecs")
    service = ecs.describe_services(cluster="app", services=[stack[f"{color}_service_name"]])
    definition = ecs.describe_task_definition(
        taskDefinition=service["services"][0]["taskDefinition"]
    )["taskDefinition"]
    return str(definition["containerDefinitions"][0]["image"])


def test_one_archive_is_published_and_deployed_by_the_same_digest_in_two_environments(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    """Staging then prod, as deploy.yml runs them: built once, the same digest everywhere."""
    outputs = tmp_path / "outputs.json"
    assert read_outputs(moto_server, outputs).returncode == 0
    archive = tmp_path / "image.tar"
    digest = oci_archive(archive, "release abc1234")
    with local_registry(tmp_path / "registry") as registry:
        runs = {}
        for environment in ("staging", "prod"):
            work = tmp_path / environment
            work.mkdir()
            runs[environment] = deploy_sh(
                moto_server,
                work,
                _with_repository(outputs, f"{registry}/{environment}/app", f"{environment}.json"),
                IMAGE="",
                IMAGE_ARCHIVE=str(archive),
                IMAGE_TAG="abc1234",
                IMAGE_DIGEST=digest if environment == "prod" else "",
                SKOPEO_TLS_VERIFY="false",
                STRATEGY="all-at-once",
                BAKE="0",
            )
            assert runs[environment].returncode == 0, runs[environment].stderr

    staging, prod = (json.loads(runs[e].stdout) for e in ("staging", "prod"))
    assert staging["to"]["version"] == prod["to"]["version"] == "abc1234"
    assert _task_image(stack, staging["to"]["color"]) == f"{registry}/staging/app@{digest}"
    assert _task_image(stack, prod["to"]["color"]) == f"{registry}/prod/app@{digest}"
    assert github_outputs(tmp_path / "prod")["image"] == f"{registry}/prod/app@{digest}"


def test_rollback_through_the_action_puts_the_previous_release_back(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert read_outputs(moto_server, outputs).returncode == 0
    first = tmp_path / "deploy"
    first.mkdir()
    assert (
        deploy_sh(
            moto_server,
            first,
            outputs,
            IMAGE=IMAGE,
            VERSION="abc1234",
            STRATEGY="all-at-once",
            BAKE="0",
        ).returncode
        == 0
    )

    done = deploy_sh(moto_server, tmp_path, outputs, COMMAND="rollback", REASON="bad release")

    assert done.returncode == 0, done.stderr
    assert world(stack)["live"] == "blue"
    record = json.loads(done.stdout)
    assert (record["operation"], record["request_reason"]) == ("rollback", "bad release")
    assert record["id"] in read_summary(tmp_path)
