"""`LocalProvider`: the provider protocol on this machine (PostgreSQL, HAProxy, gunicorn).

It only executes: the deployment procedure decides colours and weights. Weights go to HAProxy
through its runtime API (never a reload) after being written to ``lb.json``, so a restarted
HAProxy comes back with the same weights.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from bluegreen.config import Settings
from bluegreen.errors import ConfigError, PlatformError
from bluegreen.evidence.readings import CounterReading, Tally
from bluegreen.local.files import FileStateStore
from bluegreen.local.haproxy_config import BACKEND, ServerStat, server_name, server_weights
from bluegreen.local.heal import heal_platform
from bluegreen.local.migration import run_migration
from bluegreen.local.platform import LocalPlatform
from bluegreen.local.task_command import pick_port, task_env
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
from bluegreen.state import StateStore


class LocalProvider:
    """`bluegreen.provider.Provider` for the local platform."""

    def __init__(self, settings: Settings, *, platform: LocalPlatform | None = None) -> None:
        self.settings = settings
        self.platform = platform or LocalPlatform(settings)
        self._state = FileStateStore(self.platform.state_dir)
        self.url = f"http://127.0.0.1:{self.platform.port}"

    @property
    def target(self) -> str:
        """Always ``local``."""
        return "local"

    @property
    def state(self) -> StateStore:
        """Lock, journal and history as files in the state directory."""
        return self._state

    # ---------------------------------------------------------------- reading
    def _stats(self) -> list[ServerStat]:
        return self.platform.api.show_stat()

    def _task_counts(self) -> dict[Color, int]:
        counts: dict[Color, int] = {}
        for color in COLORS:
            current = self.platform.tasks.load(color)
            counts[color] = len(current.tasks) if current else 0
        return counts

    def health(self, color: Color) -> Health:
        """Desired, running and healthy (process alive and HAProxy's check passing) tasks."""
        health = self._health(color, self._stats())
        return replace(health, check=f"HAProxy checks GET {self.settings.local.health_path}")

    def _health(self, color: Color, stats: Sequence[ServerStat]) -> Health:
        current = self.platform.tasks.load(color)
        if current is None:
            return Health(desired=0, running=0, healthy=0)
        statuses = self.platform.tasks.status(color)
        by_name = {s.server: s for s in stats if s.backend == BACKEND}
        running = [s for s in statuses if s.running]
        healthy = [
            s for s in running if (stat := by_name.get(s.task.name)) is not None and stat.healthy
        ]
        problems = tuple(p for s in statuses if (p := s.problem()) is not None)
        if len(current.tasks) < current.desired:
            problems += (
                f"only {len(current.tasks)} of {current.desired} tasks were started "
                "(the controller stopped while starting them)",
            )
        return Health(
            desired=current.desired,
            running=len(running),
            healthy=len(healthy),
            problems=problems,
        )

    def in_flight(self, color: Color) -> int:
        """Requests in flight or queued on `color`'s servers (public and test listeners)."""
        return _in_flight(color, self._stats())

    def traffic(self, color: Color) -> TrafficCounters:
        """Cumulative requests and 5xx of `color` on the public listener (per-server sums).

        Counters belong to the server slots, so they continue across releases and restart
        from 0 when HAProxy restarts; analysis works on differences and must allow for that.
        HAProxy has no percentiles, so ``p99_ms`` is None.
        """
        stats = [s for s in self._stats() if s.backend == BACKEND and _color_of(s) == color]
        return TrafficCounters(
            at=time.time(),
            requests=sum(s.req_tot for s in stats),
            errors_5xx=sum(s.hrsp_5xx for s in stats),
        )

    def step_traffic(
        self, new: Color, old: Color | None, since: float, new_share: float
    ) -> CounterReading:
        """Both colours' live cumulative counters: each colour's servers in the public backend
        and in its own test backend (where `analysis.load` sends its requests)."""
        stats = self._stats()

        def tally(color: Color) -> Tally:
            rows = [
                s
                for s in stats
                if (s.backend == BACKEND and _color_of(s) == color) or s.backend == color
            ]
            return Tally(sum(s.req_tot for s in rows), sum(s.hrsp_5xx for s in rows))

        return CounterReading(
            at=time.time(), new=tally(new), baseline=None if old is None else tally(old)
        )

    def alarms(self, color: Color) -> Sequence[str]:
        """No alarms locally."""
        return []

    def test_listener_problem(self) -> str | None:
        """None: each colour has its own test port locally."""
        return None

    def route_test_listener(self, color: Color) -> str:
        """The test listener of `color` (one per colour locally, so nothing to re-point): it
        reaches only that colour, whatever the weights."""
        return f"http://127.0.0.1:{self.platform.test_ports[color]}"

    def snapshot(self) -> Snapshot:
        """Weights (HAProxy's actual ones when they differ from the recorded intent), colours."""
        self._require_up()
        stats = self._stats()
        counts = self._task_counts()
        intent = self.platform.weights()
        actual = {s.server: s.weight for s in stats if s.backend == BACKEND and s.status != "MAINT"}
        weights = intent
        if any(counts.values()) and server_weights(intent, counts) != {
            n: actual.get(n, 0) for n in server_weights(intent, counts)
        }:
            weights = _percent(actual) or intent
        colors: dict[Color, ColorState] = {}
        for color in COLORS:
            current = self.platform.tasks.load(color)
            colors[color] = ColorState(
                release=current.release if current else None,
                health=self._health(color, stats),
                in_flight=_in_flight(color, stats),
            )
        return Snapshot(
            target=self.target,
            url=self.url,
            weights=weights,
            colors=colors,
            extra={
                "state_dir": str(self.platform.state_dir),
                "direct_urls": {c: self.route_test_listener(c) for c in COLORS},
                "server_weights": actual,
                # told to stop (drained), still finishing their exit: see local/exiting.py
                "exiting": [t.name for t in self.platform.exiting.running()],
            },
        )

    # ---------------------------------------------------------------- changing
    def _require_up(self) -> None:
        if not self.platform.api.reachable():
            raise PlatformError(
                f"the local platform is not running (no HAProxy at {self.platform.socket_path})",
                hint="run `bluegreen up`",
            )

    def migrate(
        self, release: Release, color: Color, *, heartbeat: Callable[[], None] | None = None
    ) -> None:
        """Run the release's migration command with the DB settings; DeployError on failure.

        Locally every colour shares one database, so `color` changes nothing here. The
        migration is bounded by `migration.MIGRATE_TIMEOUT`, well inside the lease, so there is
        no heartbeat to give while it runs.
        """
        if not release.migrate_command:
            return
        run_migration(release, self.platform.database_env())

    def start(self, color: Color, release: Release, tasks: int) -> None:
        """Start `tasks` tasks of `release` as `color` (weight 0) and let HAProxy check them."""
        self._require_up()
        if tasks > self.platform.slots:
            raise ConfigError(
                f"deploy.tasks: {tasks} is more than the local platform's "
                f"{self.platform.slots} server slots per colour",
                hint=f"use at most {self.platform.slots} tasks locally",
            )
        if self.platform.tasks.load(color) is not None:
            if self.platform.weights().of(color) > 0 and self.health(color).healthy > 0:
                raise PlatformError(
                    f"refusing to replace {color}: it serves traffic",
                    hint="move traffic away from it first",
                )
            self.stop(color)
        # Tasks of an earlier stop still exiting: those of this colour are waited for (their
        # ports and slots are about to be reused), overdue ones of any colour are killed.
        self.platform.exiting.finish(color)
        self.platform.exiting.reap()
        api = self.platform.api
        offset = 0 if color == "blue" else self.platform.slots
        base = self.settings.local.base_port + offset
        ports = [pick_port(base + i) for i in range(tasks)]
        names = [server_name(color, i) for i in range(1, tasks + 1)]
        for name, port in zip(names, ports, strict=True):
            api.set_port(name, port)
        api.command(*(f"set server {BACKEND}/{n} weight 0" for n in names))
        database = self.platform.database_env()
        env_for = {
            p: task_env(os.environ, release, color=color, port=p, database=database) for p in ports
        }
        try:
            self.platform.tasks.start(color, release, ports, env_for)
        finally:
            api.set_state(names, "ready")

    def set_weights(self, weights: Weights) -> None:
        """Record, then apply per-server weights in one runtime-API exchange (raises first)."""
        self._require_up()
        counts = self._task_counts()
        for color in COLORS:
            if weights.of(color) > 0 and counts[color] == 0:
                raise PlatformError(f"refusing to send traffic to {color}: it runs no tasks")
        self.platform.save_lb(weights=weights)
        wanted = server_weights(weights, counts)
        current = {s.server: s.weight for s in self._stats() if s.backend == BACKEND}
        self.platform.api.set_weights(current, wanted)

    def drain_delay(self, color: Color) -> float:
        """0: HAProxy's own counts of requests in flight (`in_flight`) cover the drain."""
        return 0.0

    def stop(self, color: Color) -> int:
        """Put `color`'s slots in maintenance, then SIGTERM its processes; how many still exit.

        When HAProxy counts no request in flight on them (the drain saw to it), nothing can
        reach them any more: they finish exiting in the background, recorded in
        ``exiting.json`` until the next command that starts or stops tasks reaps them (killed
        if they outlive the graceful timeout). Otherwise (requests in flight, or no HAProxy to
        ask) this waits for them to exit, up to the graceful timeout, then kills them.
        """
        current = self.platform.tasks.load(color)
        if current is None:
            return 0
        drained = False
        if self.platform.api.reachable():
            self.platform.api.set_state([t.name for t in current.tasks], "maint")
            drained = self.in_flight(color) == 0
        if not drained:
            self.platform.tasks.stop(color)
            return 0
        # Recorded first: a controller killed right after the signal leaves them known.
        running = [s.task for s in self.platform.tasks.status(color) if s.running]
        self.platform.exiting.add(running, time.time() + self.platform.tasks.graceful_timeout)
        return len(self.platform.tasks.terminate(color))

    def scaling(self) -> tuple[Scaling, ...]:
        """Nothing autoscales locally."""
        return ()

    def set_scaling(self, states: Sequence[Scaling]) -> None:
        """Nothing to suspend locally (`scaling()` names no colour)."""
        del states

    def record_live(self, color: Color) -> None:
        """Written to lb.json for `status` (nothing reads it to route traffic locally)."""
        self.platform.save_lb(live=color)

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        """PostgreSQL, HAProxy (all traffic on `keep`) and exited tasks started again."""
        return heal_platform(self.platform, keep, report)


def _color_of(stat: ServerStat) -> str:
    return stat.server.rsplit("-", 1)[0]


def _in_flight(color: Color, stats: Sequence[ServerStat]) -> int:
    return sum(
        s.scur + s.qcur for s in stats if s.backend in (BACKEND, color) and _color_of(s) == color
    )


def _percent(actual: Mapping[str, int]) -> Weights | None:
    totals = {c: sum(w for n, w in actual.items() if n.startswith(f"{c}-")) for c in COLORS}
    whole = totals["blue"] + totals["green"]
    if whole == 0:
        return None
    blue = round(100 * totals["blue"] / whole)
    return Weights(blue, 100 - blue)
