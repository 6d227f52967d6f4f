"""Operations above the procedure: rollback's choices, on the in-memory platform."""

import pytest

from bluegreen.deployment import DeployRequest
from bluegreen.errors import ConfigError, DeployError
from bluegreen.journal import SilentProgress
from bluegreen.model import Release, Weights
from bluegreen.operations import rollback
from tests.support.memory import MemoryProvider

TEMPLATE = DeployRequest(release=Release("unused"), tasks=2, reason="why")


def test_rollback_of_split_traffic_with_no_deployment_running_restores_the_old_colour() -> None:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.weights = Weights(70, 30)  # an undo that could not finish
    platform.state.records.append({"id": "x", "from": {"color": "blue"}, "outcome": "rolled_back"})
    record = rollback(platform, TEMPLATE, SilentProgress())
    assert platform.weights == Weights(100, 0)
    assert platform.calls == [
        ("weights", {"blue": 100, "green": 0}),
        ("record_live", "blue"),
        ("stop", "green"),
    ]
    assert record["outcome"] == "succeeded"
    assert record["request_reason"] == "why"
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
