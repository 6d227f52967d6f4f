"""A refused operation leaves a history record with its reason (issue 15, "evidence that
survives"), written without the lock and without touching the holder's journal or record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from bluegreen import events
from bluegreen.errors import ConfigError, DeployError, LockError, PlatformError
from bluegreen.journal import Journal
from bluegreen.lifecycle import save_refusal
from bluegreen.model import Release, Weights
from bluegreen.operations import deploy, rollback, status
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord, Outcome
from bluegreen.request import DeployRequest, RollbackRequest
from bluegreen.state import LockInfo
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider
from tests.support.records import record_with_old

NEW = DeployRequest(release=Release("2.0.0"), tasks=2, health_timeout=5.0, drain_timeout=0.0)


def _holding(platform: MemoryProvider, clock: FakeClock) -> LockInfo:
    """A live deployment holds the lock and has written two journal events."""
    holder = LockInfo("d-holder", "alice", "deploy", clock.now, clock.now + 300)
    platform.state.acquire_lock(holder)
    journal = Journal(platform.state, holder.deployment_id, clock)
    journal.record(events.Begin(old="blue", new="green"))
    journal.record(events.Migrate(version="2.0.0"))
    return holder


def test_a_deploy_refused_because_the_lock_is_held_leaves_a_record_and_the_holder_untouched() -> (
    None
):
    clock = FakeClock()
    platform = MemoryProvider(clock=clock)
    platform.seed("blue", "1.0.0")
    holder = _holding(platform, clock)
    journal_before = list(platform.state.events("d-holder"))

    with pytest.raises(LockError) as raised:
        deploy(platform, NEW, SilentProgress(), clock=clock)

    assert raised.value.exit_code == 3
    [record] = platform.state.records
    assert record.outcome is Outcome.REFUSED
    assert record.operation == "deploy"
    assert record.reason == raised.value.message
    assert "d-holder" in (record.reason or "")
    assert record.id != "d-holder"
    assert raised.value.record_id == record.id
    assert platform.state.lock == holder  # the holder keeps its lock...
    assert platform.state.events("d-holder") == journal_before  # ...and its journal as it was
    assert platform.state.events(record.id) == []  # a refusal has no journal of its own
    assert platform.calls == []


def test_a_refusal_at_preflight_inside_the_lifecycle_leaves_exactly_one_record() -> None:
    platform = MemoryProvider()
    platform.seed("blue", "1.0.0")
    platform.colors["blue"].healthy = 1  # live colour 1 of 2 healthy: preflight refuses

    with pytest.raises(DeployError, match="refusing to deploy") as raised:
        deploy(platform, NEW, SilentProgress())

    [record] = platform.state.records
    assert record.outcome is Outcome.REFUSED
    assert raised.value.record_id == record.id
    assert record.old.color == "blue"  # the lifecycle's record, with what it saw
    assert platform.state.lock is None


def _only_record(records: Sequence[DeploymentRecord]) -> DeploymentRecord:
    assert len(records) == 1, records
    return records[0]


def test_bad_input_is_not_recorded_its_contract_is_that_nothing_was_written() -> None:
    platform = MemoryProvider()
    platform.seed("blue", "1.0.0")
    request = RollbackRequest(tasks=2, reason="the pager went off", to_version="0.9.0")

    with pytest.raises(ConfigError, match="not in the history") as raised:
        rollback(platform, request, SilentProgress())

    assert raised.value.exit_code == 2
    assert platform.state.records == []
    assert platform.calls == []


def test_a_rollback_that_times_out_waiting_for_a_running_deployment_is_recorded() -> None:
    clock = FakeClock()
    platform = MemoryProvider(clock=clock)
    platform.seed("blue", "1.0.0")
    _holding(platform, clock)  # alive, and it never answers the abort signal
    request = RollbackRequest(tasks=2, reason="the pager went off", wait_timeout=0.0)

    with pytest.raises(DeployError, match="did not finish") as raised:
        rollback(platform, request, SilentProgress(), clock=clock)

    record = _only_record(platform.state.records)
    assert (record.operation, record.outcome) == ("rollback", Outcome.REFUSED)
    assert record.reason == raised.value.message
    assert record.request_reason == "the pager went off"
    assert platform.state.lock is not None
    assert platform.state.lock.deployment_id == "d-holder"


def test_a_rollback_of_split_traffic_with_no_healthy_colour_and_no_history_is_recorded() -> None:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.colors["blue"].healthy = platform.colors["green"].healthy = 0
    platform.weights = Weights(70, 30)

    with pytest.raises(DeployError, match="no colour is healthy"):
        rollback(platform, RollbackRequest(tasks=2), SilentProgress())

    record = _only_record(platform.state.records)
    assert record.outcome is Outcome.REFUSED
    assert "no colour is healthy" in (record.reason or "")
    assert platform.state.lock is None


def test_a_refusal_record_does_not_change_which_colour_a_later_rollback_prefers() -> None:
    clock = FakeClock()
    platform = MemoryProvider(clock=clock)
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.weights = Weights(70, 30)  # an undo that could not finish; blue was the old colour
    save_refusal(platform, "rollback", "an earlier refusal", clock=clock)  # old colour: none
    older = record_with_old("blue", deployment_id="00000000T000000-0000")
    platform.state.records.insert(0, older)

    record = rollback(platform, RollbackRequest(tasks=2), SilentProgress(), clock=clock)

    assert record is not None
    assert record.new.color == "blue"
    assert platform.weights == Weights(100, 0)


class _BrokenStore:
    """A state store whose writes fail (the store is what failed)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def save_record(self, record: DeploymentRecord) -> None:
        raise PlatformError("DynamoDB: ExpiredTokenException")

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def test_a_refusal_whose_record_cannot_be_written_still_surfaces_its_own_error() -> None:
    clock = FakeClock()
    platform = MemoryProvider(clock=clock)
    platform.seed("blue", "1.0.0")
    _holding(platform, clock)
    platform.state = _BrokenStore(platform.state)  # type: ignore[assignment]  # a failing store

    with pytest.raises(LockError, match="d-holder") as raised:
        deploy(platform, NEW, SilentProgress(), clock=clock)

    assert raised.value.record_id is None


