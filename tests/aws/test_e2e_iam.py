"""The `bluegreen` CLI end to end against `moto_server` with IAM enforced, under the deploy
role's policy rendered from `terraform/modules/cicd/controller-actions.json` (the one action
list the module's policy reads; tests/terraform/test_iam.py keeps the two equal).

The stack is seeded by an admin, then moto is told to enforce identity policies
(`/moto-api/reset-auth`, what `INITIAL_NO_AUTH_ACTION_COUNT` sets at start). The CLI runs with
the session credentials of an assumed `deploy` role; the ECS-agent double keeps running as the
admin. What moto checks: the action of every call against the role's policy. What it does not:
resource ARNs (moto authorises ECS, ELB, CloudWatch, DynamoDB, SSM and Application Auto Scaling
calls against resource "*", so the policy is rendered with "*") and conditions (moto receives
no condition values for these services). docs/verified.md says so.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.aws_stack import ACCOUNT, REGION, REPO, MotoServer, seed_stack
from tests.support.ecs_agent_double import AgentThread, EcsAgentDouble

from .e2e_support import app_endpoint, world
from .test_e2e_cli import BLUEGREEN, IMAGE, _write_config

CONTROLLER_ACTIONS = REPO / "terraform" / "modules" / "cicd" / "controller-actions.json"


def rendered_policy(without: str | None = None) -> dict[str, Any]:
    """The deploy role's policy, one statement per group of the shared action list, on "*"
    (moto checks actions only); `without` leaves one action out."""
    groups = json.loads(CONTROLLER_ACTIONS.read_text(encoding="utf-8"))
    statements = []
    for sid, group in groups.items():
        actions = [a for a in group["actions"] if a != without]
        # moto names CloudWatch's actions by its endpoint prefix (monitoring:DescribeAlarms);
        # IAM's prefix is cloudwatch. Each is granted under both names, nothing more.
        actions += [
            a.replace("cloudwatch:", "monitoring:", 1)
            for a in actions
            if a.startswith("cloudwatch:")
        ]
        if actions:
            statements.append({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def _post(server: MotoServer, path: str, body: bytes = b"") -> None:
    request = urllib.request.Request(  # noqa: S310  # our own local server
        f"{server.endpoint_url}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain"},  # a form body would hide the count from moto
    )
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310  # our own local server


def _session(key: str, secret: str) -> boto3.Session:
    """A session on moto_server (AWS_ENDPOINT_URL, set by the fixture) with these keys."""
    return boto3.Session(region_name=REGION, aws_access_key_id=key, aws_secret_access_key=secret)


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The stand-in app endpoint the live colour's readiness check reaches."""
    with app_endpoint() as url:
        yield url


