"""History records for tests of the stores and the operations that read the history."""

from __future__ import annotations

from typing import Any

from bluegreen.model import Release
from bluegreen.records import DeploymentRecord, Outcome, Side


def make_record(
    deployment_id: str, outcome: Outcome = Outcome.SUCCEEDED, **changes: Any
) -> DeploymentRecord:
    """A blue 1.0.0 -> green 2.0.0 deploy record; `changes` replace any field."""
    fields: dict[str, Any] = {
        "id": deployment_id,
        "operation": "deploy",
        "target": "memory",
        "who": "tester",
        "started_at": 1_800_000_000.0,
        "finished_at": 1_800_000_010.0,
        "duration_s": 10.0,
        "old": Side("blue", Release("1.0.0")),
        "new": Side("green", Release("2.0.0")),
        "strategy": "all-at-once",
        "weights_before": None,
        "outcome": outcome,
        **changes,
    }
    return DeploymentRecord(**fields)


def record_with_old(
    color: str, outcome: Outcome = Outcome.ROLLED_BACK, deployment_id: str = "x"
) -> DeploymentRecord:
    """A canary that ended `outcome` with `color` as its old colour (1.0.0), no new colour."""
    return make_record(
        deployment_id,
        outcome,
        old=Side(color, Release("1.0.0")),  # type: ignore[arg-type]  # a colour literal
        new=Side(),
        strategy="canary",
        started_at=0.0,
        finished_at=1.0,
        duration_s=1.0,
        who="me",
    )
