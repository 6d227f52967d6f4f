"""The Action's `check-idle.sh`: `terraform apply` waits for no deployment to hold the environment,
is not refused on a first apply, and is refused when bluegreen cannot tell."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.state import LockInfo
from tests.support.aws_stack import MotoServer, make_session

from .action_support import cli_env, read_outputs, run_script


def _check_idle(moto_server: MotoServer, outputs: Path) -> subprocess.CompletedProcess[str]:
    return run_script("check-idle.sh", env=cli_env(moto_server, outputs))


def test_terraform_apply_is_refused_while_a_deployment_holds_the_environment(
    moto_server: MotoServer, stack: dict[str, Any], tmp_path: Path
) -> None:
    outputs = tmp_path / "outputs.json"
    assert read_outputs(moto_server, outputs).returncode == 0
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
