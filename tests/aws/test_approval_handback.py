"""The approval pause handed back (`deploy --approve --detach`) on moto, with credentials that
expire: no deployment depends on one process's credentials outliving its pauses (invariant 12).

The deploying process's session expires right after it hands the pause back; `promote` or
`rollback` runs in another process with a session of its own, as the CI's promote job does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import Settings
from bluegreen.errors import DeployError, LockError, PlatformError
from bluegreen.progress import SilentProgress
from bluegreen.request import RollbackRequest
from tests.support.aws_faults import ExpiringCredentials
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import make_session, stack_settings
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .e2e_support import (
    ANALYSIS,
    APPROVE_TIMEOUT,
    assert_green_took_over,
    deploy_request,
    lock_item,
    pause_for_approval,
    production_weight_changes,
    world,
)


@pytest.fixture
def clock() -> FakeClock:
    """Fake time starting now, so CloudWatch data moto stamps with real time is in range."""
    return FakeClock(now=time.time())


@pytest.fixture
def settings(stack: dict[str, Any], app_url: str) -> Settings:
    """The stack's outputs as `[aws]` keys, the app URL on the stand-in endpoint."""
    return stack_settings(stack, analysis=ANALYSIS, app_url=app_url)


@pytest.fixture
def expiring(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    recorder: RequestRecorder,
    clock: FakeClock,
) -> Callable[[float], tuple[AwsProvider, ExpiringCredentials]]:
    """A provider whose credentials expire `after` seconds from now (a CI job's session)."""

    def build(after: float) -> tuple[AwsProvider, ExpiringCredentials]:
        session = make_session()
        recorder.install(session)
        agent.install(session)
        credentials = ExpiringCredentials(clock, clock.time() + after)
        credentials.install(session)
        return make_provider(session=session), credentials

    return build


def test_a_handed_back_pause_is_promoted_by_another_process_after_the_first_one_expired(
    expiring: Callable[[float], tuple[AwsProvider, ExpiringCredentials]],
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    deploying, credentials = expiring(900.0)
    pending = pause_for_approval(deploying, clock)
    assert pending.deadline == pytest.approx(clock.time() + APPROVE_TIMEOUT)
    lock = lock_item(stack)
    assert lock is not None
    assert lock["pid"]["N"] == "0"  # kept, held by no process
    assert world(stack)["live"] == "blue"
    assert production_weight_changes(recorder, stack) == [(90, 10)]
    assert operations.status(make_provider())["deployment"]["state"] == "awaiting_approval"

    clock.sleep(1800)  # the deploy job's session is long gone
    with pytest.raises(PlatformError, match="credentials expired"):
        deploying.snapshot()
    assert credentials.refused

    promoted = operations.promote(make_provider(), analysis=ANALYSIS, clock=clock)
    assert promoted == "d-1"
    assert production_weight_changes(recorder, stack) == [(90, 10), (0, 100)]
    assert_green_took_over(stack)
    record = make_provider().state.load_record("d-1")
    assert record is not None
    assert record.outcome == "succeeded"


def test_a_handed_back_pause_keeps_the_lock_against_another_deploy(
    make_provider: Callable[..., AwsProvider], clock: FakeClock
) -> None:
    pause_for_approval(make_provider(), clock)
    with pytest.raises(LockError):
        operations.deploy(make_provider(), deploy_request(), SilentProgress(), clock=clock)


def test_rollback_during_a_handed_back_pause_restores_the_old_colour_at_once(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    pause_for_approval(make_provider(), clock)
    record = operations.rollback(
        make_provider(), RollbackRequest(reason="not today"), SilentProgress(), clock=clock
    )
    assert record is not None
    assert (record.outcome, record.reason) == ("rolled_back", "not today")
    assert production_weight_changes(recorder, stack)[-1] == (100, 0)
    state = world(stack)
    assert state["live"] == "blue"
    assert state["services"]["app-green"][0] == 0
    assert lock_item(stack) is None


def test_an_expired_approval_is_rolled_back_by_whichever_command_runs_next(
    make_provider: Callable[..., AwsProvider],
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    pause_for_approval(make_provider(), clock)
    clock.sleep(APPROVE_TIMEOUT + 1)
    assert operations.status(make_provider())["deployment"]["state"] == "approval_expired"
    with pytest.raises(DeployError, match=r"not approved before .*: rolled back"):
        operations.promote(make_provider(), analysis=ANALYSIS, clock=clock)
    assert production_weight_changes(recorder, stack)[-1] == (100, 0)
    assert world(stack)["live"] == "blue"
    assert lock_item(stack) is None
    record = make_provider().state.load_record("d-1")
    assert record is not None
    assert record.outcome == "rolled_back"
    assert "no approval within 3600 s" in (record.reason or "")
