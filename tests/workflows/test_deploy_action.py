"""The GitHub Action's scripts end to end against `moto_server`, as a workflow runs them.

`read_outputs.py` reads the environment's Terraform state from S3 (a state object seeded into
moto's S3, as the S3 backend writes it) and `deploy.sh` runs the real `bluegreen` CLI against
the seeded stack (the ECS-agent double of tests/aws runs in a thread). What the Action adds on
top (OIDC role assumption by aws-actions/configure-aws-credentials, the artifact upload) needs
GitHub and is not run here; actionlint and zizmor check its wiring (test_workflows.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.state import LockInfo
from tests.support.aws_stack import REGION, MotoServer, make_session

from ..aws.conftest import moto_server, quick_server_stack, server_stack
from ..aws.e2e_support import app_endpoint, split_history, world
from ..conftest import free_port
from .registry import local_registry, oci_archive

__all__ = ["moto_server", "quick_server_stack", "server_stack"]  # tests/aws fixtures, by name

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / ".github" / "actions" / "deploy"
VENV_BIN = ROOT / ".venv" / "bin"
IMAGE = "registry.example/app@sha256:" + "ab" * 32
BUCKET = "bluegreen-tfstate"
KEY = "bluegreen/staging/terraform.tfstate"


@pytest.fixture
def stack(quick_server_stack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The quick server stack, its app URL a local stand-in, its state object in moto's S3."""
    with app_endpoint() as url:
        outputs = {**quick_server_stack, "app_url": url}
        state = {
            "version": 4,
            "terraform_version": "1.11.4",
            "outputs": {
                **{
                    name: {"value": value, "type": "string" if isinstance(value, str) else "tuple"}
                    for name, value in outputs.items()
                },
                "database_password_arn": {
                    "value": "arn:secret",
                    "type": "string",
                    "sensitive": True,
                },
            },
            "resources": [],
        }
        s3 = make_session().client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(state).encode())
        yield outputs


