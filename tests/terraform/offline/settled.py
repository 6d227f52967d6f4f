"""Placeholders for computed values, for the "settled" plan the assertions read.

A real plan leaves every ARN and ID unknown, and with them whatever embeds one: a task
definition's container_definitions, a listener's target-group ARNs, most policy documents. The
properties the assertions check (where secrets come from, which target group gets which weight)
sit behind those unknowns. In settled mode the fake provider plans each computed string as the
value apply would give it, in AWS's formats (an SSM parameter's ARN ends in its name, a target
group's ARN carries its name), and other computed values as null. The ordinary plan keeps them
unknown; only the assertions use this one.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from tests.terraform.offline.cty import Value

_ARN = {
    "aws_lb": ("elasticloadbalancing", "loadbalancer/app/{name}/{digest}"),
    "aws_lb_target_group": ("elasticloadbalancing", "targetgroup/{name}/{digest}"),
    "aws_lb_listener": ("elasticloadbalancing", "listener/app/{digest}/{digest}/{digest}"),
    "aws_ssm_parameter": ("ssm", "parameter{slash}{name}"),
    "aws_secretsmanager_secret": ("secretsmanager", "secret:{name}-{short}"),
    "aws_iam_role": ("iam", "role/{name}"),
    "aws_iam_policy": ("iam", "policy/{name}"),
    "aws_iam_openid_connect_provider": ("iam", "oidc-provider/{name}"),
    "aws_kms_key": ("kms", "key/{digest}"),
    "aws_kms_alias": ("kms", "{name}"),
    "aws_ecs_cluster": ("ecs", "cluster/{name}"),
    "aws_ecs_service": ("ecs", "service/{name}"),
    "aws_ecs_task_definition": ("ecs", "task-definition/{name}:1"),
    "aws_cloudwatch_log_group": ("logs", "log-group:{name}"),
    "aws_cloudwatch_metric_alarm": ("cloudwatch", "alarm:{name}"),
    "aws_dynamodb_table": ("dynamodb", "table/{name}"),
    "aws_ecr_repository": ("ecr", "repository/{name}"),
    "aws_sns_topic": ("sns", "{name}"),
    "aws_s3_bucket": ("s3", "{name}"),
    "aws_db_instance": ("rds", "db:{name}"),
    "aws_acm_certificate": ("acm", "certificate/{digest}"),
}
_EC2_IDS = {  # EC2 IDs have a prefix per kind, and their ARNs name the kind
    "aws_vpc": "vpc",
    "aws_subnet": "subnet",
    "aws_security_group": "sg",
    "aws_default_security_group": "sg",
    "aws_internet_gateway": "igw",
    "aws_nat_gateway": "nat",
    "aws_route_table": "rtb",
    "aws_eip": "eipalloc",
    "aws_vpc_endpoint": "vpce",
    "aws_flow_log": "fl",
    "aws_vpc_security_group_ingress_rule": "sgr",
    "aws_vpc_security_group_egress_rule": "sgr",
}
_EC2_KINDS = {"sg": "security-group", "sgr": "security-group-rule", "fl": "vpc-flow-log"}
_GLOBAL = {"iam", "s3"}  # ARNs without a region (and for S3 without an account)
_NAME_KEYS = ("name", "identifier", "family", "bucket", "url", "name_prefix")


def _digest(type_name: str, config: dict[str, Value]) -> str:
    text = json.dumps([type_name, config], sort_keys=True, default=str)
    return f"{zlib.crc32(text.encode()):08x}{zlib.adler32(text.encode()):08x}"


def _name(config: dict[str, Value], digest: str) -> str:
    for key in _NAME_KEYS:
        value = config.get(key)
        if isinstance(value, str) and value:
            return value.removeprefix("https://")
    return digest


def arn(type_name: str, config: dict[str, Value], where: dict[str, str]) -> str:
    digest = _digest(type_name, config)
    if type_name in _EC2_IDS:
        prefix = _EC2_IDS[type_name]
        kind = _EC2_KINDS.get(prefix, type_name.removeprefix("aws_").replace("_", "-"))
        return (
            f"arn:{where['partition']}:ec2:{where['region']}:{where['account_id']}:"
            f"{kind}/{prefix}-{digest[:17]}"
        )
    service, resource = _ARN.get(
        type_name, (type_name.split("_")[1], type_name.split("_", 2)[-1] + "/{name}")
    )
    name = _name(config, digest)
    path = resource.format(
        name=name, digest=digest, short=digest[:6], slash="" if name.startswith("/") else "/"
    )
    region = "" if service in _GLOBAL else where["region"]
    account = "" if service == "s3" else where["account_id"]
    return f"arn:{where['partition']}:{service}:{region}:{account}:{path}"


def _identifier(type_name: str, config: dict[str, Value], where: dict[str, str]) -> str:
    digest = _digest(type_name, config)
    if type_name == "aws_ssm_parameter":
        return _name(config, digest)
    if type_name in _EC2_IDS:
        return f"{_EC2_IDS[type_name]}-{digest[:17]}"
    full = arn(type_name, config, where)
    if ":elasticloadbalancing:" in full:
        return full  # load balancers, listeners and target groups are known by their ARN
    return f"{type_name.removeprefix('aws_').split('_')[0]}-{digest}"


def placeholder(
    type_name: str, attribute: str, type_: Any, config: dict[str, Value], where: dict[str, str]
) -> Value:
    """What apply would leave in a computed attribute (strings), or null (anything else)."""
    if type_ != "string":
        return None
    derived = {
        "arn": lambda: arn(type_name, config, where),
        "arn_suffix": lambda: (
            arn(type_name, config, where).split(":", 5)[5].removeprefix("loadbalancer/")
        ),
        "id": lambda: _identifier(type_name, config, where),
        "repository_url": lambda: (
            f"{where['account_id']}.dkr.ecr.{where['region']}.amazonaws.com/"
            f"{_name(config, _digest(type_name, config))}"
        ),
    }
    if attribute in derived:
        return derived[attribute]()
    return f"{attribute}-{_digest(type_name, config)}"
