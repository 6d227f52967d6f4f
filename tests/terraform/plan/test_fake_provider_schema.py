"""The fake AWS provider's schema: rebuilt from the cdktf wheel, covering what we use."""

from __future__ import annotations

import pytest

from tests.terraform.offline import schema_build
from tests.terraform.offline.runner import TERRAFORM, declared_types
from tests.terraform.offline.schema import RANDOM_SCHEMA, aws_schema


def test_schema_covers_every_resource_and_data_source_type_terraform_uses() -> None:
    schema = aws_schema()
    declared = declared_types(TERRAFORM)
    kinds = {"resource": "resource_schemas", "data": "data_source_schemas"}
    missing = [
        t
        for t in sorted(declared)
        if t.split(".")[1].startswith("aws_")
        and t.split(".")[1] not in schema[kinds[t.split(".")[0]]]
    ]
    assert missing == []
    assert "random_password" in RANDOM_SCHEMA["ephemeral_resource_schemas"]


def test_committed_schema_is_what_the_builder_makes_from_the_wheel() -> None:
    """Regenerate with `python -m tests.terraform.offline.schema_build` when this fails."""
    used = schema_build.used_types()
    rebuilt = schema_build.build(only=used)
    committed = aws_schema()
    for kind in ("resource_schemas", "data_source_schemas"):
        for type_, spec in rebuilt[kind].items():
            assert committed[kind][type_] == spec, f"{kind} {type_} differs from the wheel's"
    assert committed["provider"] == rebuilt["provider"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("aws_acm_certificate", "attributes", "arn"), {"type": "string", "computed": True}),
        (
            ("aws_acm_certificate", "attributes", "domain_validation_options"),
            {
                "type": [
                    "set",
                    [
                        "object",
                        {
                            "domain_name": "string",
                            "resource_record_name": "string",
                            "resource_record_type": "string",
                            "resource_record_value": "string",
                        },
                    ],
                ],
                "computed": True,
            },
        ),
        (
            ("aws_db_instance", "attributes", "password_wo"),
            {"type": "string", "optional": True, "write_only": True},
        ),
        (
            ("aws_ecs_service", "block_types", "deployment_circuit_breaker"),
            "list max 1",
        ),
        (("aws_lb_listener", "block_types", "default_action"), "list min 1"),
        (
            ("aws_iam_role", "attributes", "tags_all"),
            {"type": ["map", "string"], "optional": True, "computed": True},
        ),
    ],
)
def test_schema_entries_match_the_real_provider(
    path: tuple[str, str, str], expected: object
) -> None:
    type_, section, name = path
    resources = aws_schema()["resource_schemas"]
    entry = resources[type_]["block"][section][name]
    if isinstance(expected, str):
        nesting, bound, count = expected.split()
        assert entry["nesting_mode"] == nesting
        assert entry[f"{bound}_items"] == int(count)
    else:
        assert entry == expected


def test_provider_configuration_has_default_tags_and_region() -> None:
    provider = aws_schema()["provider"]["block"]
    assert provider["attributes"]["region"] == {"type": "string", "optional": True}
    assert "tags" in provider["block_types"]["default_tags"]["block"]["attributes"]
    assert "alias" not in provider["attributes"]  # a meta-argument, not the provider's
