"""The first `terraform plan` of a new environment, on an empty account.

Empty state, and no fixture for anything Terraform itself creates: a data source that reads
such a thing during plan fails as AWS would (ParameterNotFound), as it would on a team's first
plan. The test is expected to fail until the live-colour data source is gone from modules/alb.
"""

from __future__ import annotations

import pytest

from tests.terraform.offline.runner import Workspace
from tests.terraform.plan.conftest import ENVIRONMENTS


class FirstPlanFailedError(AssertionError):
    """The plan itself failed (not init or validate): what the xfail below expects."""


@pytest.mark.xfail(
    strict=True,
    raises=FirstPlanFailedError,
    reason=(
        "issue 13 item 1: module.alb reads data.aws_ssm_parameter.live_color during plan, "
        "before the parameter exists (ParameterNotFound); the tf branch removes that data "
        "source, and this xfail goes when it merges"
    ),
)
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_first_plan_on_an_empty_account_succeeds(workspace: Workspace, environment: str) -> None:
    init = workspace.init(environment)
    assert init.ok, init.output
    plan = workspace.plan(environment, first_plan=True)
    if not plan.ok:
        raise FirstPlanFailedError(plan.output)
    assert "Plan: " in plan.output