def _script(
    name: str, *args: str, env: dict[str, str], cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one of the Action's scripts (or the CLI's Python on one) as a workflow step would."""
    interpreter = [str(VENV_BIN / "python")] if name.endswith(".py") else []
    return subprocess.run(  # our own scripts, with fixed arguments
        [*interpreter, str(ACTION / name), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _cli_env(moto_server: MotoServer, outputs: Path) -> dict[str, str]:
    return _env(moto_server, BLUEGREEN=str(VENV_BIN / "bluegreen"), OUTPUTS_FILE=str(outputs))


@pytest.fixture
def unreachable() -> MotoServer:
    """An AWS endpoint nothing listens on: a script that called AWS would exit 4, not 2."""
    return MotoServer(f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    """Terraform outputs that name a region and no stack."""
    path = tmp_path / "outputs.json"
    path.write_text('{"aws_region": {"value": "eu-west-1"}}', encoding="utf-8")
    return path


def _env(moto_server: MotoServer, **extra: str) -> dict[str, str]:
    return {**moto_server.env(), "PATH": f"{VENV_BIN}:{os.environ['PATH']}", **extra}


def _read_outputs(
    moto_server: MotoServer, out: Path, key: str = KEY
) -> subprocess.CompletedProcess[str]:
    args = ("--bucket", BUCKET, "--key", key, "--region", REGION, "--out", str(out))
    return _script("read_outputs.py", *args, env=_env(moto_server))


def _deploy_sh(
    moto_server: MotoServer, tmp_path: Path, outputs: Path, cwd: str | None = None, **inputs: str
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "repo-bluegreen.toml"
    config.write_text(
        "[deploy]\ntasks = 2\nhealth_timeout = 20\ndrain_timeout = 10\n\n[analysis]\npoll = 0.2\n",
        encoding="utf-8",
    )
    defaults = {
        "BLUEGREEN": str(VENV_BIN / "bluegreen"),
        "OUTPUTS_FILE": str(outputs),
        "CONFIG": str(config),
        "WORK_DIR": str(tmp_path / "work"),
        "SUMMARY_FILE": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        "HEALTH_TIMEOUT": "20",
    }
    return _script("deploy.sh", env=_env(moto_server, **{**defaults, **inputs}), cwd=cwd)


def _github_outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "github-output").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def _summary(tmp_path: Path) -> str:
    return (tmp_path / "summary.md").read_text(encoding="utf-8")


def _cli_has(subcommand: str, flag: str) -> bool:
    done = subprocess.run(  # our own CLI
        [str(VENV_BIN / "bluegreen"), subcommand, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return flag in done.stdout


def _verify_live(
    moto_server: MotoServer, outputs: Path, version: str
) -> subprocess.CompletedProcess[str]:
    return _script("verify-live.sh", version, env=_cli_env(moto_server, outputs))


# ---------------------------------------------------------------------------- read_outputs.py


def test_outputs_are_read_from_the_state_object_without_the_sensitive_ones(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "outputs.json"
    done = _read_outputs(moto_server, out)
    assert done.returncode == 0, done.stderr
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {name: entry["value"] for name, entry in written.items()} == stack
    assert "database_password_arn" not in written
    assert "arn:secret" not in out.read_text(encoding="utf-8")


def test_a_missing_state_exits_2_and_says_where_it_looked(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    done = _read_outputs(moto_server, tmp_path / "o.json", key="bluegreen/prod/terraform.tfstate")
    assert done.returncode == 2
    assert f"s3://{BUCKET}/bluegreen/prod/terraform.tfstate" in done.stderr
    assert "terraform apply" in done.stderr
    assert not (tmp_path / "o.json").exists()


# ---------------------------------------------------------------------------- deploy.sh


def test_the_action_deploys_by_digest_writes_the_summary_and_exits_0(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert _read_outputs(moto_server, outputs).returncode == 0

    done = _deploy_sh(
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
    assert _github_outputs(tmp_path) == {"exit-code": "0", "deployment-id": record["id"]}
    summary = _summary(tmp_path)
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
    assert _read_outputs(moto_server, outputs).returncode == 0
    checkout = tmp_path / "checkout"
    (checkout / "deploy").mkdir(parents=True)
    (checkout / "deploy" / "taskdef.json.tftpl").write_text(json.dumps(TEMPLATE), encoding="utf-8")
    values = {"family": "app", "marker": "staging-values"}
    (checkout / "deploy" / "staging.json").write_text(json.dumps(values), encoding="utf-8")

    done = _deploy_sh(
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
    assert _read_outputs(moto_server, outputs).returncode == 0
    archive = tmp_path / "image.tar"
    digest = oci_archive(archive, "release abc1234")
    with local_registry(tmp_path / "registry") as registry:
        runs = {}
        for environment in ("staging", "prod"):
            work = tmp_path / environment
            work.mkdir()
            runs[environment] = _deploy_sh(
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
    assert _github_outputs(tmp_path / "prod")["image"] == f"{registry}/prod/app@{digest}"


def test_a_deploy_while_locked_fails_with_bluegreens_exit_code_3(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert _read_outputs(moto_server, outputs).returncode == 0
    store = DynamoStateStore(stack["deploy_table_name"], make_session().client("dynamodb"))
    now = time.time()
    store.acquire_lock(LockInfo("d-other", "alice (github)", "deploy", now, now + 300))
    before = world(stack)

    done = _deploy_sh(
        moto_server, tmp_path, outputs, IMAGE=IMAGE, VERSION="abc1234", STRATEGY="all-at-once"
    )

    assert done.returncode == 3, done.stderr
    after, records = split_history(world(stack))
    assert after == split_history(before)[0]
    assert [r["outcome"] for r in records] == ["refused"]  # why it was refused, kept
    assert _github_outputs(tmp_path)["exit-code"] == "3"
    assert "exited 3" in _summary(tmp_path)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"STRATEGY": "blue-green"}, "strategy must be all-at-once, canary or linear"),
        ({"APPROVE": "yes"}, "approve must be true or false"),
        ({"HEALTH_TIMEOUT": "5m"}, "health-timeout must be a number"),
        ({"CANARY_PERCENT": "ten"}, "canary-percent must be a number, not 'ten'"),
        ({"IMAGE": ""}, "image is required"),
        ({"COMMAND": "destroy"}, "command must be deploy, promote or rollback"),
        ({"CONFIG": "/nonexistent/bluegreen.toml"}, "config: no file"),
        ({"MIGRATE_COMMAND": "alembic upgrade head"}, "migrate-command: give a JSON array"),
        ({"MIGRATE_COMMAND": "[]"}, "migrate-command: give a JSON array"),
        (
            {"TASK_DEFINITION_TEMPLATE": "/nonexistent/taskdef.json.tftpl"},
            "task-definition-template: no file /nonexistent/taskdef.json.tftpl",
        ),
        (
            {"TASK_DEFINITION_VALUES": "/nonexistent/values.json"},
            "task-definition-values is set without task-definition-template",
        ),
    ],
)
def test_bad_inputs_exit_2_before_any_aws_call(
    tmp_path: Path, unreachable: MotoServer, outputs: Path, inputs: dict[str, str], message: str
) -> None:
    done = _deploy_sh(unreachable, tmp_path, outputs, **{"IMAGE": IMAGE, **inputs})
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert message in _summary(tmp_path)
    assert not (tmp_path / "work" / "record.json").exists()  # bluegreen never ran


def test_a_repository_config_with_its_own_aws_table_is_refused(
    tmp_path: Path, unreachable: MotoServer, outputs: Path
) -> None:
    config = tmp_path / "theirs.toml"
    config.write_text('[deploy]\ntasks = 2\n\n[aws]\napp_url = "https://x"\n', encoding="utf-8")
    done = _deploy_sh(unreachable, tmp_path, outputs, IMAGE=IMAGE, CONFIG=str(config))
    assert done.returncode == 2, done.stderr
    assert "has an [aws] table" in done.stderr


@pytest.mark.skipif(_cli_has("deploy", "--detach"), reason="this bluegreen hands the pause back")
def test_approve_without_a_cli_that_hands_the_pause_back_is_refused_before_any_aws_call(
    tmp_path: Path, unreachable: MotoServer, outputs: Path
) -> None:
    """A job that waited for approval would outlive its credentials (issue 13 item 4)."""
    done = _deploy_sh(unreachable, tmp_path, outputs, IMAGE=IMAGE, APPROVE="true")
    assert done.returncode == 2, done.stderr
    assert "bluegreen deploy --approve --detach" in done.stderr
    assert not (tmp_path / "work" / "record.json").exists()


def test_rollback_through_the_action_puts_the_previous_release_back(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert _read_outputs(moto_server, outputs).returncode == 0
    first = tmp_path / "deploy"
    first.mkdir()
    assert (
        _deploy_sh(
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

    done = _deploy_sh(moto_server, tmp_path, outputs, COMMAND="rollback", REASON="bad release")

    assert done.returncode == 0, done.stderr
    assert world(stack)["live"] == "blue"
    record = json.loads(done.stdout)
    assert (record["operation"], record["request_reason"]) == ("rollback", "bad release")
    assert record["id"] in _summary(tmp_path)


# ---------------------------------------------------------------------------- check-idle.sh


def _check_idle(moto_server: MotoServer, outputs: Path) -> subprocess.CompletedProcess[str]:
    return _script("check-idle.sh", env=_cli_env(moto_server, outputs))


def test_terraform_apply_is_refused_while_a_deployment_holds_the_environment(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert _read_outputs(moto_server, outputs).returncode == 0
    idle = _check_idle(moto_server, outputs)
    store = DynamoStateStore(stack["deploy_table_name"], make_session().client("dynamodb"))
    now = time.time()
    store.acquire_lock(LockInfo("d-canary", "alice (github)", "deploy", now, now + 300))

    busy = _check_idle(moto_server, outputs)

    assert idle.returncode == 0, idle.stderr
    assert "no deployment in progress" in idle.stdout
    assert busy.returncode == 1, busy.stderr
    assert "deployment d-canary (deploy" in busy.stdout
    assert "alice (github)" in busy.stdout


def test_a_first_apply_with_no_outputs_yet_is_not_refused(
    unreachable: MotoServer, outputs: Path
) -> None:
    outputs.write_text("{}\n", encoding="utf-8")
    done = _check_idle(unreachable, outputs)
    assert done.returncode == 0, done.stderr
    assert "first apply" in done.stdout


def test_apply_is_refused_when_bluegreen_cannot_tell(
    unreachable: MotoServer, outputs: Path
) -> None:
    done = _check_idle(unreachable, outputs)
    assert done.returncode == 2, done.stderr  # the outputs name no stack: bad configuration
    assert "not applying" in done.stderr
