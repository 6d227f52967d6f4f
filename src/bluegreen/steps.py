"""The steps before traffic moves: migrate, start the idle colour, wait for health, smoke test.

Each step has `run()` and `undo()`; the runner in `deployment` calls them in order and undoes
what ran, in reverse, when one fails. Every state change is journaled (as a typed event) first.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bluegreen import events
from bluegreen.clock import Clock, poll
from bluegreen.errors import DeployError, HealthCheckError
from bluegreen.events import Kind
from bluegreen.journal import Journal
from bluegreen.lifecycle import Run
from bluegreen.migration_guard import guard
from bluegreen.migrations import Revision
from bluegreen.model import COLORS, Color, Health, Release, Weights
from bluegreen.plan import drain_wait
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.request import DeployRequest


class SmokeRunner(Protocol):
    """Runs a smoke-test command against a URL; its exit code and output (`run_smoke`)."""

    def __call__(
        self, command: str, url: str, *, heartbeat: Callable[[], None] | None = None
    ) -> tuple[int, str]: ...


HookRunner = Callable[[str, str, Mapping[str, str], float], tuple[int, str]]
"""Runs an operator's hook: (point, command, environment, timeout) to exit code and output."""


@dataclass
class Context:
    """What the steps of one deployment share."""

    provider: Provider
    request: DeployRequest
    run: Run
    progress: Progress
    clock: Clock
    new: Color
    old: Color | None
    old_release: Release | None
    readiness: Callable[[str], str | None]
    # Runs the smoke command against a URL: its exit code and output (`run_smoke`, or a dry
    # run's recorder).
    smoke: SmokeRunner
    # Runs an operator's hook command (point, command, environment, timeout): its exit code
    # and output (`hooks.run_hook_at`, or a dry run's recorder).
    hook: HookRunner
    reused: bool = False
    # Whether the watches judge evidence and act on it (False in a dry run: no traffic moved,
    # so each watch looks once and records the step's least wait; see watch.Watch.judge).
    judge: bool = True
    # Drain timing is the procedure's: when each colour's weight went to 0, and which colours
    # never served (started at weight 0 and never given any) during this deployment.
    weight_left_at: dict[Color, float] = field(default_factory=dict)
    never_served: set[Color] = field(default_factory=set)

    @property
    def journal(self) -> Journal:
        """The deployment's journal."""
        return self.run.journal

    def set_weights(self, weights: Weights) -> None:
        """One change at the load balancer, remembering when traffic left each colour."""
        self.provider.set_weights(weights)
        now = self.clock.time()
        for color in COLORS:
            if weights.of(color) > 0:
                self.weight_left_at.pop(color, None)
                self.never_served.discard(color)
            elif color not in self.never_served:
                self.weight_left_at.setdefault(color, now)

    def stop(self, color: Color) -> None:
        """Wait out what is left of the load balancer's drain delay, then stop `color`;
        journaled (intent first) with what happened: stopped, or still exiting."""
        self.journal.record(events.Stop(color=color))
        self.progress.info(f"stopping {color}")
        wait = drain_wait(
            self.provider.drain_delay(color),
            left_at=self.weight_left_at.get(color),
            served=color not in self.never_served,
            now=self.clock.time(),
        )
        if wait > 0:
            self.progress.info(f"waiting {wait:.0f} s for requests routed to {color} to finish")
            self.clock.sleep(wait)
        exiting = self.provider.stop(color)
        if exiting == 0:
            self.journal.record(events.Stopped(color=color))
            return
        self.journal.record(events.Stopping(color=color, exiting=exiting))
        self.progress.info(
            f"{color} takes no traffic; {exiting} of its task(s) finish exiting in the background"
        )

    def checkpoint(self) -> None:
        """Between polls: renew the lease when half of it is gone; obey an operator's abort."""
        self.run.renew()
        if Kind.SIGNAL_ABORT in self.journal.signals():
            raise DeployError("rollback requested by an operator (`bluegreen rollback`)")


