"""Fixtures of the offline plans: one scratch workspace per session, each plan run once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.terraform.offline.runner import (
    TERRAFORM,
    EnvironmentPlan,
    Workspace,
    plan_environment,
)

ENVIRONMENTS = sorted(p.name for p in (TERRAFORM / "environments").iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace.create(tmp_path_factory.mktemp("tf-offline"))


@pytest.fixture(scope="session")
def planned(workspace: Workspace) -> Callable[[str], EnvironmentPlan]:
    """init, validate and plan of an environment (computed values unknown, as Terraform shows)."""
    done: dict[str, EnvironmentPlan] = {}

    def get(environment: str) -> EnvironmentPlan:
        if environment not in done:
            done[environment] = plan_environment(workspace, environment)
        return done[environment]

    return get


@pytest.fixture(scope="session")
def settled(
    workspace: Workspace, planned: Callable[[str], EnvironmentPlan]
) -> Callable[[str], dict[str, Any]]:
    """The plan as JSON with computed values as apply would leave them (offline/settled.py)."""
    done: dict[str, dict[str, Any]] = {}

    def get(environment: str) -> dict[str, Any]:
        if environment not in done:
            first = planned(environment)
            if not first.ok:
                pytest.fail(first.failure)
            outcome = workspace.plan(environment, settled=True)
            if not outcome.ok:
                pytest.fail(f"settled plan of {environment} failed:\n{outcome.output}")
            done[environment] = workspace.show(environment, settled=True)
        return done[environment]

    return get
