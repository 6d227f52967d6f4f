"""What the deploy Action refuses, with bluegreen's exit codes and a message in the job summary:
bad inputs and configurations before any AWS call (exit 2), a missing state object (exit 2), a
held lock (exit 3, the environment unchanged)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.state import LockInfo
from tests.support.aws_stack import MotoServer, make_session

from ..aws.e2e_support import split_history, world
from .action_support import (
    BUCKET,
    IMAGE,
    VENV_BIN,
    deploy_sh,
    github_outputs,
    read_outputs,
    read_summary,
)


def _cli_has(subcommand: str, flag: str) -> bool:
    done = subprocess.run(  # our own CLI
        [str(VENV_BIN / "bluegreen"), subcommand, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return flag in done.stdout


def test_a_missing_state_exits_2_and_says_where_it_looked(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    done = read_outputs(moto_server, tmp_path / "o.json", key="bluegreen/prod/terraform.tfstate")
    assert done.returncode == 2
    assert f"s3://{BUCKET}/bluegreen/prod/terraform.tfstate" in done.stderr
    assert "terraform apply" in done.stderr
    assert not (tmp_path / "o.json").exists()


def test_a_deploy_while_locked_fails_with_bluegreens_exit_code_3(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert read_outputs(moto_server, outputs).returncode == 0
    store = DynamoStateStore(stack["deploy_table_name"], make_session().client("dynamodb"))
    now = time.time()
    store.acquire_lock(LockInfo("d-other", "alice (github)", "deploy", now, now + 300))
    before = world(stack)

    done = deploy_sh(
        moto_server, tmp_path, outputs, IMAGE=IMAGE, VERSION="abc1234", STRATEGY="all-at-once"
    )

    assert done.returncode == 3, done.stderr
    after, records = split_history(world(stack))
    assert after == split_history(before)[0]
    assert [r["outcome"] for r in records] == ["refused"]  # why it was refused, kept
    assert github_outputs(tmp_path)["exit-code"] == "3"
    assert "exited 3" in read_summary(tmp_path)


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
    done = deploy_sh(unreachable, tmp_path, outputs, **{"IMAGE": IMAGE, **inputs})
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert message in read_summary(tmp_path)
    assert not (tmp_path / "work" / "record.json").exists()  # bluegreen never ran


def test_a_repository_config_with_its_own_aws_table_is_refused(
    tmp_path: Path, unreachable: MotoServer, outputs: Path
) -> None:
    config = tmp_path / "theirs.toml"
    config.write_text('[deploy]\ntasks = 2\n\n[aws]\napp_url = "https://x"\n', encoding="utf-8")
    done = deploy_sh(unreachable, tmp_path, outputs, IMAGE=IMAGE, CONFIG=str(config))
    assert done.returncode == 2, done.stderr
    assert "has an [aws] table" in done.stderr


@pytest.mark.skipif(_cli_has("deploy", "--detach"), reason="this bluegreen hands the pause back")
def test_approve_without_a_cli_that_hands_the_pause_back_is_refused_before_any_aws_call(
    tmp_path: Path, unreachable: MotoServer, outputs: Path
) -> None:
    """A job that waited for approval would outlive its credentials (issue 13 item 4)."""
    done = deploy_sh(unreachable, tmp_path, outputs, IMAGE=IMAGE, APPROVE="true")
    assert done.returncode == 2, done.stderr
    assert "bluegreen deploy --approve --detach" in done.stderr
    assert not (tmp_path / "work" / "record.json").exists()
