"""The dry-run wrapper on the in-memory platform: the whole procedure runs, nothing changes.

The AWS tests (tests/aws) check the same on moto, with the requests AWS received.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bluegreen import operations
from bluegreen.config import HookSettings
from bluegreen.dryrun import calls as planned
from bluegreen.errors import ConfigError, LockError
from bluegreen.events import AwaitingApproval, Smoke
from bluegreen.model import Release, Weights
from bluegreen.plan import Strategy
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from bluegreen.state import LockInfo
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider

NEW = Release("2.0.0")


def _request(**overrides: object) -> DeployRequest:
    options: dict[str, object] = {"release": NEW, "tasks": 2, **overrides}
    return DeployRequest(**options)  # type: ignore[arg-type]  # test-only kwargs


def test_an_approval_pause_and_a_smoke_test_are_planned_not_waited_for_nor_run(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    request = _request(
        strategy=Strategy(name="canary", canary_percent=10, interval=0.0),
        approve=True,
        approve_timeout=3600.0,
        smoke="exit 3",  # would fail the deployment if it ran
    )

    result = operations.deploy_dry_run(platform, request, SilentProgress(), clock=clock)

    assert result.error is None
    assert result.record is not None
    assert result.record.new.color == "green"
    # nothing happened on the platform, nothing in its state store, no time passed
    assert platform.calls == []
    assert platform.state.records == []
    assert platform.state.journal == {}
    assert platform.state.lock is None
    assert clock.slept == []
    plan = result.plan
    assert planned.RunSmoke("exit 3", "(dry-run: the test listener, routed to green)") in plan
    kinds = [c.event for c in plan if isinstance(c, planned.WriteEvent)]
    assert any(isinstance(e, Smoke) for e in kinds)
    # the pause is in the plan, then (an operator's promote assumed) the final shift
    paused = next(
        i for i, c in enumerate(plan) if isinstance(getattr(c, "event", None), AwaitingApproval)
    )
    assert planned.SetWeights(Weights.all_on("green")) in plan[paused:]
    assert not any(isinstance(c, planned.Wait) and c.seconds >= 3600 for c in plan)


def test_hooks_are_planned_not_run_and_a_detached_pause_is_walked_as_promoted(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    ran = tmp_path / "ran"
    request = _request(
        strategy=Strategy(name="canary", canary_percent=10, interval=30.0),
        approve=True,
        detach=True,
        hooks=HookSettings(pre_deploy=f"touch {ran}", post_deploy="exit 3"),
    )

    result = operations.deploy_dry_run(platform, request, SilentProgress(), clock=clock)

    assert not ran.exists()
    assert result.error is None
    assert result.record is not None
    assert result.record.notes == ()  # the failing post hook did not run either
    assert result.record.verdicts == ()  # no traffic moved: nothing judged
    plan = result.plan
    assert plan.index(planned.RunHook("pre_deploy", f"touch {ran}")) < plan.index(
        planned.Start("green", NEW, 2)
    )
    assert planned.RunHook("post_deploy", "exit 3") in plan
    assert planned.SetWeights(Weights.all_on("green")) in plan
    assert not any(isinstance(c, planned.HandOverLock) for c in plan)
    assert platform.calls == []
    assert clock.slept == []


def test_a_dry_run_is_refused_by_a_live_deployment_holding_the_lock(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.state.acquire_lock(LockInfo("d-other", "alice", "deploy", clock.now, clock.now + 300))

    with pytest.raises(LockError):
        operations.deploy_dry_run(platform, _request(), SilentProgress(), clock=clock)

    assert platform.calls == []


def test_a_dry_run_of_a_refused_deployment_returns_the_error_and_the_record_it_would_save(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.colors["blue"].healthy = 1  # of 2: the preflight refuses to deploy

    result = operations.deploy_dry_run(platform, _request(), SilentProgress(), clock=clock)

    assert result.error is not None
    assert "refusing to deploy" in result.error.message
    assert result.record is not None
    assert result.record.outcome.value == "refused"
    assert [c.name for c in result.plan if c.name != "journal"] == [
        "take-lock",
        "save-record",
        "give-back-lock",
    ]
    assert platform.state.records == []


def test_the_recovery_of_a_dead_deployment_is_planned_too(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.state.acquire_lock(LockInfo("d-dead", "bob", "deploy", clock.now, clock.now + 1))
    platform.state.alive = False

    result = operations.deploy_dry_run(platform, _request(), SilentProgress(), clock=clock)

    assert result.error is None
    assert planned.BreakLock("d-dead") in result.plan
    assert platform.state.lock is not None  # still there: the dry run only planned breaking it
    assert platform.calls == []


def test_a_dry_run_on_the_local_platform_is_refused_as_bad_input() -> None:
    class Local(MemoryProvider):
        pass

    local = Local(target="local")
    with pytest.raises(ConfigError, match="--dry-run is for --target aws"):
        operations.deploy_dry_run(local, _request(), SilentProgress())
