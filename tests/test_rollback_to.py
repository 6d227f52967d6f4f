"""`rollback --to VERSION`: any release still in the history, started on the idle colour,
health-checked and switched to; unknown or live versions are refused with nothing changed."""

from __future__ import annotations

import pytest

from bluegreen import operations
from bluegreen.deployment import Deployment
from bluegreen.errors import ConfigError
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.records import Outcome
from bluegreen.request import DeployRequest, RollbackRequest
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider


@pytest.fixture
def platform() -> MemoryProvider:
    """1.0.0, then 2.0.0, then 3.0.0 deployed: 3.0.0 live on blue, 2.0.0 gone from green."""
    clock = FakeClock()
    provider = MemoryProvider(clock=clock)
    provider.seed("blue", "1.0.0")
    for version in ("2.0.0", "3.0.0"):
        request = DeployRequest(release=Release(version, env={"V": version}), tasks=2)
        Deployment(provider, request, SilentProgress(), clock=clock).run()
    return provider


def test_rollback_to_an_older_release_starts_it_on_the_idle_colour_and_switches(
    platform: MemoryProvider,
) -> None:
    assert platform.snapshot().live == "blue"
    platform.calls.clear()
    record = operations.rollback(
        platform, RollbackRequest(to_version="2.0.0", reason="bad 3"), SilentProgress()
    )
    assert record is not None
    assert record.operation == "rollback"
    assert record.outcome is Outcome.SUCCEEDED
    assert (record.new.color, record.new.version) == ("green", "2.0.0")
    assert record.new.release is not None
    assert dict(record.new.release.env) == {"V": "2.0.0"}
    assert platform.calls[0] == ("start", "green")  # never a migration for an older release
    assert platform.snapshot().live == "green"


def test_rollback_to_the_first_release_reaches_past_the_previous_one(
    platform: MemoryProvider,
) -> None:
    record = operations.rollback(platform, RollbackRequest(to_version="1.0.0"), SilentProgress())
    assert record is not None
    assert record.new.version == "1.0.0"


def test_rollback_to_a_version_not_in_the_history_is_refused_naming_the_known_ones(
    platform: MemoryProvider,
) -> None:
    platform.calls.clear()
    with pytest.raises(
        ConfigError, match=r"9\.9\.9 is not in the history \(known: 1\.0\.0, 2\.0\.0, 3\.0\.0\)"
    ):
        operations.rollback(platform, RollbackRequest(to_version="9.9.9"), SilentProgress())
    assert platform.calls == []


def test_rollback_to_the_live_version_is_refused(platform: MemoryProvider) -> None:
    with pytest.raises(ConfigError, match=r"3\.0\.0 is already live on blue"):
        operations.rollback(platform, RollbackRequest(to_version="3.0.0"), SilentProgress())
