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


def placeholder(
    type_name: str, attribute: str, type_: Any, config: dict[str, Value], where: dict[str, str]
) -> Value:
    """What apply would leave in a computed attribute (strings), or null (anything else)."""
    if type_ != "string":
        return None
    digest = _digest(type_name, config)
    if attribute == "arn":
        return arn(type_name, config, where)
    if attribute == "arn_suffix":
        return arn(type_name, config, where).split(":", 5)[5].removeprefix("loadbalancer/")
    if attribute == "id" and type_name == "aws_ssm_parameter":
        return _name(config, digest)
    if attribute == "repository_url":
        return (
            f"{where['account_id']}.dkr.ecr.{where['region']}.amazonaws.com/{_name(config, digest)}"
        )
    short = type_name.removeprefix("aws_").split("_")[0]
    return f"{short}-{digest}" if attribute == "id" else f"{attribute}-{digest}"