def test_status_shows_the_deployment_that_ended_last_not_a_refusal_made_while_it_ran() -> None:
    clock = FakeClock()
    platform = MemoryProvider(clock=clock)
    platform.seed("blue", "1.0.0")
    holder = LockInfo("20000101T000000-aaaa", "alice", "deploy", clock.now, clock.now + 300)
    platform.state.acquire_lock(holder)
    with pytest.raises(LockError):
        deploy(platform, NEW, SilentProgress(), clock=clock)
    clock.sleep(30)  # the holder ends after the refusal, though it started before it
    platform.state.lock = None
    platform.state.records.insert(  # ordered as the stores order it: by start
        0,
        replace(
            platform.state.records[0],
            id=holder.deployment_id,
            outcome=Outcome.SUCCEEDED,
            started_at=clock.now - 60,
            finished_at=clock.now,
            reason=None,
        ),
    )

    assert platform.state.history()[0].outcome is Outcome.REFUSED  # newest by start
    last = status(platform)["last_deployment"]
    assert (last["id"], last["outcome"]) == (holder.deployment_id, "succeeded")


def test_deployment_ids_started_in_one_second_sort_in_the_order_they_started() -> None:
    # History is newest first by id: a refused deploy and the next one often start within a second.
    from bluegreen.state import new_deployment_id  # noqa: PLC0415 - only this test needs it

    second = 1_800_000_000.0
    ids = [new_deployment_id(second + k / 1000) for k in (5, 40, 400, 999)]
    assert sorted(ids) == ids
    assert new_deployment_id(second + 0.999) < new_deployment_id(second + 1.0)
