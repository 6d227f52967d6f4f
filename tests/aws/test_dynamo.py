"""The DynamoDB state store: lock with a lease, append-only journal, history."""

from __future__ import annotations

import dataclasses
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError

from bluegreen.aws.dynamo import DynamoStateStore
from bluegreen.aws.retry import AwsCaller, RetryPolicy
from bluegreen.errors import LockError, PlatformError
from bluegreen.records import Outcome
from bluegreen.state import JournalEntry, LockInfo
from tests.support.aws_stack import REGION
from tests.support.clock import FakeClock
from tests.support.records import make_record


def _store(stack: dict[str, Any], clock: FakeClock) -> DynamoStateStore:
    client = boto3.Session(region_name=REGION).client("dynamodb")
    return DynamoStateStore(stack["deploy_table_name"], client, clock=clock)


def _lock(deployment_id: str, clock: FakeClock, lease: float = 300.0) -> LockInfo:
    return LockInfo(
        deployment_id=deployment_id,
        owner="ci (github)",
        operation="deploy",
        acquired_at=clock.now,
        expires_at=clock.now + lease,
        host="runner-1",
        pid=42,
    )


def test_a_second_deployment_is_refused_naming_the_holder(
    stack: dict[str, Any], clock: FakeClock
) -> None:
    store = _store(stack, clock)
    store.acquire_lock(_lock("d1", clock))
    with pytest.raises(
        LockError, match="deployment d1 \\(deploy\\) by ci \\(github\\) holds the deploy lock"
    ):
        store.acquire_lock(_lock("d2", clock))
    assert store.lock_holder() == _lock("d1", clock)


def test_an_expired_lease_is_reported_as_a_dead_holder_not_replaced(
    stack: dict[str, Any], clock: FakeClock
) -> None:
    store = _store(stack, clock)
    first = _lock("d1", clock, lease=30)
    store.acquire_lock(first)
    assert store.holder_alive(first)
    clock.now += 31
    assert not store.holder_alive(first)
    with pytest.raises(LockError, match="left the deploy lock behind: its lease expired"):
        store.acquire_lock(_lock("d2", clock))
    store.break_lock("d1")
    store.acquire_lock(_lock("d2", clock))
    holder = store.lock_holder()
    assert holder is not None
    assert holder.deployment_id == "d2"


def test_renewing_extends_the_lease_and_fails_once_the_lock_is_gone(
    stack: dict[str, Any], clock: FakeClock
) -> None:
    store = _store(stack, clock)
    store.acquire_lock(_lock("d1", clock, lease=30))
    store.renew_lock("d1", clock.now + 600.5)
    holder = store.lock_holder()
    assert holder is not None
    assert holder.expires_at == clock.now + 600.5
    store.break_lock("d1")
    with pytest.raises(LockError, match="no longer holds"):
        store.renew_lock("d1", clock.now + 900)


def test_release_only_removes_our_own_lock(stack: dict[str, Any], clock: FakeClock) -> None:
    store = _store(stack, clock)
    store.acquire_lock(_lock("d1", clock))
    store.release_lock("someone-else")
    assert store.lock_holder() is not None
    store.release_lock("d1")
    assert store.lock_holder() is None


def test_the_journal_is_ordered_and_append_only(stack: dict[str, Any], clock: FakeClock) -> None:
    store = _store(stack, clock)
    events = [
        JournalEntry(
            "d1", seq, clock.now + seq, step, {"weights": {"blue": 90, "green": 10}, "at": 1.5}
        )
        for seq, step in [(1, "start"), (2, "shift"), (10, "done")]
    ]
    for event in reversed(events):
        store.append_event(event)
    store.append_event(JournalEntry("d2", 1, clock.now, "start"))
    assert list(store.events("d1")) == events
    with pytest.raises(PlatformError, match="append-only"):
        store.append_event(JournalEntry("d1", 2, clock.now, "again"))


def test_history_is_newest_first_and_records_can_be_loaded(
    stack: dict[str, Any], clock: FakeClock
) -> None:
    store = _store(stack, clock)
    for n in range(1, 4):
        store.save_record(make_record(f"20261127T10000{n}-abcd", duration_s=1.25 * n))
    last = make_record("20261127T100003-abcd", Outcome.ROLLED_BACK, duration_s=9.0)
    store.save_record(last)
    assert [r.id for r in store.history(limit=2)] == [
        "20261127T100003-abcd",
        "20261127T100002-abcd",
    ]
    assert store.load_record("20261127T100003-abcd") == last
    assert store.load_record("nope") is None


def test_a_lock_write_retried_after_a_lost_answer_is_recognised_as_ours(
    stack: dict[str, Any], clock: FakeClock
) -> None:
    """The first conditional PutItem lands but its answer times out; the retry then fails its
    condition on our own item: that is our lock, not someone else's."""
    session = boto3.Session(region_name=REGION)
    lost = [1]

    def lose_the_answer(**_: Any) -> None:
        if lost[0]:
            lost[0] -= 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb.invalid")

    session.events.register("after-call.dynamodb.PutItem", lose_the_answer)
    store = DynamoStateStore(
        stack["deploy_table_name"],
        session.client("dynamodb"),
        caller=AwsCaller(RetryPolicy(wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)),
        clock=clock,
    )
    store.acquire_lock(_lock("d1", clock))
    assert lost == [0]
    assert store.lock_holder() == _lock("d1", clock)
    someone_else = dataclasses.replace(_lock("d1", clock), pid=43)
    with pytest.raises(LockError, match="holds the deploy lock"):
        store.acquire_lock(someone_else)


def test_a_handed_back_lock_lives_by_its_lease_and_can_be_taken_over(
    stack: dict[str, Any], clock: FakeClock
) -> None:
    store = _store(stack, clock)
    store.acquire_lock(_lock("d1", clock))
    paused = dataclasses.replace(_lock("d1", clock), pid=0, expires_at=clock.now + 3600)
    store.hand_over("d1", paused)
    assert store.lock_holder() == paused
    assert paused.handed_back
    assert store.holder_alive(paused)
    with pytest.raises(LockError, match="no longer holds"):
        store.hand_over("d2", _lock("d2", clock))
    clock.now += 3601
    assert not store.holder_alive(paused)