def _seed(
    server: MotoServer, policy: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], boto3.Session]:
    """A fresh stack (scalable targets too), an admin, the deploy role with `policy`; then IAM
    enforced. Returns the outputs, the deploy role's credentials, the admin's session."""
    _post(server, "/moto-api/reset-auth", b"inf")
    _post(server, "/moto-api/reset")
    _post(
        server,
        "/moto-api/state-manager/set-transition",
        json.dumps(
            {"model_name": "ecs::task", "transition": {"progression": "immediate"}}
        ).encode(),
    )
    bootstrap = _session("testing", "testing")
    outputs = seed_stack(bootstrap, server.endpoint_url)
    elb = bootstrap.client("elbv2")
    for color in ("blue", "green"):
        elb.modify_target_group_attributes(
            TargetGroupArn=outputs[f"{color}_target_group_arn"],
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}],
        )
        bootstrap.client("application-autoscaling").register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/app/app-{color}",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=0,
            MaxCapacity=10,
        )
    iam = bootstrap.client("iam")
    iam.create_user(UserName="admin")
    iam.put_user_policy(
        UserName="admin",
        PolicyName="admin",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )  # fmt: skip
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    admin = _session(key["AccessKeyId"], key["SecretAccessKey"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="app-deploy", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="app-deploy", PolicyName="bluegreen-controller", PolicyDocument=json.dumps(policy)
    )
    _post(server, "/moto-api/reset-auth", b"0")  # from here on every call is checked
    assumed = admin.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app-deploy", RoleSessionName="github-deploy"
    )["Credentials"]
    credentials = {
        "AWS_ACCESS_KEY_ID": assumed["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": assumed["SecretAccessKey"],
        "AWS_SESSION_TOKEN": assumed["SessionToken"],
    }
    return outputs, credentials, admin


@pytest.fixture
def enforced(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Seed under `policy`, run the agent double as the admin; IAM off again afterwards."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)  # every client: moto only
    threads: list[AgentThread] = []

    def seed(policy: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], boto3.Session]:
        outputs, credentials, admin = _seed(moto_server, policy)
        thread = AgentThread(EcsAgentDouble(outputs, moto_server.endpoint_url, session=admin))
        threads.append(thread.__enter__())
        return outputs, credentials, admin

    try:
        yield seed
    finally:
        for thread in threads:
            thread.__exit__()
        _post(moto_server, "/moto-api/reset-auth", b"inf")
    for thread in threads:
        assert not thread.errors, f"the ECS agent double failed: {thread.errors[0]!r}"


def _cli(
    server: MotoServer, config: Path, credentials: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own CLI with fixed arguments
        [str(BLUEGREEN), *args, "--target", "aws", "--config", str(config)],
        env={**server.env(), **credentials},
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_deploy_status_and_rollback_pass_under_the_deploy_roles_rendered_policy(
    moto_server: MotoServer, enforced: Any, tmp_path: Path, app_url: str
) -> None:
    outputs, credentials, admin = enforced(rendered_policy())
    config = _write_config(tmp_path, outputs, app_url, "poll = 0.2")

    deployed = _cli(moto_server, config, credentials, "deploy", "--image", IMAGE, "--json")
    assert deployed.returncode == 0, deployed.stderr
    assert json.loads(deployed.stdout)["outcome"] == "succeeded"
    status = _cli(moto_server, config, credentials, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["live"] == "green"
    rolled_back = _cli(moto_server, config, credentials, "rollback", "--json")
    assert rolled_back.returncode == 0, rolled_back.stderr
    assert world(outputs, admin)["live"] == "blue"
    autoscaling = admin.client("application-autoscaling")
    targets = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert [t.get("SuspendedState", {}).get("DynamicScalingInSuspended") for t in targets] == [
        False,
        False,
    ]  # held during each operation, put back after


def test_the_enforcement_is_real_a_role_without_the_policy_is_denied(
    moto_server: MotoServer, enforced: Any, tmp_path: Path, app_url: str
) -> None:
    nothing = {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}
    outputs, credentials, _admin = enforced({"Version": "2012-10-17", "Statement": [nothing]})
    config = _write_config(tmp_path, outputs, app_url, "poll = 0.2")
    done = _cli(moto_server, config, credentials, "status")
    assert done.returncode != 0
    assert "denied" in done.stderr


def test_a_permission_missing_from_the_policy_fails_the_deploy_naming_it(
    moto_server: MotoServer, enforced: Any, tmp_path: Path, app_url: str
) -> None:
    outputs, credentials, admin = enforced(
        rendered_policy(without="elasticloadbalancing:ModifyListener")
    )
    config = _write_config(tmp_path, outputs, app_url, "poll = 0.2")
    before = world(outputs, admin)

    done = _cli(moto_server, config, credentials, "deploy", "--image", IMAGE)

    assert done.returncode != 0
    assert "elasticloadbalancing:ModifyListener denied on listener" in done.stderr
    assert "grant it to the deploy role (see docs/iam.md)" in done.stderr
    assert "not authorized to perform: elasticloadbalancing:ModifyListener" in done.stderr
    after = world(outputs, admin)
    assert after["live"] == before["live"] == "blue"
    assert after["weights"] == before["weights"]
    assert after["services"][outputs["green_service_name"]][0] == 0  # green stopped again
