"""`rollback` and `up`'s restoration on the in-memory provider: where no colour is healthy,
the last live release is started again, and traffic moves only once it is healthy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest

from bluegreen.errors import DeployError
from bluegreen.model import Color, Health, Release, Snapshot, Weights
from bluegreen.operations import rollback
from bluegreen.operations.restoring import restore
from bluegreen.operations.watching import supervise
from bluegreen.progress import SilentProgress
from bluegreen.records import Outcome, Side
from bluegreen.request import RollbackRequest
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider
from tests.support.records import make_record

REQUEST = RollbackRequest(tasks=2, health_timeout=5.0)
RESTARTED = "restarted task green-1 (2.0.0, port 1), which had exited"


def _split_with_nothing_healthy() -> MemoryProvider:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.colors["blue"].desired = platform.colors["green"].desired = 0
    platform.colors["blue"].healthy = platform.colors["green"].healthy = 0
    platform.weights = Weights(80, 20)
    platform.state.records.append(make_record("d-1", Outcome.SUCCEEDED))  # green 2.0.0 live
    return platform


def test_rollback_with_split_traffic_and_no_healthy_colour_starts_the_last_live_release() -> None:
    platform = _split_with_nothing_healthy()
    record = rollback(platform, REQUEST, SilentProgress(), clock=FakeClock())
    assert record is not None
    assert record.outcome is Outcome.SUCCEEDED
    assert (record.new.color, record.new.version) == ("green", "2.0.0")
    assert platform.calls[:3] == [
        ("start", "green"),
        ("weights", {"blue": 0, "green": 100}),
        ("record_live", "green"),
    ]
    assert platform.violations == []
    assert platform.state.lock is None


def test_a_last_live_release_that_never_gets_healthy_moves_no_traffic() -> None:
    platform = _split_with_nothing_healthy()
    platform.state.records[-1] = make_record(
        "d-1",
        new=Side("green", Release("2.0.0", env={"FAKE_HEALTHY": "0"})),
    )
    with pytest.raises(DeployError, match="traffic was not moved"):
        restore(platform, REQUEST, SilentProgress(), operation="up", clock=FakeClock())
    assert platform.weights == Weights(80, 20)
    assert platform.state.records[-1].outcome is Outcome.FAILED


class _CrashedTasks(MemoryProvider):
    """Green's tasks had exited: heal restarts them; HAProxy's checks pass one by one."""

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        if self.colors["green"].healthy == 0:
            self.colors["green"].healthy = 1  # one check passed already, the other not yet
            report(RESTARTED)
            return (RESTARTED,)
        return ()

    def health(self, color: Color) -> Health:
        if self.colors[color].healthy:  # the next check passes
            self.colors[color].healthy = self.colors[color].desired
        return super().health(color)


def test_rollback_that_restarted_the_live_tasks_waits_for_them_and_records_it() -> None:
    """Not racing the checks: with one of two restarted tasks healthy, rollback still keeps
    the live colour, waits for both and says what it did (it used to refuse: "nothing to roll
    back to"), whatever moment the checks pass."""
    platform = _CrashedTasks()
    platform.seed("green", "2.0.0")
    platform.colors["green"].healthy = 0
    platform.state.records.append(make_record("d-1", Outcome.SUCCEEDED))  # green 2.0.0 live

    record = rollback(platform, REQUEST, SilentProgress(), clock=FakeClock())

    assert record is not None
    assert record.outcome is Outcome.SUCCEEDED
    assert (record.new.color, record.new.version) == ("green", "2.0.0")
    assert record.reason is not None
    assert "restarted task green-1" in record.reason
    assert "all traffic on green (2.0.0), checked" in record.reason
    assert ("start", "green") not in platform.calls  # its tasks were restarted, not replaced
    assert platform.colors["green"].healthy == 2


class _DiesAfterHeal(MemoryProvider):
    """Green's tasks die right after the first heal looked (a supervisor's round racing the
    crash); the next heal restarts them in place."""

    heals: int = 0
    dead: bool = False

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        self.heals += 1
        if self.heals == 1:
            self.dead = True  # the crash lands after this heal's look
            return ()
        if self.dead:
            self.dead = False
            report(RESTARTED)
            return (RESTARTED,)
        return ()

    def health(self, color: Color) -> Health:
        health = super().health(color)
        if color == "green" and self.dead:
            return Health(health.desired, 0, 0)
        return health

    def snapshot(self) -> Snapshot:
        snapshot = super().snapshot()
        if not self.dead:
            return snapshot
        green = snapshot.colors["green"]
        colors = {**snapshot.colors, "green": replace(green, health=self.health("green"))}
        return replace(snapshot, colors=colors)


def test_tasks_that_die_after_the_heal_are_restarted_in_place_not_replaced() -> None:
    platform = _DiesAfterHeal()
    platform.seed("green", "2.0.0")
    platform.state.records.append(make_record("d-1", Outcome.SUCCEEDED))  # green 2.0.0 live

    restored = restore(platform, REQUEST, SilentProgress(), operation="heal", clock=FakeClock())

    assert ("start", "green") not in platform.calls
    assert RESTARTED in restored.actions
    assert restored.record is not None
    assert restored.record.outcome is Outcome.SUCCEEDED


class _SlowChecks(MemoryProvider):
    """Green's tasks had exited: heal restarts them, and their checks pass only on the third
    read; every read of green's health is written to `seen` (the progress's lines)."""

    seen: list[str] | None = None
    reads: int = 0

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        if self.colors["green"].healthy == self.colors["green"].desired:
            return ()
        report(RESTARTED)
        return (RESTARTED,)

    def health(self, color: Color) -> Health:
        if color == "green" and self.seen is not None:
            self.reads += 1
            if self.reads == 3:
                self.colors["green"].healthy = self.colors["green"].desired
            self.seen.append(f"read: green {self.colors['green'].healthy} healthy")
        return super().health(color)


def test_up_watch_says_each_restart_when_it_happens_before_the_health_wait_ends(
    clock: FakeClock,
) -> None:
    """`up --watch` prints a restart at once, not at the end of the round that waits for
    the restarted tasks' checks; the round's summary still says all it did."""
    platform = _SlowChecks(clock=clock)
    platform.seed("green", "2.0.0")
    platform.colors["green"].healthy = 0
    platform.state.records.append(make_record("d-1", Outcome.SUCCEEDED))  # green 2.0.0 live
    progress = SilentProgress()
    platform.seen = progress.lines

    restorations = supervise(platform, REQUEST, progress, seconds=1, interval=1, clock=clock)

    lines = progress.lines
    said = lines.index(f"watch: {RESTARTED}")
    first_read = lines.index("read: green 0 healthy")
    healthy = lines.index("read: green 2 healthy")
    summary = lines.index(
        f"watch: restored ({RESTARTED}; all traffic on green (2.0.0), checked: healthy, "
        "weights 100%)"
    )
    assert said < first_read < healthy < summary
    assert restorations == 1
    assert ("start", "green") not in platform.calls  # restarted in place, not replaced