class Step(Protocol):
    """One step of a deployment."""

    name: str

    def run(self, ctx: Context) -> None:
        """Do the step; raise a BluegreenError when it fails."""
        ...

    def undo(self, ctx: Context) -> None:
        """Put back what `run` changed (called in reverse order after a later failure)."""
        ...


class Migrate:
    """Run the release's one-off migration once, before any new task starts.

    Before: refuse a contracting revision while the live colour's code predates it. After:
    the live colour must still pass readiness (and the smoke test) on the migrated schema.
    """

    name = "migrate"

    def run(self, ctx: Context) -> None:
        """Guard, migrate, check the live colour."""
        release = ctx.request.release
        pending = guard(ctx)
        if pending == [] and ctx.old is not None:
            # The live release's code already has every revision: its deployment migrated
            # the database, so there is nothing to run (and nothing that could break it).
            ctx.journal.record(events.MigrateSkipped(version=release.version))
            ctx.progress.info(f"no new migration in {release.version}")
            return
        known = pending or []
        revisions = tuple(f"{r.id}:{r.change}" for r in known)
        ctx.journal.record(events.Migrate(version=release.version, revisions=revisions))
        shown = ", ".join(f"{r.id} ({r.change})" for r in known) or (
            "revisions not readable here" if pending is None else "no revision reported pending"
        )
        ctx.progress.info(f"migrating the database for {release.version}: {shown}")
        ctx.provider.migrate(release, ctx.new, heartbeat=ctx.run.renew)
        ctx.journal.record(events.Migrated())
        if ctx.old is not None:
            self._check_live(ctx, ctx.old, known)

    def _check_live(self, ctx: Context, live: Color, pending: list[Revision]) -> None:
        url = ctx.provider.route_test_listener(live)
        problem = ctx.readiness(url)
        if problem is None and ctx.request.smoke:
            code, output = ctx.smoke(ctx.request.smoke, url, heartbeat=ctx.run.renew)
            problem = None if code == 0 else f"smoke test exit code {code}: {output.strip()[-300:]}"
        health = ctx.provider.health(live)
        if problem is None and not health.ready:
            problem = f"{health.healthy} of {health.desired} targets healthy"
        ctx.journal.record(events.LiveChecked(color=live, problem=problem))
        if problem is not None:
            culprit = pending[-1].id if pending else "the migration command"
            raise DeployError(
                f"after migrating, the live colour {live} fails on the new schema ({problem}): "
                f"revision {culprit} broke it",
                hint="the schema change is in place: fix forward with a revision that restores "
                "what the live release needs (docs/runbooks/migration-failed.md)",
            )

    def undo(self, ctx: Context) -> None:
        """Nothing: migrations only expand while an older colour runs, so they stay."""


class StartIdle:
    """Start the new release on the idle colour (or reuse it when it already runs warm)."""

    name = "start"

    def run(self, ctx: Context) -> None:
        """Start the tasks; return at once (WaitHealthy waits)."""
        snapshot = ctx.provider.snapshot()
        state = snapshot.colors[ctx.new]
        warm = (
            ctx.request.operation == "rollback"
            and state.release is not None
            and state.release.version == ctx.request.release.version
            and state.health.ready
        )
        if warm:
            ctx.reused = True
            ctx.journal.record(events.Reuse(color=ctx.new, version=ctx.request.release.version))
            ctx.progress.info(
                f"{ctx.new} still runs {state.release.version if state.release else '?'} warm"
            )
            return
        # At least what the live colour runs now (autoscaling may have scaled it out), so
        # capacity never drops at cutover.
        live = snapshot.colors[ctx.old].health.running if ctx.old is not None else 0
        tasks = max(ctx.request.tasks, live)
        ctx.journal.record(events.Start(color=ctx.new, release=ctx.request.release, tasks=tasks))
        ctx.progress.info(
            f"starting {tasks} task(s) of {ctx.request.release.version} as {ctx.new}"
            + (f" (as many as {ctx.old} runs)" if tasks > ctx.request.tasks else "")
        )
        if snapshot.weights.of(ctx.new) == 0:
            ctx.never_served.add(ctx.new)
        ctx.provider.start(ctx.new, ctx.request.release, tasks)

    def undo(self, ctx: Context) -> None:
        """Stop what this deployment started (never a colour it found running)."""
        if ctx.reused:
            return
        ctx.stop(ctx.new)


