"""The AWS stack under moto, a small ECS-agent double, and a recorder of request shapes.

What moto does not do (measured with moto 5.2): it records state but runs no tasks and no
health checks. Services report running counts but never register targets; registered ip
targets are always `healthy`; RunTask'd tasks go to STOPPED with exit code 0 on the next
DescribeTasks; `describe_alarm_history` is not implemented; a `TargetGroupArn` + `ForwardConfig`
mix that AWS rejects is accepted (so tests assert the request shapes, not just the outcome).

`EcsAgentDouble` plays the missing part, and nothing more:
- `reconcile()` makes each colour's target group hold one ip target per desired task, as ECS
  does when a service scales (registers on scale-up, deregisters on scale-down). In-process it
  runs right after every UpdateService (an `after-call` hook); against `moto_server` a
  background thread (`AgentThread`) runs it every 50 ms.
- `mark_unhealthy(color)` / `unhealthy_images`: DescribeTargetHealth answers are rewritten so
  those targets read `unhealthy` (`Target.FailedHealthChecks`), as the ALB would report a
  release that never passes its check. Against `moto_server` (no hook in the server) such a
  release simply never gets targets registered: healthy stays 0 either way.
- `fail_migrations(exit_code, reason)`: DescribeTasks answers for the migration task (group
  `bluegreen-migrate:*`) carry that exit code and stop reason.
Everything else is moto's own answer.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from bluegreen.aws.retry import RetryPolicy
from bluegreen.config import AwsSettings, Settings
from bluegreen.model import COLORS, Color
from bluegreen.providers.aws import AwsProvider

REGION = "eu-west-1"
ACCOUNT = "123456789012"
REPO = Path(__file__).resolve().parents[2]
DEREGISTRATION_DELAY = 5  # seconds; short so `stop` waits measurably but the fake clock skips it
NO_WAIT_RETRIES = RetryPolicy(attempts=5, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


# botocore parses each service's JSON model once per session (EC2's alone takes ~0.5 s); sharing
# one loader keeps the suite fast while every session still has its own event hooks.
_SHARED_LOADER = botocore.loaders.create_loader()


def make_session() -> boto3.Session:
    """A session with throwaway credentials (moto accepts any) and the shared model loader."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _SHARED_LOADER)
    return boto3.Session(
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        botocore_session=core,
    )


def _clients(session: boto3.Session, endpoint_url: str | None) -> dict[str, Any]:
    extra = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return {
        name: session.client(name, region_name=REGION, **extra)  # type: ignore[call-overload]  # name is a runtime string here
        for name in ("ec2", "ecs", "elbv2", "cloudwatch", "dynamodb", "ssm")
    }


