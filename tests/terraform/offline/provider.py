# ruff: noqa: N802  -- the method names are the tfplugin6 protocol's RPC names
"""The tfplugin6 Provider service of the fake hashicorp/aws and hashicorp/random providers.

Terraform's core drives it exactly as it drives the real providers: schema, validation,
configuration, plan, data-source reads, ephemeral resources. It plans (computed values unknown,
see planning.py) and reads (fixtures, see datasources.py); it refuses to apply.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from typing import Any

from tests.terraform.offline.cty import Value, decode, encode
from tests.terraform.offline.datasources import Fixtures, NotFoundError, read
from tests.terraform.offline.planning import ProviderSettings, plan_resource
from tests.terraform.offline.protocol import pb
from tests.terraform.offline.schema import provider_schema, schema_message

Context = Any  # grpc.aio.ServicerContext, untyped in grpcio

ENV_ENVIRONMENT = "BLUEGREEN_TF_OFFLINE_ENVIRONMENT"
ENV_FIRST_PLAN = "BLUEGREEN_TF_OFFLINE_FIRST_PLAN"
# Space-separated `resource.aws_x` / `data.aws_x` types the configuration declares: the schema
# served is cut to those (Terraform then decodes a few dozen types, not 2,200, per start). A type
# not in the provider still fails as "does not support resource type".
ENV_TYPES = "BLUEGREEN_TF_OFFLINE_TYPES"
ENV_SETTLED = "BLUEGREEN_TF_OFFLINE_SETTLED"  # "1": computed values planned as known (settled.py)


def _error(summary: str, detail: str = "") -> pb.Diagnostic:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


def _dynamic(value: Value) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=encode(value))


def _value(dynamic: pb.DynamicValue) -> Value:
    if dynamic.msgpack:
        return decode(dynamic.msgpack)
    if dynamic.json:
        return json.loads(dynamic.json)
    return None


def _password(config: dict[str, Value]) -> str:
    alphabet = ""
    if config.get("lower") is not False:
        alphabet += string.ascii_lowercase
    if config.get("upper") is not False:
        alphabet += string.ascii_uppercase
    if config.get("numeric") is not False and config.get("number") is not False:
        alphabet += string.digits
    if config.get("special") is not False:
        alphabet += config.get("override_special") or "!@#$%&*()-_=+[]{}<>:?"
    return "".join(secrets.choice(alphabet) for _ in range(int(config["length"])))


class FakeProvider:
    """One provider process: `name` is aws or random."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.schema = provider_schema(name, os.environ.get(ENV_TYPES))
        self.settings = ProviderSettings()
        environment = os.environ.get(ENV_ENVIRONMENT, "")
        self._environment = environment
        self._first_plan = os.environ.get(ENV_FIRST_PLAN) == "1"
        self._settled = os.environ.get(ENV_SETTLED) == "1"
        self._fixtures: Fixtures | None = None
        self._message: pb.GetProviderSchema.Response | None = None

    # ------------------------------------------------------------------ helpers
    def _block(self, kind: str, type_name: str) -> dict[str, Any]:
        block: dict[str, Any] = self.schema[kind][type_name]["block"]
        return block

    def fixtures(self) -> Fixtures:
        if self._fixtures is None:
            self._fixtures = Fixtures.load(self._environment, include_created=not self._first_plan)
        return self._fixtures

    # ------------------------------------------------------------------ schema
    def GetMetadata(self, request: Any, context: Context) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(
                plan_destroy=True, get_provider_schema_optional=True
            ),
            resources=[
                pb.GetMetadata.ResourceMetadata(type_name=t)
                for t in self.schema["resource_schemas"]
            ],
            data_sources=[
                pb.GetMetadata.DataSourceMetadata(type_name=t)
                for t in self.schema["data_source_schemas"]
            ],
            ephemeral_resources=[
                pb.GetMetadata.EphemeralMetadata(type_name=t)
                for t in self.schema.get("ephemeral_resource_schemas", {})
            ],
        )

    def GetProviderSchema(self, request: Any, context: Context) -> Any:
        if self._message is None:
            self._message = pb.GetProviderSchema.Response(
                provider=schema_message(self.schema["provider"]),
                resource_schemas={
                    t: schema_message(s) for t, s in self.schema["resource_schemas"].items()
                },
                data_source_schemas={
                    t: schema_message(s) for t, s in self.schema["data_source_schemas"].items()
                },
                ephemeral_resource_schemas={
                    t: schema_message(s)
                    for t, s in self.schema.get("ephemeral_resource_schemas", {}).items()
                },
                server_capabilities=pb.ServerCapabilities(
                    plan_destroy=True, get_provider_schema_optional=True
                ),
            )
        return self._message

    def GetResourceIdentitySchemas(self, request: Any, context: Context) -> Any:
        return pb.GetResourceIdentitySchemas.Response()

    def GetFunctions(self, request: Any, context: Context) -> Any:
        return pb.GetFunctions.Response()

    # ------------------------------------------------------------------ validation
    def ValidateProviderConfig(self, request: Any, context: Context) -> Any:
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request: Any, context: Context) -> Any:
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request: Any, context: Context) -> Any:
        return pb.ValidateDataResourceConfig.Response()

    def ValidateEphemeralResourceConfig(self, request: Any, context: Context) -> Any:
        return pb.ValidateEphemeralResourceConfig.Response()

    def ConfigureProvider(self, request: Any, context: Context) -> Any:
        config = _value(request.config) or {}
        default_tags = config.get("default_tags") or []
        tags = default_tags[0].get("tags") if default_tags else None
        region = config.get("region") or os.environ.get("AWS_REGION")
        region = region or os.environ.get("AWS_DEFAULT_REGION")
        if self.name == "aws" and not region:
            return pb.ConfigureProvider.Response(
                diagnostics=[
                    _error(
                        "Missing required argument",
                        'The argument "region" is required, but no definition was found.',
                    )
                ]
            )
        fx = self.fixtures()
        where = {"partition": fx.partition, "region": fx.region, "account_id": fx.account_id}
        self.settings = ProviderSettings(
            region=region,
            default_tags=tags or {},
            settled_in=where if self._settled else None,
        )
        return pb.ConfigureProvider.Response()

    def StopProvider(self, request: Any, context: Context) -> Any:
        return pb.StopProvider.Response()

    # ------------------------------------------------------------------ resources
    def UpgradeResourceState(self, request: Any, context: Context) -> Any:
        raw = request.raw_state.json or b"null"
        return pb.UpgradeResourceState.Response(upgraded_state=_dynamic(json.loads(raw)))

    def ReadResource(self, request: Any, context: Context) -> Any:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any, context: Context) -> Any:
        block = self._block("resource_schemas", request.type_name)
        planned = plan_resource(
            request.type_name,
            block,
            _value(request.prior_state),
            _value(request.proposed_new_state),
            self.settings,
        )
        return pb.PlanResourceChange.Response(planned_state=_dynamic(planned))

    def ApplyResourceChange(self, request: Any, context: Context) -> Any:
        return pb.ApplyResourceChange.Response(
            diagnostics=[_error("The offline fake AWS provider only plans", "It cannot apply.")]
        )

    def ImportResourceState(self, request: Any, context: Context) -> Any:
        return pb.ImportResourceState.Response(
            diagnostics=[_error("The offline fake AWS provider cannot import")]
        )

    # ------------------------------------------------------------------ data sources
    def ReadDataSource(self, request: Any, context: Context) -> Any:
        block = self._block("data_source_schemas", request.type_name)
        config = _value(request.config) or {}
        try:
            state = read(self.fixtures(), request.type_name, config, block)
        except NotFoundError as missing:
            return pb.ReadDataSource.Response(diagnostics=[_error(missing.summary, missing.detail)])
        return pb.ReadDataSource.Response(state=_dynamic(state))

    # ------------------------------------------------------------------ ephemeral resources
    def OpenEphemeralResource(self, request: Any, context: Context) -> Any:
        config = _value(request.config) or {}
        result = {**config, "result": _password(config), "bcrypt_hash": None}
        for name in ("special", "upper", "lower", "numeric", "number"):
            result[name] = config.get(name) if config.get(name) is not None else True
        for name in ("min_special", "min_upper", "min_lower", "min_numeric"):
            result[name] = config.get(name) if config.get(name) is not None else 0
        return pb.OpenEphemeralResource.Response(result=_dynamic(result))

    def RenewEphemeralResource(self, request: Any, context: Context) -> Any:
        return pb.RenewEphemeralResource.Response()

    def CloseEphemeralResource(self, request: Any, context: Context) -> Any:
        return pb.CloseEphemeralResource.Response()