def health_poll_interval(target: str) -> float:
    """The longest pause between two health reads: locally a read is HAProxy's socket and
    /proc, cheap, and HAProxy checks a new server every 200 ms, so a second between reads
    would add up to a second to every deployment; on AWS each read is API calls, counted."""
    return 0.2 if target == "local" else 1.0


class WaitHealthy:
    """Wait until every new task passes the load balancer's health check."""

    name = "wait-healthy"

    def run(self, ctx: Context) -> None:
        """Poll health with a deadline; a crashed task fails at once."""
        started = ctx.clock.monotonic()
        last: list[Health] = []
        with ctx.progress.waiting(f"waiting for {ctx.new} to pass health checks") as update:

            def check() -> Health | None:
                ctx.checkpoint()
                health = ctx.provider.health(ctx.new)
                last[:] = [health]
                update(f"{health.healthy}/{health.desired} healthy")
                if health.problems:
                    raise HealthCheckError(
                        f"{ctx.new} failed while starting: {'; '.join(health.problems)}"
                    )
                return health if health.ready else None

            ready = poll(
                check,
                timeout=ctx.request.health_timeout,
                clock=ctx.clock,
                longest=health_poll_interval(ctx.provider.target),
            )
        if ready is None:
            seen = last[0] if last else Health(ctx.request.tasks, 0, 0)
            checked = f" ({seen.check})" if seen.check else ""
            raise HealthCheckError(
                f"{ctx.new}: {seen.healthy} of {seen.desired} task(s) healthy after "
                f"{ctx.request.health_timeout:.0f} s{checked}",
                hint="check the release's logs and that it answers its health path "
                "(local.health_path); raise deploy.health_timeout if it is only slow",
            )
        seconds = ctx.clock.monotonic() - started
        ctx.journal.record(
            events.Healthy(color=ctx.new, tasks=ready.healthy, seconds=round(seconds, 3))
        )
        ctx.progress.info(f"{ctx.new}: {ready.healthy}/{ready.desired} healthy in {seconds:.1f} s")

    def undo(self, ctx: Context) -> None:
        """Nothing to put back."""


def run_smoke(
    command: str,
    url: str,
    timeout: float = 300.0,
    heartbeat: Callable[[], None] | None = None,
    beat: float = 5.0,
) -> tuple[int, str]:
    """Run a smoke-test shell command against `url`; its exit code and the tail of its output.

    `heartbeat` is called every `beat` seconds while it runs (the lock's lease is renewed).
    """
    env = {**os.environ, "BLUEGREEN_TARGET_URL": url}
    process = subprocess.Popen(  # noqa: S602 - the operator's own smoke command from config/flags
        command,
        shell=True,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            output, _ = process.communicate(timeout=max(min(beat, deadline - time.monotonic()), 0))
            return process.returncode, output[-2000:]
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                process.kill()
                process.communicate()
                return 124, f"timed out after {timeout:.0f} s"
            if heartbeat is not None:
                heartbeat()


class Smoke:
    """Run the smoke test against the new colour directly, before any user traffic reaches it."""

    name = "smoke"

    def run(self, ctx: Context) -> None:
        """Run the command; a non-zero exit aborts."""
        command = ctx.request.smoke
        if not command:
            return
        url = ctx.provider.route_test_listener(ctx.new)
        ctx.journal.record(events.Smoke(color=ctx.new, url=url, command=command))
        ctx.progress.info(f"smoke test against {ctx.new} at {url}")
        code, output = ctx.smoke(command, url, heartbeat=ctx.run.renew)
        ctx.journal.record(events.SmokeDone(exit_code=code))
        if code != 0:
            raise DeployError(f"smoke test failed with exit code {code}: {output.strip()[-500:]}")

    def undo(self, ctx: Context) -> None:
        """Nothing to put back."""
