"""Resolving the AWS resource names from `[aws]` keys and Terraform outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bluegreen.aws.outputs import resolve_aws_resources
from bluegreen.config import AwsSettings, TerraformOutputs, contract_keys
from bluegreen.errors import ConfigError
from tests.support.aws_stack import terraform_output_json

OUTPUTS: dict[str, Any] = {
    "aws_region": "eu-west-1",
    "app_url": "https://app.example.com",
    "ecs_cluster_name": "app",
    "blue_service_name": "app-blue",
    "green_service_name": "app-green",
    "listener_arn": "arn:listener",
    "blue_target_group_arn": "arn:tg/blue",
    "green_target_group_arn": "arn:tg/green",
    "blue_alarm_names": ["app-blue-5xx"],
    "green_alarm_names": ["app-green-5xx", "app-green-latency"],
    "deploy_table_name": "app-deploy",
    "live_color_parameter": "/app/live-color",
}


def test_a_saved_terraform_output_file_names_every_resource(tmp_path: Path) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(terraform_output_json(OUTPUTS))
    resources = resolve_aws_resources(
        AwsSettings(terraform_outputs=Path("outputs.json")), base_dir=tmp_path
    )
    assert resources.cluster == "app"
    assert dict(resources.services) == {"blue": "app-blue", "green": "app-green"}
    assert dict(resources.target_groups) == {"blue": "arn:tg/blue", "green": "arn:tg/green"}
    assert dict(resources.alarm_names) == {
        "blue": ("app-blue-5xx",),
        "green": ("app-green-5xx", "app-green-latency"),
    }
    assert resources.test_listener_arn is None


def test_explicit_keys_win_over_terraform_outputs(tmp_path: Path) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(terraform_output_json(OUTPUTS))
    resources = resolve_aws_resources(
        AwsSettings(terraform_outputs=saved, ecs_cluster_name="other-cluster")
    )
    assert resources.cluster == "other-cluster"


def test_an_environment_directory_runs_terraform_output_there(tmp_path: Path) -> None:
    seen: list[Path] = []

    def runner(directory: Path) -> str:
        seen.append(directory)
        return terraform_output_json(OUTPUTS)

    resources = resolve_aws_resources(AwsSettings(terraform_outputs=tmp_path), runner=runner)
    assert seen == [tmp_path]
    assert resources.table == "app-deploy"


def test_a_missing_output_is_named_with_where_it_was_looked_for(tmp_path: Path) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(
        terraform_output_json({k: v for k, v in OUTPUTS.items() if k != "listener_arn"})
    )
    with pytest.raises(ConfigError) as raised:
        resolve_aws_resources(AwsSettings(terraform_outputs=saved))
    looked_in = f"[aws] in bluegreen.toml and the Terraform outputs of {saved}"
    assert f"aws.listener_arn: missing (looked in {looked_in})" in str(raised.value)


def test_no_outputs_and_no_keys_names_the_first_missing_key_and_the_rest() -> None:
    with pytest.raises(
        ConfigError,
        match=r"aws\.aws_region: missing \(looked in \[aws\] in bluegreen.toml\); "
        r"also missing: app_url",
    ):
        resolve_aws_resources(AwsSettings())


def test_an_unreadable_outputs_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        resolve_aws_resources(AwsSettings(terraform_outputs=tmp_path / "absent.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("not json")
    with pytest.raises(ConfigError, match="not the JSON"):
        resolve_aws_resources(AwsSettings(terraform_outputs=broken))


def test_the_contract_is_declared_once_and_the_test_doubles_follow_it(
    stack: dict[str, Any],
) -> None:
    required, optional = contract_keys(required=True), contract_keys(required=False)
    assert set(required).isdisjoint(optional)
    assert set(required) | set(optional) == set(TerraformOutputs.model_fields)
    # [aws] accepts every output under the same name
    assert set(TerraformOutputs.model_fields) <= set(AwsSettings.model_fields)
    # the seeded moto stack outputs what a Terraform environment must (and only known keys)
    assert set(required) <= set(stack)
    assert set(stack) - set(required) - set(optional) <= {"ecr_repository_url"}
    assert set(required) <= set(OUTPUTS)


def test_a_missing_required_output_is_named_in_the_contracts_order() -> None:
    partial = {k: v for k, v in OUTPUTS.items() if k not in ("listener_arn", "app_url")}
    with pytest.raises(ConfigError, match=r"aws\.app_url: missing .*also missing: listener_arn"):
        resolve_aws_resources(AwsSettings.model_validate(partial))
