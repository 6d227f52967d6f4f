"""The `bluegreen` CLI end to end against `moto_server` on 127.0.0.1 (`AWS_ENDPOINT_URL`).

The CLI runs as a subprocess with fake credentials, reading the stack's names from a saved
`terraform output -json` file named by `bluegreen.toml`; the ECS-agent double runs in a thread
of the test process (see conftest). One moto_server serves the whole module; each test gets a
freshly seeded stack whose target groups have a deregistration delay of 0, so `stop` does not
wait in real time.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.state import LockInfo
from tests.support.aws_stack import REPO, MotoServer, make_session, terraform_output_json

from .e2e_support import split_history, world

BLUEGREEN = REPO / ".venv" / "bin" / "bluegreen"
IMAGE = "registry.example/app:2.0.0"


@pytest.fixture
def stack(quick_server_stack: dict[str, Any]) -> dict[str, Any]:
    """The server stack, its tasks stopping and its target groups draining at once."""
    return quick_server_stack


def _write_config(directory: Path, stack: dict[str, Any], app_url: str, analysis: str) -> Path:
    (directory / "outputs.json").write_text(terraform_output_json(stack), encoding="utf-8")
    config = directory / "bluegreen.toml"
    config.write_text(
        f"""target = "aws"

[deploy]
tasks = 2
health_timeout = 20
drain_timeout = 10

[analysis]
{analysis}

[aws]
terraform_outputs = "outputs.json"
app_url = "{app_url}"
migrate_command = ["alembic", "upgrade", "head"]  # the reference service's (off by default)
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def config(tmp_path: Path, stack: dict[str, Any], app_url: str) -> Path:
    """bluegreen.toml: `terraform_outputs` = a saved outputs file; quick analysis polls."""
    return _write_config(tmp_path, stack, app_url, "poll = 0.2")


