"""The fake providers' parts: wire values, plan rules, data-source answers, the go-plugin server."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import replace
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf import empty_pb2

from tests.terraform.offline.cty import UNKNOWN, decode, encode, is_unknown
from tests.terraform.offline.datasources import Fixtures, NotFoundError, read
from tests.terraform.offline.planning import ProviderSettings, plan_resource
from tests.terraform.offline.policy import render
from tests.terraform.offline.protocol import pb
from tests.terraform.offline.runner import REPO
from tests.terraform.offline.schema import aws_schema
from tests.terraform.offline.serve import MAGIC_COOKIE, MAGIC_COOKIE_KEY
from tests.terraform.offline.settled import arn

WHERE = {"partition": "aws", "region": "us-east-1", "account_id": "111122223333"}


def block(kind: str, type_: str) -> dict[str, Any]:
    spec: dict[str, Any] = aws_schema()[kind][type_]["block"]
    return spec


def proposed(kind: str, type_: str, **config: Any) -> dict[str, Any]:
    spec = block(kind, type_)
    values: dict[str, Any] = dict.fromkeys(spec["attributes"])
    values.update({name: [] for name in spec["block_types"]})
    values.update(config)
    return values


def test_unknown_travels_as_msgpack_extension_zero() -> None:
    assert encode(UNKNOWN) == b"\xd4\x00\x00"
    value = decode(encode({"arn": UNKNOWN, "name": "x", "tags": {"a": "b"}}))
    assert is_unknown(value["arn"])
    assert value["tags"] == {"a": "b"}


def test_plan_marks_computed_unknown_and_knows_tags_all_and_region() -> None:
    settings = ProviderSettings(region="us-east-1", default_tags={"Project": "p", "Env": "e"})
    config = proposed(
        "resource_schemas",
        "aws_ssm_parameter",
        name="/x/db/password",
        type="SecureString",
        value_wo="hunter2",
        tags={"Env": "override"},
    )
    planned = plan_resource(
        "aws_ssm_parameter", block("resource_schemas", "aws_ssm_parameter"), None, config, settings
    )
    assert is_unknown(planned["arn"])
    assert is_unknown(planned["version"])
    assert planned["value_wo"] is None  # write-only: never in a plan
    assert planned["tags_all"] == {"Project": "p", "Env": "override"}
    assert planned["region"] == "us-east-1"
    assert planned["name"] == "/x/db/password"


def test_plan_knows_acm_validation_domain_names_but_not_the_records() -> None:
    config = proposed(
        "resource_schemas",
        "aws_acm_certificate",
        domain_name="app.example.com",
        subject_alternative_names=["www.example.com"],
        validation_method="DNS",
    )
    planned = plan_resource(
        "aws_acm_certificate",
        block("resource_schemas", "aws_acm_certificate"),
        None,
        config,
        ProviderSettings(),
    )
    options = planned["domain_validation_options"]
    assert [o["domain_name"] for o in options] == ["app.example.com", "www.example.com"]
    assert all(is_unknown(o["resource_record_name"]) for o in options)


def test_settled_plan_gives_computed_values_in_aws_formats() -> None:
    settings = ProviderSettings(region="us-east-1", settled_in=WHERE)
    config = proposed("resource_schemas", "aws_lb_target_group", name="app-blue", port=8000)
    planned = plan_resource(
        "aws_lb_target_group",
        block("resource_schemas", "aws_lb_target_group"),
        None,
        config,
        settings,
    )
    assert planned["arn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/app-blue/"
    )
    assert arn("aws_ssm_parameter", {"name": "/a/b"}, WHERE) == (
        "arn:aws:ssm:us-east-1:111122223333:parameter/a/b"
    )
    assert arn("aws_iam_role", {"name": "r"}, WHERE) == "arn:aws:iam::111122223333:role/r"


def test_policy_document_renders_like_the_aws_provider() -> None:
    statement = {
        "sid": "Read",
        "effect": None,
        "actions": ["s3:GetObject", "s3:ListBucket"],
        "not_actions": None,
        "resources": ["arn:aws:s3:::b"],
        "not_resources": None,
        "principals": [{"type": "Service", "identifiers": ["ecs-tasks.amazonaws.com"]}],
        "not_principals": [],
        "condition": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]}],
    }
    rendered = render({"statement": [statement], "version": None, "policy_id": None})
    assert json.loads(rendered["json"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetObject"],
                "Resource": "arn:aws:s3:::b",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "1"}},
            }
        ],
    }
    assert rendered["minified_json"] == json.dumps(
        json.loads(rendered["json"]), separators=(",", ":")
    )


def test_ssm_parameter_nobody_created_is_parameter_not_found() -> None:
    fixtures = Fixtures.load("staging", include_created=False)
    config = proposed(
        "data_source_schemas", "aws_ssm_parameter", name="/bluegreen-staging/live-color"
    )
    with pytest.raises(NotFoundError) as missing:
        read(
            fixtures, "aws_ssm_parameter", config, block("data_source_schemas", "aws_ssm_parameter")
        )
    assert "ParameterNotFound" in missing.value.summary


def test_ssm_parameter_in_the_fixtures_is_read() -> None:
    fixtures = Fixtures.load("staging")
    config = proposed(
        "data_source_schemas", "aws_ssm_parameter", name="/bluegreen-staging/live-color"
    )
    state = read(
        fixtures, "aws_ssm_parameter", config, block("data_source_schemas", "aws_ssm_parameter")
    )
    assert state["insecure_value"] == "blue"
    assert (
        state["arn"] == "arn:aws:ssm:us-east-1:111122223333:parameter/bluegreen-staging/live-color"
    )


def test_oidc_provider_is_found_in_the_account_or_fails_as_no_such_entity() -> None:
    found = Fixtures.load("prod")
    config = proposed(
        "data_source_schemas",
        "aws_iam_openid_connect_provider",
        url="https://token.actions.githubusercontent.com",
    )
    schema = block("data_source_schemas", "aws_iam_openid_connect_provider")
    state = read(found, "aws_iam_openid_connect_provider", config, schema)
    assert state["arn"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    with pytest.raises(NotFoundError) as missing:
        read(replace(found, records={}), "aws_iam_openid_connect_provider", config, schema)
    assert "NoSuchEntity" in missing.value.detail


################################################################################
# The go-plugin server, driven the way Terraform drives it
################################################################################


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.terraform.offline.serve", "aws"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_server_handshakes_with_tls_serves_the_schema_and_exits_on_shutdown() -> None:
    server = _start(
        {
            MAGIC_COOKIE_KEY: MAGIC_COOKIE,
            "PLUGIN_PROTOCOL_VERSIONS": "5,6",
            # Terraform sends its own certificate; that it is there is what asks for TLS.
            "PLUGIN_CLIENT_CERT": "-----BEGIN CERTIFICATE-----\n(host)\n-----END CERTIFICATE-----",
        }
    )
    try:
        assert server.stdout is not None
        core, protocol, network, address, kind, cert_b64 = (
            server.stdout.readline().strip().split("|")
        )
        assert (core, protocol, network, kind) == ("1", "6", "unix", "grpc")
        der = base64.b64decode(cert_b64 + "=" * (-len(cert_b64) % 4))
        cert = x509.load_der_x509_certificate(der)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == ["localhost"]

        pem = cert.public_bytes(serialization.Encoding.PEM)
        channel = grpc.secure_channel(
            f"unix:{address}",
            grpc.ssl_channel_credentials(root_certificates=pem),
            options=[("grpc.ssl_target_name_override", "localhost")],
        )
        schema = channel.unary_unary(
            "/tfplugin6.Provider/GetProviderSchema",
            request_serializer=pb.GetProviderSchema.Request.SerializeToString,
            response_deserializer=pb.GetProviderSchema.Response.FromString,
        )(pb.GetProviderSchema.Request(), timeout=60)
        assert "aws_lb_listener" in schema.resource_schemas
        channel.unary_unary(
            "/plugin.GRPCController/Shutdown",
            request_serializer=empty_pb2.Empty.SerializeToString,
            response_deserializer=empty_pb2.Empty.FromString,
        )(empty_pb2.Empty(), timeout=60)
        channel.close()
        assert server.wait(timeout=60) == 0
    finally:
        server.kill()
        server.wait()


def test_server_started_by_hand_says_what_it_is_and_exits_1() -> None:
    server = _start({MAGIC_COOKIE_KEY: ""})
    _, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert "fake Terraform provider" in err
