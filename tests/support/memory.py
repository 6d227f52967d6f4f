"""An in-memory platform for testing the procedure's decisions and ordering without processes.

It is a fake of the provider protocol, not a stand-in for HAProxy or gunicorn: the local
provider's integration tests run those for real. Here every call is logged, and the invariant
"weight above 0 only on a colour whose targets are healthy" is checked at every weight change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bluegreen.errors import DeployError, LockError
from bluegreen.evidence import CounterReading, Tally
from bluegreen.model import (
    COLORS,
    Color,
    ColorState,
    Health,
    Release,
    Scaling,
    Snapshot,
    TrafficCounters,
    Weights,
)
from bluegreen.records import DeploymentRecord
from bluegreen.state import JournalEntry, LockInfo
from tests.support.clock import FakeClock


class MemoryState:
    """StateStore in memory; `alive` decides whether a holder counts as running."""

    def __init__(self) -> None:
        self.lock: LockInfo | None = None
        self.journal: dict[str, list[JournalEntry]] = {}
        self.records: list[DeploymentRecord] = []
        self.alive = True

    def acquire_lock(self, info: LockInfo) -> None:
        if self.lock is not None:
            raise LockError(f"held by {self.lock.deployment_id}")
        self.lock = info

    def renew_lock(self, deployment_id: str, expires_at: float) -> None:
        assert self.lock is not None
        assert self.lock.deployment_id == deployment_id

    def hand_over(self, deployment_id: str, holder: LockInfo) -> None:
        assert self.lock is not None
        assert self.lock.deployment_id == deployment_id
        self.lock = holder

    def release_lock(self, deployment_id: str) -> None:
        if self.lock is not None and self.lock.deployment_id == deployment_id:
            self.lock = None

    def break_lock(self, deployment_id: str) -> None:
        self.release_lock(deployment_id)

    def lock_holder(self) -> LockInfo | None:
        return self.lock

    def holder_alive(self, info: LockInfo) -> bool:
        return self.alive

    def append_event(self, event: JournalEntry) -> None:
        self.journal.setdefault(event.deployment_id, []).append(event)

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        return list(self.journal.get(deployment_id, []))

    def save_record(self, record: DeploymentRecord) -> None:
        self.records.append(record)

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        return list(reversed(self.records))[:limit]

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        return next((r for r in self.records if r.id == deployment_id), None)


@dataclass
class FakeColor:
    release: Release | None = None
    desired: int = 0
    healthy: int = 0
    problems: tuple[str, ...] = ()
    requests: int = 0
    errors: int = 0
    in_flight: int = 0


@dataclass
class MemoryProvider:
    """Provider protocol in memory. Behaviour of a release is chosen by its env:

    - FAKE_HEALTHY=0: its tasks never pass the health check;
    - FAKE_CRASH=1: its tasks report a crash;
    - FAKE_ERROR_RATE=0.5: that share of its traffic are 5xx.
    """

    target: str = "memory"
    state: MemoryState = field(default_factory=MemoryState)
    colors: dict[Color, FakeColor] = field(default_factory=lambda: {c: FakeColor() for c in COLORS})
    weights: Weights = field(default_factory=lambda: Weights(100, 0))
    calls: list[tuple[str, Any]] = field(default_factory=list)
    live_recorded: Color | None = None
    fail_migration: bool = False
    # Tasks a stop leaves exiting in the background (what the local platform does with a
    # drained colour): `stop` answers this number.
    exiting_on_stop: int = 0
    violations: list[str] = field(default_factory=list)
    clock: FakeClock | None = None
    # Autoscaling suspension per colour; empty: nothing autoscales (as locally).
    scaling_states: dict[Color, Scaling] = field(default_factory=dict)

    def seed(self, color: Color, version: str, tasks: int = 2) -> None:
        """Make `color` run `version` healthy with all traffic."""
        self.colors[color] = FakeColor(Release(version), tasks, tasks)
        self.weights = Weights.all_on(color)

    def snapshot(self) -> Snapshot:
        states = {
            c: ColorState(
                f.release if f.desired else None,
                Health(f.desired, f.desired if not f.problems else 0, f.healthy, f.problems),
                f.in_flight,
            )
            for c, f in self.colors.items()
        }
        return Snapshot(self.target, "http://memory", self.weights, states)

    def migrate(
        self, release: Release, color: Color, *, heartbeat: Callable[[], None] | None = None
    ) -> None:
        self.calls.append(("migrate", release.version))
        if self.fail_migration:
            raise DeployError("migration failed: boom")

    def start(self, color: Color, release: Release, tasks: int) -> None:
        self.calls.append(("start", color))
        env = release.env
        healthy = 0 if env.get("FAKE_HEALTHY") == "0" else tasks
        problems = ("task exited with code 3",) if env.get("FAKE_CRASH") == "1" else ()
        self.colors[color] = FakeColor(release, tasks, 0 if problems else healthy, problems)

    def health(self, color: Color) -> Health:
        f = self.colors[color]
        return Health(f.desired, f.desired, f.healthy, f.problems)

    def set_weights(self, weights: Weights) -> None:
        self.calls.append(("weights", weights.as_dict()))
        for color in COLORS:
            f = self.colors[color]
            if weights.of(color) > 0 and (f.desired == 0 or f.healthy < f.desired):
                self.violations.append(f"{color} got {weights.of(color)}% while unhealthy")
        self.weights = weights

    def in_flight(self, color: Color) -> int:
        return self.colors[color].in_flight

    def traffic(self, color: Color) -> TrafficCounters:
        f = self.colors[color]
        share = self.weights.of(color)
        rate = float(f.release.env.get("FAKE_ERROR_RATE", "0")) if f.release else 0.0
        f.requests += share
        f.errors += round(share * rate)
        return TrafficCounters(self.clock.time() if self.clock else 0.0, f.requests, f.errors)

    def step_traffic(
        self, new: Color, old: Color | None, since: float, new_share: float
    ) -> CounterReading:
        def tally(color: Color) -> Tally:
            counters = self.traffic(color)
            return Tally(counters.requests, counters.errors_5xx)

        at = self.clock.time() if self.clock else 0.0
        return CounterReading(at=at, new=tally(new), baseline=None if old is None else tally(old))

    def alarms(self, color: Color) -> Sequence[str]:
        return ()

    def test_listener_problem(self) -> str | None:
        return None

    def route_test_listener(self, color: Color) -> str:
        return f"http://memory/{color}"

    def drain_delay(self, color: Color) -> float:
        return 0.0

    def stop(self, color: Color) -> int:
        self.calls.append(("stop", color))
        self.colors[color] = FakeColor()
        return self.exiting_on_stop

    def scaling(self) -> tuple[Scaling, ...]:
        return tuple(self.scaling_states.values())

    def set_scaling(self, states: Sequence[Scaling]) -> None:
        self.calls.append(("set_scaling", tuple(states)))
        self.scaling_states.update({s.color: s for s in states})

    def record_live(self, color: Color) -> None:
        self.calls.append(("record_live", color))
        self.live_recorded = color

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        # Nothing of an in-memory platform dies on its own; tests that kill a part use the
        # real local platform (tests/e2e/test_dead_ends.py).
        return ()
