"""Operations above the procedure: rollback's choices, on the in-memory platform."""

import pytest

from bluegreen.errors import ConfigError, DeployError
from bluegreen.model import Release, Weights
from bluegreen.operations import rollback
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.request import RollbackRequest
from tests.support.memory import MemoryProvider

TEMPLATE = RollbackRequest(tasks=2, reason="why")


def _record(old: str, outcome: Outcome) -> DeploymentRecord:
    return DeploymentRecord(
        id="x",
        operation="deploy",
        target="memory",
        who="me",
        started_at=0.0,
        finished_at=1.0,
        duration_s=1.0,
        old=Side(old, Release("1.0.0")),  # type: ignore[arg-type]  # a colour literal
        new=Side(),
        strategy="canary",
        weights_before=None,
        outcome=outcome,
    )


def test_rollback_of_split_traffic_with_no_deployment_running_restores_the_old_colour() -> None:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.weights = Weights(70, 30)  # an undo that could not finish
    platform.state.records.append(_record("blue", Outcome.ROLLED_BACK))
    record = rollback(platform, TEMPLATE, SilentProgress())
    assert platform.weights == Weights(100, 0)
    assert platform.calls == [
        ("weights", {"blue": 100, "green": 0}),
        ("record_live", "blue"),
        ("stop", "green"),
    ]
    assert record is not None
    assert record.outcome is Outcome.SUCCEEDED
    assert record.request_reason == "why"
    assert platform.state.lock is None
    assert platform.state.records[-1] == record


def test_rollback_of_split_traffic_without_a_healthy_colour_changes_nothing() -> None:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.colors["blue"].healthy = platform.colors["green"].healthy = 0
    platform.weights = Weights(70, 30)
    with pytest.raises(DeployError, match="no colour is healthy"):
        rollback(platform, TEMPLATE, SilentProgress())
    assert platform.calls == []


def test_rollback_of_the_first_release_has_nothing_to_go_back_to() -> None:
    platform = MemoryProvider()
    platform.seed("blue", "1.0.0")
    with pytest.raises(ConfigError, match="nothing to roll back to"):
        rollback(platform, TEMPLATE, SilentProgress())
    assert platform.calls == []