def _bluegreen(
    moto_server: MotoServer, config: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI with fixed arguments
        [str(BLUEGREEN), *args, "--target", "aws", "--config", str(config)],
        env=moto_server.env(),
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _ok(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_deploy_status_history_and_rollback_through_the_cli_against_moto_server(
    moto_server: MotoServer, config: Path, stack: dict[str, Any], app_url: str
) -> None:
    deployed = _ok(_bluegreen(moto_server, config, "deploy", "--image", IMAGE, "--json"))
    assert deployed["outcome"] == "succeeded"
    assert deployed["target"] == "aws"
    assert (deployed["from"]["color"], deployed["from"]["version"]) == ("blue", "1.0.0")
    assert (deployed["to"]["color"], deployed["to"]["version"]) == ("green", "2.0.0")
    after_deploy = world(stack)
    assert after_deploy["live"] == "green"
    assert [weight for _, weight in after_deploy["weights"]] == [0, 100]

    status = _ok(_bluegreen(moto_server, config, "status", "--json"))
    assert status["target"] == "aws"
    assert status["url"] == app_url
    assert status["live"] == "green"
    assert status["weights"] == {"blue": 0, "green": 100}
    assert status["colors"]["green"] == {
        "version": "2.0.0",
        "tasks": 2,
        "desired": 2,
        "healthy": 2,
        "in_flight": 0,
    }
    assert status["colors"]["blue"]["tasks"] == 0
    assert status["deployment"] is None
    assert status["last_deployment"]["id"] == deployed["id"]

    history = _ok(_bluegreen(moto_server, config, "history", "--json"))
    assert [r["id"] for r in history] == [deployed["id"]]

    rolled_back = _ok(
        _bluegreen(moto_server, config, "rollback", "--reason", "why", "--json"),
    )
    assert rolled_back["operation"] == "rollback"
    assert rolled_back["outcome"] == "succeeded"
    assert rolled_back["request_reason"] == "why"
    assert (rolled_back["to"]["color"], rolled_back["to"]["version"]) == ("blue", "1.0.0")
    store = DynamoStateStore(stack["deploy_table_name"], make_session().client("dynamodb"))
    newest = store.history()[0]
    assert (newest.id, newest.request_reason) == (rolled_back["id"], "why")
    assert store.lock_holder() is None

    final = world(stack)
    assert final["live"] == "blue"
    assert [weight for _, weight in final["weights"]] == [100, 0]
    blue_service = final["services"][stack["blue_service_name"]]
    assert blue_service[0] == 2
    assert blue_service[1].endswith("task-definition/app-blue:1")  # started again, as it was
    assert final["services"][stack["green_service_name"]][0] == 0


def test_status_shows_a_listener_and_ssm_disagreement_and_reconcile_settles_it_via_the_cli(
    moto_server: MotoServer, config: Path, stack: dict[str, Any]
) -> None:
    _ok(_bluegreen(moto_server, config, "deploy", "--image", IMAGE, "--json"))
    make_session().client("ssm").put_parameter(  # an operator's hand edit, or a lost write
        Name=stack["live_color_parameter"], Value="blue", Type="String", Overwrite=True
    )

    status = _ok(_bluegreen(moto_server, config, "status", "--json"))
    assert (status["live"], status["recorded_live"]) == ("green", "blue")
    assert status["disagreement"] == (
        "the load balancer sends blue 0% / green 100% but the recorded live colour is blue; "
        "`bluegreen reconcile` settles them"
    )
    shown = _bluegreen(moto_server, config, "status")
    assert shown.returncode == 0, shown.stderr
    assert "disagreement: the load balancer sends blue 0% / green 100%" in shown.stdout
    before = world(stack)

    reconciled = _bluegreen(moto_server, config, "reconcile")

    assert reconciled.returncode == 0, reconciled.stderr
    assert (
        "reconcile: recorded green as the live colour (it said blue; the load balancer sends "
        "all traffic to green)"
    ) in " ".join(reconciled.stderr.split())
    after = world(stack)
    assert after["live"] == "green"
    assert {**after, "live": "blue"} == before  # the SSM parameter, nothing else
    assert "disagreement" not in _ok(_bluegreen(moto_server, config, "status", "--json"))
    again = _bluegreen(moto_server, config, "reconcile")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stderr
    assert world(stack) == after


def test_a_cli_deploy_while_the_lock_is_held_exits_3_changes_nothing_and_leaves_a_record(
    moto_server: MotoServer, config: Path, stack: dict[str, Any]
) -> None:
    store = DynamoStateStore(stack["deploy_table_name"], make_session().client("dynamodb"))
    now = time.time()
    store.acquire_lock(LockInfo("d-other", "alice (github)", "deploy", now, now + 300))
    before = world(stack)

    done = _bluegreen(moto_server, config, "deploy", "--image", IMAGE)

    assert done.returncode == 3, done.stderr
    assert "d-other" in done.stderr
    after, records = split_history(world(stack))
    assert after == split_history(before)[0]  # the lock is still d-other's
    history = _ok(_bluegreen(moto_server, config, "history", "--json"))
    assert [(r["operation"], r["outcome"]) for r in history] == [("deploy", "refused")]
    assert "d-other" in history[0]["reason"]
    assert [r["id"] for r in records] == [history[0]["id"]]


def test_a_cli_dry_run_prints_the_plan_records_the_waits_and_changes_nothing(
    moto_server: MotoServer, tmp_path: Path, stack: dict[str, Any], app_url: str
) -> None:
    # No traffic moves in a dry run: each watch looks once and records the step's least wait.
    config = _write_config(tmp_path, stack, app_url, "")
    before = world(stack)
    args = ("--strategy", "canary", "--interval", "240", "--bake", "240")  # judgeable on AWS

    done = _bluegreen(moto_server, config, "deploy", "--image", IMAGE, *args, "--dry-run")

    assert done.returncode == 0, done.stderr
    assert world(stack) == before
    lines = done.stdout.splitlines()
    assert lines
    assert all(line.startswith("[dry-run] ") for line in lines)
    plan = [line.removeprefix("[dry-run] ") for line in lines]
    changes = [p for p in plan if not p.startswith(("journal ", "wait ", "renew the lease"))]
    assert [" ".join(c.split()[:4]) for c in changes] == [
        "take the deploy lock",
        "run the migration of",
        "route the test listener",  # blue: its readiness check on the migrated schema
        "start 2 task(s) of",
        "set the weights to",
        "set the weights to",
        "record green as the",
        "stop every task of",
        "save the history record",
        "give back the deploy",
    ]
    assert changes[1] == f"run the migration of 2.0.0 ({IMAGE}) as green, wait for exit 0"
    assert changes[3] == f"start 2 task(s) of 2.0.0 ({IMAGE}) as green"
    assert changes[4:6] == [
        "set the weights to blue 90% / green 10%",
        "set the weights to blue 0% / green 100%",
    ]
    assert changes[7] == "stop every task of blue"
    assert changes[8].endswith("(succeeded)")
    # the 240 s interval and the 240 s bake were recorded as waits (the least a real run
    # waits: a dry run judges no evidence), not slept
    waited = sum(float(p.split()[1]) for p in plan if p.startswith("wait "))
    assert waited == 480
    assert "nothing was changed" in done.stderr
