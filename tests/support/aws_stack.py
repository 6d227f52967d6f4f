"""The AWS stack as Terraform would leave it, seeded into moto (in-process or moto_server).

Also the boto3 session every test uses and the moto_server handle for end-to-end CLI runs.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session

from bluegreen.aws.retry import RetryPolicy
from bluegreen.config import AnalysisSettings, AwsSettings, Settings
from bluegreen.model import COLORS

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


def clients_of(session: boto3.Session, endpoint_url: str | None) -> dict[str, Any]:
    extra = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return {
        name: session.client(name, region_name=REGION, **extra)  # type: ignore[call-overload]  # name is a runtime string here
        for name in ("ec2", "ecs", "elbv2", "cloudwatch", "dynamodb", "ssm")
    }


def seed_stack(session: boto3.Session, endpoint_url: str | None = None) -> dict[str, Any]:
    """Create the stack Terraform creates; return its outputs under the Terraform output names.

    Blue runs 1.0.0 with 2 tasks and takes 100%; green exists at 0 tasks on the same image.
    """
    c = clients_of(session, endpoint_url)
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


def stack_settings(
    stack: dict[str, Any], *, analysis: AnalysisSettings | None = None, **aws: Any
) -> Settings:
    """Settings naming the seeded stack as `[aws]` keys; `aws` replaces some of them (the app
    URL on a stand-in endpoint, no test listener, a migration command)."""
    extra = {} if analysis is None else {"analysis": analysis}
    return Settings(target="aws", aws=AwsSettings.model_validate({**stack, **aws}), **extra)


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


# -- moto_server, for end-to-end runs of the CLI ------------------------------------------------


def free_port() -> int:
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
