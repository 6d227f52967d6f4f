"""Autoscaling scale-in held during a deployment and put back on every way out, on the
in-memory platform (the AWS calls themselves: tests/aws/test_scaling_aws.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bluegreen import event_codec, events, operations
from bluegreen.deployment import Deployment
from bluegreen.errors import HealthCheckError, PlatformError
from bluegreen.journal import Journal, read
from bluegreen.model import Color, Release, Scaling
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord, Outcome
from bluegreen.recovery import recover
from bluegreen.request import DeployRequest
from bluegreen.state import LockInfo
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider

# Before the deployment: blue's scheduled scaling suspended by its operator, green all on.
BEFORE: dict[Color, Scaling] = {
    "blue": Scaling("blue", scheduled=True),
    "green": Scaling("green"),
}
HELD = (Scaling("blue", dynamic_in=True, scheduled=True), Scaling("green", dynamic_in=True))


@pytest.fixture
def platform(clock: FakeClock) -> MemoryProvider:
    provider = MemoryProvider(clock=clock, scaling_states=dict(BEFORE))
    provider.seed("blue", "1.0.0")
    return provider


def deploy(provider: MemoryProvider, clock: FakeClock, release: Release) -> DeploymentRecord:
    request = DeployRequest(release=release, tasks=2, health_timeout=5.0)
    return Deployment(
        provider, request, SilentProgress(), clock=clock, readiness=lambda _url: None
    ).run()


def scaling_calls(provider: MemoryProvider) -> list[object]:
    return [args for name, args in provider.calls if name == "set_scaling"]


def test_scale_in_is_held_before_the_new_colour_starts_and_put_back_after_the_drain(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    record = deploy(platform, clock, Release("2.0.0"))
    names = [name for name, _ in platform.calls]
    assert names == ["set_scaling", "start", "weights", "record_live", "stop", "set_scaling"]
    assert scaling_calls(platform) == [HELD, (BEFORE["blue"], BEFORE["green"])]
    assert platform.scaling_states == BEFORE
    steps = [e.step for e in platform.state.events(record.id)]
    assert steps[:3] == ["begin", "scale-in-held", "start"]
    assert steps[-3:] == ["stopped", "scaling-resumed", "end"]
    assert record.outcome is Outcome.SUCCEEDED


def test_a_failed_deployment_puts_the_scaling_back_after_stopping_the_new_colour(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    with pytest.raises(HealthCheckError):
        deploy(platform, clock, Release("2.0.0", env={"FAKE_HEALTHY": "0"}))
    names = [name for name, _ in platform.calls]
    assert names[0] == "set_scaling"
    assert names[-2:] == ["stop", "set_scaling"]
    assert platform.scaling_states == BEFORE


def test_nothing_is_journaled_or_written_where_nothing_autoscales(clock: FakeClock) -> None:
    provider = MemoryProvider(clock=clock)
    provider.seed("blue", "1.0.0")
    record = deploy(provider, clock, Release("2.0.0"))
    assert scaling_calls(provider) == []
    steps = [e.step for e in provider.state.events(record.id)]
    assert "scale-in-held" not in steps
    assert "scaling-resumed" not in steps


def test_recovery_of_a_dead_controller_puts_back_what_its_journal_held(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    # A controller that died after holding scale-in and starting green: its journal and lock.
    lock = LockInfo("d-dead", "ci", "deploy", clock.time(), clock.time() + 1, pid=999_999)
    platform.state.acquire_lock(lock)
    platform.state.alive = False
    log = Journal(platform.state, "d-dead", clock)
    log.record(events.Begin(old="blue", new="green", old_release=Release("1.0.0")))
    log.record(events.ScaleInHeld(previous=(BEFORE["blue"], BEFORE["green"])))
    platform.set_scaling(HELD)
    clock.sleep(10)

    record = recover(platform, lock, SilentProgress(), clock=clock)

    assert platform.scaling_states == BEFORE
    assert read(platform.state, "d-dead").all_of(events.ScalingResumed)
    assert record.notes == ()


class ResumeFails(MemoryProvider):
    """The resume (a write that is not a hold) is refused, as a lapsed permission would be."""

    def set_scaling(self, states: Sequence[Scaling]) -> None:
        if not all(s.dynamic_in for s in states):
            raise PlatformError("application-autoscaling:RegisterScalableTarget denied")
        super().set_scaling(states)


def test_a_resume_that_failed_is_noted_shown_and_put_back_by_the_next_deployment(
    clock: FakeClock,
) -> None:
    failing = ResumeFails(clock=clock, scaling_states=dict(BEFORE))
    failing.seed("blue", "1.0.0")
    first = deploy(failing, clock, Release("2.0.0"))

    assert first.outcome is Outcome.SUCCEEDED  # green is live: not a reason to roll back
    assert any("scale-in is still suspended" in n for n in first.notes)
    assert failing.scaling_states == dict(zip(("blue", "green"), HELD, strict=True))
    shown = operations.status(failing)["scale_in_held"]
    assert (shown["colors"], shown["by"]) == (["blue", "green"], first.id)

    # The next deployment, allowed again, records what was there before the first one's hold
    # (never the suspension it finds) and puts that back.
    platform = MemoryProvider(
        clock=clock, state=failing.state, colors=failing.colors, weights=failing.weights,
        scaling_states=dict(failing.scaling_states),
    )  # fmt: skip
    second = deploy(platform, clock, Release("3.0.0"))
    held = read(platform.state, second.id).first(events.ScaleInHeld)
    assert held is not None
    assert held.previous == (BEFORE["blue"], BEFORE["green"])
    assert platform.scaling_states == BEFORE
    assert "scale_in_held" not in operations.status(platform)


def test_status_shows_the_hold_of_the_deployment_in_progress(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    lock = LockInfo("d-run", "ci", "deploy", clock.time(), clock.time() + 300)
    platform.state.acquire_lock(lock)
    log = Journal(platform.state, "d-run", clock)
    log.record(events.Begin(old="blue", new="green"))
    log.record(events.ScaleInHeld(previous=(BEFORE["blue"], BEFORE["green"])))
    assert operations.status(platform)["deployment"]["scale_in_held"] == ["blue", "green"]


def test_the_held_states_survive_the_journal_codec() -> None:
    event = events.ScaleInHeld(previous=(BEFORE["blue"], BEFORE["green"]))
    name, data = event_codec.encode(event)
    assert (name, data) == (
        "scale-in-held",
        {
            "previous": [
                {"color": "blue", "dynamic_in": False, "dynamic_out": False, "scheduled": True},
                {"color": "green", "dynamic_in": False, "dynamic_out": False, "scheduled": False},
            ]
        },
    )
    assert event_codec.decode(name, data) == event


def test_holding_scale_in_keeps_scale_out_and_scheduled_as_they_were() -> None:
    state = Scaling("green", dynamic_in=False, dynamic_out=True, scheduled=True)
    assert state.holding_scale_in() == Scaling("green", True, True, True)
    assert Scaling("blue").holding_scale_in() == Scaling("blue", True, False, False)
