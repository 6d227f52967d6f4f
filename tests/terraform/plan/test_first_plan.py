"""The first `terraform plan` of a new environment, on an empty account.

Empty state, and no fixture for anything Terraform itself creates: a data source that reads
such a thing during plan fails as AWS would (ParameterNotFound), as it would on a team's first
plan. It failed while modules/alb read the live-colour parameter with a data source.
"""

from __future__ import annotations

import pytest

from tests.terraform.offline.runner import Workspace
from tests.terraform.plan.conftest import ENVIRONMENTS


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_first_plan_on_an_empty_account_succeeds(workspace: Workspace, environment: str) -> None:
    init = workspace.init(environment)
    assert init.ok, init.output
    plan = workspace.plan(environment, first_plan=True)
    assert plan.ok, plan.output
    assert "Plan: " in plan.output
