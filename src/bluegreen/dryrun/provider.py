"""`DryRun`: one wrapper around any provider that runs an operation without changing anything.

Reads go to the real provider, so the plan starts from the real state and a read the platform
refuses (a missing resource, a permission the deploy role lacks) fails the dry run as it would
fail the deployment. Every change (provider call, lock, journal event, history record, smoke
test, hook) is recorded as a typed call (`calls`) instead of made, and later reads answer from an
overlay of what those changes would have done: the weights set, the colours started (assumed to
turn healthy) or stopped, the colour recorded live. Time that a real run would wait is recorded
as a `Wait`, not slept, so the procedure walks every step at once.

The procedure does not know it runs dry: `operations.deploy_dry_run` hands it this provider,
its clock (`clock`) and its smoke runner (`smoke`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from bluegreen.clock import Clock, SystemClock
from bluegreen.dryrun.calls import (
    Call,
    Migrate,
    RecordLive,
    RouteTestListener,
    RunHook,
    RunSmoke,
    SetScaling,
    SetWeights,
    Start,
    Stop,
    Wait,
)
from bluegreen.dryrun.state import DryRunState
from bluegreen.evidence.step import StepReading
from bluegreen.model import (
    Color,
    ColorState,
    Health,
    Release,
    Scaling,
    Snapshot,
    TrafficCounters,
    Weights,
)
from bluegreen.provider import Provider


@dataclass(frozen=True)
class _Planned:
    """What a colour would run after this dry run's calls (None: stopped)."""

    release: Release | None
    tasks: int

    @property
    def health(self) -> Health:
        """Started tasks are assumed to turn healthy; the real run waits and checks."""
        return Health(desired=self.tasks, running=self.tasks, healthy=self.tasks)


class SkippingClock:
    """The wrapped clock plus the time a real run would have waited; `sleep` only records."""

    def __init__(self, base: Clock, dry: DryRun) -> None:
        self._base = base
        self._dry = dry
        self.skipped = 0.0

    def time(self) -> float:
        """Wall clock plus the time skipped."""
        return self._base.time() + self.skipped

    def monotonic(self) -> float:
        """Monotonic clock plus the time skipped."""
        return self._base.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        """Record the wait (joined with a wait just before it) instead of sleeping."""
        self.skipped += seconds
        self._dry.waited(seconds)


class DryRun:
    """A provider that reads from `real` and records every change instead of making it."""

    def __init__(self, real: Provider, *, clock: Clock | None = None) -> None:
        self.real = real
        self.calls: list[Call] = []
        self.clock = SkippingClock(clock or SystemClock(), self)
        self._state = DryRunState(self.real.state, self._record)
        self._weights: Weights | None = None
        self._colors: dict[Color, _Planned] = {}
        self._scaling: dict[Color, Scaling] = {}

    def _record(self, call: Call) -> None:
        self.calls.append(call)

    def waited(self, seconds: float) -> None:
        """Add `seconds` of waiting to the plan (one `Wait` per stretch between two calls)."""
        if self.calls and isinstance(self.calls[-1], Wait):
            self.calls[-1] = Wait(self.calls[-1].seconds + seconds)
        else:
            self.calls.append(Wait(seconds))

    # -- what the procedure reads

    @property
    def target(self) -> str:
        """The real provider's."""
        return self.real.target

    @property
    def state(self) -> DryRunState:
        """The real store's reads under this run's writes."""
        return self._state

    def snapshot(self) -> Snapshot:
        """The real snapshot with this run's weights and colours on top."""
        real = self.real.snapshot()
        colors = dict(real.colors)
        for color, planned in self._colors.items():
            colors[color] = ColorState(planned.release, planned.health, in_flight=0)
        return replace(real, weights=self._weights or real.weights, colors=colors)

    def health(self, color: Color) -> Health:
        """Planned health of a colour this run started or stopped, else the real one."""
        planned = self._colors.get(color)
        return planned.health if planned is not None else self.real.health(color)

    def in_flight(self, color: Color) -> int:
        """0 for a colour this run touched (nothing really moved), else the real figure."""
        return 0 if color in self._colors else self.real.in_flight(color)

    def traffic(self, color: Color) -> TrafficCounters:
        """The real counters (the analysis of a dry run sees the traffic there is)."""
        return self.real.traffic(color)

    def step_traffic(
        self, new: Color, old: Color | None, since: float, new_share: float
    ) -> StepReading:
        """The real reading (a dry run's watch looks once and judges nothing: no traffic
        moved, so the evidence would not be this deployment's). `since` is on this run's
        clock, ahead of the real one by the waits skipped: the real provider gets real time."""
        return self.real.step_traffic(new, old, since - self.clock.skipped, new_share)

    def test_listener_problem(self) -> str | None:
        """The real answer: a dry run refuses a smoke test the deployment would refuse."""
        return self.real.test_listener_problem()

    def alarms(self, color: Color) -> Sequence[str]:
        """The real alarms."""
        return self.real.alarms(color)

    def drain_delay(self, color: Color) -> float:
        """The real delay (the procedure's wait for it is recorded, not slept)."""
        return self.real.drain_delay(color)

    # -- what the procedure changes: recorded, and laid over later reads

    def migrate(
        self, release: Release, color: Color, *, heartbeat: Callable[[], None] | None = None
    ) -> None:
        """Recorded; the migration is assumed to succeed."""
        self._record(Migrate(release, color))

    def start(self, color: Color, release: Release, tasks: int) -> None:
        """Recorded; `color` then reads as running `release` with `tasks` healthy tasks."""
        self._record(Start(color, release, tasks))
        self._colors[color] = _Planned(release, tasks)

    def set_weights(self, weights: Weights) -> None:
        """Recorded; later reads see these weights."""
        self._record(SetWeights(weights))
        self._weights = weights

    def route_test_listener(self, color: Color) -> str:
        """Recorded; the public URL when `color` takes all traffic (a readiness check of the
        live colour reads it for real), else a placeholder nothing is sent to."""
        self._record(RouteTestListener(color))
        snapshot = self.snapshot()
        if snapshot.weights.of(color) == 100:
            return snapshot.url
        return f"(dry-run: the test listener, routed to {color})"

    def stop(self, color: Color) -> int:
        """Recorded; `color` then reads as stopped (none of its tasks said to be exiting)."""
        self._record(Stop(color))
        self._colors[color] = _Planned(None, 0)
        return 0

    def scaling(self) -> tuple[Scaling, ...]:
        """The real suspension states, with this run's changes on top."""
        real = {s.color: s for s in self.real.scaling()}
        return tuple({**real, **self._scaling}.values())

    def set_scaling(self, states: Sequence[Scaling]) -> None:
        """Recorded."""
        self._record(SetScaling(tuple(states)))
        self._scaling.update({s.color: s for s in states})

    def record_live(self, color: Color) -> None:
        """Recorded."""
        self._record(RecordLive(color))

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        """Nothing restarted (a restart is a change); nothing reported as restarted."""
        del keep, report
        return ()

    # -- outside the provider

    def smoke(
        self, command: str, url: str, *, heartbeat: Callable[[], None] | None = None
    ) -> tuple[int, str]:
        """Recorded instead of run (it would send requests); assumed to pass."""
        self._record(RunSmoke(command, url))
        return 0, "(dry-run: not run)"

    def hook(
        self, point: str, command: str, env: Mapping[str, str], timeout: float
    ) -> tuple[int, str]:
        """Recorded instead of run (a hook's effects are the operator's); assumed to pass."""
        del env, timeout
        self._record(RunHook(point, command))
        return 0, "(dry-run: not run)"