def seed_stack(session: boto3.Session, endpoint_url: str | None = None) -> dict[str, Any]:
    """Create the stack Terraform creates; return its outputs under the Terraform output names.

    Blue runs 1.0.0 with 2 tasks and takes 100%; green exists at 0 tasks on the same image.
    """
    c = _clients(session, endpoint_url)
    ec2, ecs, elb, cw, ddb, ssm = (
        c["ec2"],
        c["ecs"],
        c["elbv2"],
        c["cloudwatch"],
        c["dynamodb"],
        c["ssm"],
    )
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # Fargate tasks' ENIs need DNS hostnames (Terraform's VPC module sets both).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name="app", Subnets=subnets, SecurityGroups=[group])[
        "LoadBalancers"
    ][0]
    target_groups: dict[str, str] = {}
    for color in COLORS:
        tg = elb.create_target_group(
            Name=f"app-{color}",
            Protocol="HTTP",
            Port=8000,
            VpcId=vpc,
            TargetType="ip",
            HealthCheckPath="/health",
        )["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(
            TargetGroupArn=tg,
            Attributes=[
                {"Key": "deregistration_delay.timeout_seconds", "Value": str(DEREGISTRATION_DELAY)}
            ],
        )
        target_groups[color] = tg

    def forward(blue: int) -> list[dict[str, Any]]:
        return [
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": target_groups["blue"], "Weight": blue},
                        {"TargetGroupArn": target_groups["green"], "Weight": 100 - blue},
                    ]
                },
            }
        ]

    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=forward(100)
    )["Listeners"][0]["ListenerArn"]
    test_listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=8443,
        DefaultActions=forward(0),
    )["Listeners"][0]["ListenerArn"]

    ecs.create_cluster(clusterName="app")
    network = {
        "awsvpcConfiguration": {
            "subnets": subnets,
            "securityGroups": [group],
            "assignPublicIp": "DISABLED",
        }
    }
    services: dict[str, str] = {}
    for color in COLORS:
        definition = ecs.register_task_definition(
            family=f"app-{color}",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/app-execution",
            taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/app-task",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": "registry.example/app:1.0.0",
                    "essential": True,
                    "memory": 512,
                    "portMappings": [{"containerPort": 8000}],
                    "environment": [
                        {"name": "APP_VERSION", "value": "1.0.0"},
                        {"name": "DEPLOYMENT_COLOR", "value": color},
                    ],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        services[color] = f"app-{color}"
        ecs.create_service(
            cluster="app",
            serviceName=f"app-{color}",
            taskDefinition=definition,
            desiredCount=0,
            launchType="FARGATE",
            networkConfiguration=network,
            loadBalancers=[
                {
                    "targetGroupArn": target_groups[color],
                    "containerName": "app",
                    "containerPort": 8000,
                }
            ],
            deploymentConfiguration={
                "deploymentCircuitBreaker": {"enable": True, "rollback": False}
            },
        )
    # moto reports running == desired only after an UpdateService, hence create at 0 then scale.
    ecs.update_service(cluster="app", service="app-blue", desiredCount=2)

    alarms: dict[str, list[str]] = {}
    for color in COLORS:
        alarms[color] = [f"app-{color}-5xx", f"app-{color}-latency"]
        for name, metric in zip(
            alarms[color], ("HTTPCode_Target_5XX_Count", "TargetResponseTime"), strict=True
        ):
            cw.put_metric_alarm(
                AlarmName=name,
                Namespace="AWS/ApplicationELB",
                MetricName=metric,
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=5,
                ComparisonOperator="GreaterThanThreshold",
            )
    ddb.create_table(
        TableName="app-deploy",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(
        TableName="app-deploy",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    ssm.put_parameter(Name="/app/live-color", Value="blue", Type="String")
    return {
        "aws_region": REGION,
        "app_url": "https://app.example.com",
        "ecs_cluster_name": "app",
        "blue_service_name": services["blue"],
        "green_service_name": services["green"],
        "listener_arn": listener,
        "test_listener_arn": test_listener,
        "blue_target_group_arn": target_groups["blue"],
        "green_target_group_arn": target_groups["green"],
        "blue_alarm_names": alarms["blue"],
        "green_alarm_names": alarms["green"],
        "deploy_table_name": "app-deploy",
        "live_color_parameter": "/app/live-color",
    }


def terraform_output_json(outputs: dict[str, Any]) -> str:
    """`outputs` in the shape `terraform output -json` prints."""
    wrapped = {
        name: {
            "sensitive": False,
            "type": ["list", "string"] if isinstance(value, list) else "string",
            "value": value,
        }
        for name, value in outputs.items()
    }
    return json.dumps(wrapped, indent=2)


# -- the request recorder ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedCall:
    """One request as the provider built it: IAM-style service prefix, operation, parameters."""

    service: str
    operation: str
    params: dict[str, Any]

    @property
    def name(self) -> str:
        """`elbv2:ModifyListener` style (boto3's service name, the API's operation name)."""
        return f"{self.service}:{self.operation}"


@dataclass
class RequestRecorder:
    """Every request a session's clients build, in order, with parameters deep-copied."""

    calls: list[RecordedCall] = field(default_factory=list)

    def install(self, session: boto3.Session) -> None:
        """Hook `before-parameter-build` on every client `session` makes."""
        session.events.register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self.calls.append(RecordedCall(service, model.name, copy.deepcopy(params)))

    def named(self, name: str) -> list[dict[str, Any]]:
        """Parameters of every call to `name` (`ecs:UpdateService`), in order."""
        return [c.params for c in self.calls if c.name == name]

    def names(self) -> list[str]:
        """Every call's name, in order."""
        return [c.name for c in self.calls]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.calls.clear()


# -- fault injection ---------------------------------------------------------------------------


def _error_response(code: str, message: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    http = AWSResponse(url="https://moto.invalid", status_code=status, headers={}, raw=None)  # type: ignore[arg-type]  # no body is read from an injected response
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return http, parsed


@dataclass
class FaultInjector:
    """Answers the first `times` calls of an operation with an error, before moto sees them."""

    session: boto3.Session
    injected: int = 0

    def fail(
        self, event: str, *, code: str, times: int, status: int = 400, message: str = ""
    ) -> None:
        """`event` like `ecs.UpdateService`; `before-call` answers short-circuit the request.

        Clients copy the session's hooks when they are made: inject before building the provider.
        """
        remaining = [times]

        def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            if remaining[0] <= 0:
                return None
            remaining[0] -= 1
            self.injected += 1
            return _error_response(code, message or f"injected {code}", status)

        # A before-call handler may return a response; the stub types handlers as returning None.
        self.session.events.register(f"before-call.{event}", answer)  # type: ignore[arg-type]


# -- the ECS agent double ----------------------------------------------------------------------


class EcsAgentDouble:
    """Plays the ECS agent and the ALB health checker on top of moto (see the module docstring)."""

    def __init__(self, outputs: dict[str, Any], endpoint_url: str | None = None) -> None:
        self.outputs = outputs
        self.in_server = endpoint_url is not None
        clients = _clients(make_session(), endpoint_url)  # its own session: not recorded
        self._ecs = clients["ecs"]
        self._elb = clients["elbv2"]
        self.unhealthy_colors: set[Color] = set()
        self.unhealthy_images: set[str] = set()
        self.migration_exit: tuple[int, str] | None = None
        self._next_ip = 10
        self._last_target_group: str | None = None  # the request an after-call answers
        self._lock = threading.Lock()

    def mark_unhealthy(self, color: Color) -> None:
        """From now on `color`'s targets fail the health check."""
        self.unhealthy_colors.add(color)

    def fail_migrations(
        self, exit_code: int, reason: str = "Essential container in task exited"
    ) -> None:
        """From now on migration tasks stop with `exit_code`."""
        self.migration_exit = (exit_code, reason)

    def reconcile(self) -> None:
        """One target per desired task in each colour's target group, as ECS keeps it."""
        with self._lock:
            for color in COLORS:
                self._reconcile(color)

    def _reconcile(self, color: Color) -> None:
        service = self._ecs.describe_services(
            cluster=self.outputs["ecs_cluster_name"],
            services=[self.outputs[f"{color}_service_name"]],
        )["services"][0]
        desired = int(service["desiredCount"])
        if self.in_server and desired and self._image(service) in self.unhealthy_images:
            desired = 0  # no after-call hook in the server: such a release never registers
        target_group = self.outputs[f"{color}_target_group_arn"]
        targets = [
            d["Target"]
            for d in self._elb.describe_target_health(TargetGroupArn=target_group)[
                "TargetHealthDescriptions"
            ]
        ]
        if len(targets) < desired:
            new = []
            for _ in range(desired - len(targets)):
                self._next_ip += 1
                new.append({"Id": f"10.0.1.{self._next_ip}", "Port": 8000})
            self._elb.register_targets(TargetGroupArn=target_group, Targets=new)
        elif len(targets) > desired:
            surplus = targets[desired:]
            self._elb.deregister_targets(
                TargetGroupArn=target_group,
                Targets=[{"Id": t["Id"], "Port": t["Port"]} for t in surplus],
            )

    def _image(self, service: dict[str, Any]) -> str:
        definition = self._ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
        return str(definition["taskDefinition"]["containerDefinitions"][0]["image"])

    def install(self, session: boto3.Session) -> None:
        """Hook the provider's session: scale on UpdateService, rewrite health and exit codes."""
        session.events.register("after-call.ecs.UpdateService", self._after_update_service)
        session.events.register(
            "after-call.elastic-load-balancing-v2.DescribeTargetHealth", self._after_target_health
        )
        session.events.register("after-call.ecs.DescribeTasks", self._after_describe_tasks)
        session.events.register(
            "before-parameter-build.elastic-load-balancing-v2.DescribeTargetHealth",
            self._remember_target_group,
        )

    def _after_update_service(self, **_: Any) -> None:
        self.reconcile()

    def _unhealthy_groups(self) -> set[str]:
        groups = {self.outputs[f"{c}_target_group_arn"] for c in self.unhealthy_colors}
        if self.unhealthy_images:
            for color in COLORS:
                service = self._ecs.describe_services(
                    cluster=self.outputs["ecs_cluster_name"],
                    services=[self.outputs[f"{color}_service_name"]],
                )["services"][0]
                if self._image(service) in self.unhealthy_images:
                    groups.add(self.outputs[f"{color}_target_group_arn"])
        return groups

    def _after_target_health(self, parsed: dict[str, Any], **_: Any) -> None:
        if self._last_target_group in self._unhealthy_groups():
            for description in parsed.get("TargetHealthDescriptions", []):
                description["TargetHealth"] = {
                    "State": "unhealthy",
                    "Reason": "Target.FailedHealthChecks",
                    "Description": "Health checks failed",
                }

    def _remember_target_group(self, params: dict[str, Any], **_: Any) -> None:
        self._last_target_group = params.get("TargetGroupArn")

    def _after_describe_tasks(self, parsed: dict[str, Any], **_: Any) -> None:
        if self.migration_exit is None:
            return
        exit_code, reason = self.migration_exit
        for task in parsed.get("tasks", []):
            if str(task.get("group", "")).startswith("bluegreen-migrate:"):
                task["lastStatus"] = "STOPPED"
                task["stoppedReason"] = reason
                task["stopCode"] = "EssentialContainerExited"
                for container in task.get("containers", []):
                    container["exitCode"] = exit_code


class AgentThread:
    """Runs `agent.reconcile()` every `interval` seconds in the background (for moto_server)."""

    def __init__(self, agent: EcsAgentDouble, interval: float = 0.05) -> None:
        self.agent = agent
        self.interval = interval
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecs-agent-double", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.agent.reconcile()
            except Exception as exc:  # reported by the fixture after the test
                self.errors.append(exc)

    def __enter__(self) -> AgentThread:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# -- a fake clock, so waits are asserted without sleeping ---------------------------------------


@dataclass
class FakeClock:
    """Time that moves only when the code under test sleeps."""

    now: float = 1_795_000_000.0  # 2026-11-17; fixed so minute boundaries are predictable
    slept: list[float] = field(default_factory=list)

    def time(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance instead of sleeping, and remember how long."""
        self.slept.append(seconds)
        self.now += seconds


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process, with credentials that could never reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # moto's EC2 otherwise builds ~1300 default AMIs per region: seconds per test, unused here.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield


@pytest.fixture
def stack(aws_env: None) -> dict[str, Any]:
    """The seeded stack's Terraform outputs."""
    return seed_stack(make_session())


@pytest.fixture
def recorder() -> RequestRecorder:
    """Records the provider's requests."""
    return RequestRecorder()


@pytest.fixture
def agent(stack: dict[str, Any]) -> EcsAgentDouble:
    """The ECS agent double, with blue's two tasks already registered."""
    double = EcsAgentDouble(stack)
    double.reconcile()
    return double


@pytest.fixture
def session(recorder: RequestRecorder, agent: EcsAgentDouble) -> boto3.Session:
    """The provider's session: recorded, and with the agent double hooked in."""
    provider_session = make_session()
    recorder.install(provider_session)
    agent.install(provider_session)
    return provider_session


@pytest.fixture
def clock() -> FakeClock:
    """Fake time for the provider's waits."""
    return FakeClock()


@pytest.fixture
def settings(stack: dict[str, Any]) -> Settings:
    """Settings naming the stack with explicit `[aws]` keys."""
    return Settings(target="aws", aws=AwsSettings.model_validate(stack))


@pytest.fixture
def make_provider(
    settings: Settings, session: boto3.Session, clock: FakeClock
) -> Callable[..., AwsProvider]:
    """Build providers on the recorded session with the fake clock and no-wait retries."""

    def build(**overrides: Any) -> AwsProvider:
        options: dict[str, Any] = {
            "session": session,
            "retry": NO_WAIT_RETRIES,
            "clock": clock.time,
            "sleep": clock.sleep,
            **overrides,
        }
        return AwsProvider(settings, **options)

    return build


@pytest.fixture
def provider(make_provider: Callable[..., AwsProvider]) -> AwsProvider:
    """A provider on the seeded stack."""
    return make_provider()


# -- moto_server, for end-to-end runs of the CLI ------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class MotoServer:
    """A running moto_server: its endpoint and the environment a subprocess needs to use it."""

    endpoint_url: str

    def env(self) -> dict[str, str]:
        """Environment for boto3 (in a subprocess too) to talk to this server only."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        environment.update(
            AWS_ENDPOINT_URL=self.endpoint_url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            MOTO_EC2_LOAD_DEFAULT_AMIS="false",
        )
        return environment


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    """`moto_server` on a free 127.0.0.1 port, up until the module's tests are done."""
    port = _free_port()
    process = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310  # our own local server
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {endpoint}") from None
                time.sleep(0.1)  # polling a starting server; not a timing assertion
        yield MotoServer(endpoint)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def server_stack(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """A fresh stack seeded into moto_server, AWS_ENDPOINT_URL pointing at it, agent running."""
    reset_url = f"{moto_server.endpoint_url}/moto-api/reset"
    reset = urllib.request.Request(reset_url, method="POST")  # noqa: S310  # our own local server
    urllib.request.urlopen(reset, timeout=5).close()  # noqa: S310  # our own local server
    for key, value in moto_server.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    outputs = seed_stack(make_session(), moto_server.endpoint_url)
    agent = EcsAgentDouble(outputs, moto_server.endpoint_url)
    with AgentThread(agent) as thread:
        yield outputs
    assert not thread.errors, f"the ECS agent double failed: {thread.errors[0]!r}"
