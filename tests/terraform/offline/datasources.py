"""ReadDataSource for the fake AWS provider: answers from the environment's fixtures.

A fixtures file describes the account as the real provider would find it (see fixtures/README.md):
facts (account, region, zones), `account` records (things that exist before this stack, such as
an OIDC provider another environment created), and `created` records (things this stack creates
that a data source reads back, as they look after the first apply). A data source that looks up
something no record holds fails the way AWS fails, so a plan that reads during plan what only
apply creates fails here as it would on a new account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.terraform.offline.cty import Block, Value, null_object
from tests.terraform.offline.policy import render

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REQUEST_ID = "00000000-0000-4000-8000-000000000000"


class NotFoundError(Exception):
    """What AWS answers for a lookup of something that does not exist."""

    def __init__(self, summary: str, detail: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail


@dataclass(frozen=True)
class Fixtures:
    account_id: str
    region: str
    partition: str
    caller_arn: str
    availability_zones: list[dict[str, str]]
    elb_service_account: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, environment: str, *, include_created: bool = True) -> Fixtures:
        """common.json overlaid with <environment>.json (which may be absent)."""
        data: dict[str, Any] = json.loads((FIXTURES / "common.json").read_text())
        own = FIXTURES / f"{environment}.json"
        if own.exists():
            extra = json.loads(own.read_text())
            for section in ("account", "created"):
                for type_, listed in extra.pop(section, {}).items():
                    data.setdefault(section, {}).setdefault(type_, []).extend(listed)
            data.update(extra)
        records: dict[str, list[dict[str, Any]]] = {}
        for section in ("account", "created") if include_created else ("account",):
            for type_, found in data.get(section, {}).items():
                records.setdefault(type_, []).extend(found)
        return cls(
            account_id=data["account_id"],
            region=data["region"],
            partition=data["partition"],
            caller_arn=data["caller_arn"],
            availability_zones=data["availability_zones"],
            elb_service_account=data["elb_service_account"],
            records=records,
        )


def _fill(config: dict[str, Value], block: Block, values: dict[str, Value]) -> dict[str, Value]:
    """The configuration with computed attributes from `values` (null where none is given)."""
    state = {**null_object(block), **config}
    for name, attribute in block.get("attributes", {}).items():
        if state.get(name) is None and attribute.get("computed") and name in values:
            state[name] = values[name]
    return state


def _ssm_parameter(fx: Fixtures, config: dict[str, Value], block: Block) -> dict[str, Value]:
    name = str(config["name"])
    for record in fx.records.get("aws_ssm_parameter", []):
        arn = f"arn:{fx.partition}:ssm:{fx.region}:{fx.account_id}:parameter{record['name']}"
        if name in (record["name"], arn):
            secure = record.get("type") == "SecureString"
            return _fill(
                config,
                block,
                {
                    "arn": arn,
                    "id": record["name"],
                    "type": record.get("type", "String"),
                    "value": record["value"],
                    "insecure_value": None if secure else record["value"],
                    "version": record.get("version", 1),
                    "with_decryption": True,
                },
            )
    raise NotFoundError(
        f"reading SSM Parameter ({name}): operation error SSM: GetParameter, https response "
        f"error StatusCode: 400, RequestID: {REQUEST_ID}, ParameterNotFound: ",
    )


def _oidc_provider(fx: Fixtures, config: dict[str, Value], block: Block) -> dict[str, Value]:
    for record in fx.records.get("aws_iam_openid_connect_provider", []):
        if config.get("url") in (record["url"], None) and config.get("arn") in (
            record["arn"],
            None,
        ):
            return _fill(config, block, {**record, "id": record["arn"]})
    wanted = config.get("url") or config.get("arn")
    raise NotFoundError(
        f"reading IAM OIDC Provider ({wanted}): no matching IAM OIDC Provider found",
        "NoSuchEntity: no OpenID Connect provider in this account has that URL (create it in "
        "this environment, or in the one that owns it).",
    )


def _records(
    fx: Fixtures, type_name: str, config: dict[str, Value], block: Block
) -> dict[str, Value]:
    """Any other lookup: the first record whose keys match the configured arguments."""
    for record in fx.records.get(type_name, []):
        if all(record.get(k) == v for k, v in config.items() if v is not None and k in record):
            return _fill(config, block, record)
    raise NotFoundError(
        f"reading {type_name}: couldn't find resource",
        f"The offline AWS provider found no record for this lookup. If it exists before this "
        f"stack, add it under `account` in {FIXTURES}/<environment>.json.",
    )


def read(fx: Fixtures, type_name: str, config: dict[str, Value], block: Block) -> dict[str, Value]:
    region = str(config.get("region") or fx.region)
    zones = [
        z for z in fx.availability_zones if z["name"] not in (config.get("exclude_names") or [])
    ]
    computed: dict[str, dict[str, Value]] = {
        "aws_caller_identity": {
            "id": fx.account_id,
            "account_id": fx.account_id,
            "arn": fx.caller_arn,
            "user_id": "AROAEXAMPLEOFFLINE:offline",
        },
        "aws_partition": {
            "id": fx.partition,
            "partition": fx.partition,
            "dns_suffix": "amazonaws.com",
            "reverse_dns_prefix": "com.amazonaws",
        },
        "aws_region": {
            "id": region,
            "name": region,
            "region": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        },
        "aws_availability_zones": {
            "id": region,
            "names": [z["name"] for z in zones],
            "zone_ids": [z["zone_id"] for z in zones],
            "group_names": [region],
        },
        "aws_elb_service_account": {
            "id": fx.elb_service_account.split(":")[4],
            "arn": fx.elb_service_account,
        },
    }
    if type_name in computed:
        return _fill(config, block, computed[type_name])
    if type_name == "aws_iam_policy_document":
        return _fill(render(config), block, {})
    if type_name == "aws_ssm_parameter":
        return _ssm_parameter(fx, config, block)
    if type_name == "aws_iam_openid_connect_provider":
        return _oidc_provider(fx, config, block)
    return _records(fx, type_name, config, block)
