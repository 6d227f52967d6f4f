"""The one deployment procedure, written once and run by every provider.

A deployment is a list of small steps, each with `run()` and `undo()`. The runner takes the
lock, checks the live state, runs the steps in order and, when one fails, undoes the ones
that ran in reverse order: traffic goes back to the old colour first (it needs nothing from
the new one), then what the deployment started is stopped.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

from bluegreen.analysis import Verdict, judge, window_start
from bluegreen.config import AnalysisSettings
from bluegreen.errors import (
    AnalysisError,
    BluegreenError,
    DeployError,
    HealthCheckError,
    LockError,
)
from bluegreen.journal import (
    SIGNAL_ABORT,
    SIGNAL_PROMOTE,
    Clock,
    Journal,
    Progress,
    SystemClock,
    poll,
)
from bluegreen.migrations import (
    EXPAND_CONTRACT_HINT,
    Revision,
    contract_problems,
    new_revisions,
    read_chain,
    versions_dir,
)
from bluegreen.model import Color, Health, Release, Snapshot, TrafficCounters, Weights
from bluegreen.plan import Strategy, describe_weights, idle_color, live_state_problems, shift_steps
from bluegreen.provider import Provider
from bluegreen.records import history_record
from bluegreen.state import LockInfo, new_deployment_id, whoami

Operation = Literal["deploy", "rollback"]


@dataclass(frozen=True)
class DeployRequest:
    """Everything one deployment needs to know, validated before anything changes."""

    release: Release
    tasks: int
    strategy: Strategy = field(default_factory=Strategy)
    bake: float = 0.0
    approve: bool = False
    approve_timeout: float = 3600.0
    health_timeout: float = 60.0
    drain_timeout: float = 60.0
    smoke: str | None = None
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    lock_lease: float = 300.0
    operation: Operation = "deploy"
    migrate: bool = True
    reason: str | None = None
    dry_run: bool = False  # AWS --dry-run: walk every step once, without watching for real


@dataclass
class Context:
    """What the steps of one deployment share."""

    provider: Provider
    request: DeployRequest
    journal: Journal
    progress: Progress
    clock: Clock
    lock: LockInfo
    new: Color
    old: Color | None
    old_release: Release | None
    readiness: Callable[[str], str | None]
    reused: bool = False
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def checkpoint(self) -> None:
        """Between polls: renew the lease when half of it is gone; obey an operator's abort."""
        now = self.clock.time()
        if now > self.lock.expires_at - self.request.lock_lease / 2:
            expires = now + self.request.lock_lease
            self.provider.state.renew_lock(self.lock.deployment_id, expires)
            self.lock = LockInfo(**{**self.lock.to_dict(), "expires_at": expires})
        if SIGNAL_ABORT in self.journal.signals():
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


# ---------------------------------------------------------------------------- steps


class Migrate:
    """Run the release's one-off migration once, before any new task starts.

    Before: refuse a contracting revision while the live colour's code predates it. After:
    the live colour must still pass readiness (and the smoke test) on the migrated schema.
    """

    name = "migrate"

    def run(self, ctx: Context) -> None:
        """Guard, migrate, check the live colour."""
        release = ctx.request.release
        pending = self._guard(ctx)
        if pending == [] and ctx.old is not None:
            # The live release's code already has every revision: its deployment migrated
            # the database, so there is nothing to run (and nothing that could break it).
            ctx.journal.record("migrate-skipped", version=release.version)
            ctx.progress.info(f"no new migration in {release.version}")
            return
        known = pending or []
        ctx.journal.record(
            "migrate", version=release.version, revisions=[f"{r.id}:{r.change}" for r in known]
        )
        shown = ", ".join(f"{r.id} ({r.change})" for r in known) or "revisions not readable here"
        ctx.progress.info(f"migrating the database for {release.version}: {shown}")
        ctx.provider.migrate(release)
        ctx.journal.record("migrated")
        if ctx.old is not None:
            self._check_live(ctx, ctx.old, known)

    def _guard(self, ctx: Context) -> list[Revision] | None:
        """The revisions the release brings (None when its files cannot be read here)."""
        new_dir = versions_dir(ctx.request.release.workdir)
        if new_dir is None:
            return None
        live_dir = versions_dir(ctx.old_release.workdir) if ctx.old_release else None
        if ctx.old_release is not None and live_dir is None:
            return None
        live = read_chain(live_dir) if live_dir else []
        pending = new_revisions(read_chain(new_dir), live)
        if ctx.old is not None and ctx.old_release is not None:
            who = f"{ctx.old} ({ctx.old_release.version})"
            problems = contract_problems(pending, live, who)
            if problems:
                raise DeployError(
                    "refusing to migrate: " + "; ".join(problems), hint=EXPAND_CONTRACT_HINT
                )
        return pending

    def _check_live(self, ctx: Context, live: Color, pending: list[Revision]) -> None:
        url = ctx.provider.direct_url(live)
        problem = ctx.readiness(url)
        if problem is None and ctx.request.smoke:
            code, output = run_smoke(ctx.request.smoke, url)
            problem = None if code == 0 else f"smoke test exit code {code}: {output.strip()[-300:]}"
        health = ctx.provider.health(live)
        if problem is None and not health.ready:
            problem = f"{health.healthy} of {health.desired} targets healthy"
        ctx.journal.record("live-checked", color=live, problem=problem)
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


def live_readiness_problem(base_url: str, path: str = "/ready") -> str | None:
    """Why the colour at `base_url` is not ready (None when it is, or has no such endpoint)."""
    try:
        response = httpx.get(base_url.rstrip("/") + path, timeout=5.0)
    except httpx.HTTPError as exc:
        return f"{path} unreachable: {exc.__class__.__name__}"
    if response.status_code >= 500:
        return f"{path} answered {response.status_code}: {response.text.strip()[:200]}"
    return None


class StartIdle:
    """Start the new release on the idle colour (or reuse it when it already runs warm)."""

    name = "start"

    def run(self, ctx: Context) -> None:
        """Start the tasks; return at once (WaitHealthy waits)."""
        state = ctx.provider.snapshot().colors[ctx.new]
        warm = (
            ctx.request.operation == "rollback"
            and state.release is not None
            and state.release.version == ctx.request.release.version
            and state.health.ready
        )
        if warm:
            ctx.reused = True
            ctx.journal.record("reuse", color=ctx.new, version=ctx.request.release.version)
            ctx.progress.info(
                f"{ctx.new} still runs {state.release.version if state.release else '?'} warm"
            )
            return
        ctx.journal.record(
            "start", color=ctx.new, release=ctx.request.release.to_dict(), tasks=ctx.request.tasks
        )
        ctx.progress.info(
            f"starting {ctx.request.tasks} task(s) of {ctx.request.release.version} as {ctx.new}"
        )
        ctx.provider.start(ctx.new, ctx.request.release, ctx.request.tasks)

    def undo(self, ctx: Context) -> None:
        """Stop what this deployment started (never a colour it found running)."""
        if ctx.reused:
            return
        ctx.journal.record("stop", color=ctx.new)
        ctx.progress.info(f"stopping {ctx.new}")
        ctx.provider.stop(ctx.new)
        ctx.journal.record("stopped", color=ctx.new)


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

            ready = poll(check, timeout=ctx.request.health_timeout, clock=ctx.clock)
        if ready is None:
            seen = last[0] if last else Health(ctx.request.tasks, 0, 0)
            raise HealthCheckError(
                f"{ctx.new}: {seen.healthy} of {seen.desired} task(s) healthy after "
                f"{ctx.request.health_timeout:.0f} s",
                hint="check the release's logs; raise deploy.health_timeout if it is only slow",
            )
        seconds = ctx.clock.monotonic() - started
        ctx.journal.record("healthy", color=ctx.new, tasks=ready.healthy, seconds=round(seconds, 3))
        ctx.progress.info(f"{ctx.new}: {ready.healthy}/{ready.desired} healthy in {seconds:.1f} s")

    def undo(self, ctx: Context) -> None:
        """Nothing to put back."""


def run_smoke(command: str, url: str, timeout: float = 300.0) -> tuple[int, str]:
    """Run a smoke-test shell command against `url`; its exit code and the tail of its output."""
    env = {**os.environ, "BLUEGREEN_TARGET_URL": url}
    try:
        done = subprocess.run(  # noqa: S602 - the operator's own smoke command from config/flags
            command,
            shell=True,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout:.0f} s"
    return done.returncode, (done.stdout + done.stderr)[-2000:]


class Smoke:
    """Run the smoke test against the new colour directly, before any user traffic reaches it."""

    name = "smoke"

    def run(self, ctx: Context) -> None:
        """Run the command; a non-zero exit aborts."""
        command = ctx.request.smoke
        if not command:
            return
        url = ctx.provider.direct_url(ctx.new)
        ctx.journal.record("smoke", color=ctx.new, url=url, command=command)
        ctx.progress.info(f"smoke test against {ctx.new} at {url}")
        code, output = run_smoke(command, url)
        ctx.journal.record("smoke-done", exit_code=code)
        if code != 0:
            raise DeployError(f"smoke test failed with exit code {code}: {output.strip()[-500:]}")

    def undo(self, ctx: Context) -> None:
        """Nothing to put back."""


class Watch:
    """Watch the new colour for `seconds`: health, 5xx rate, latency, alarms, operator abort."""

    def __init__(self, ctx: Context, label: str) -> None:
        self.ctx = ctx
        self.label = label

    def for_seconds(self, seconds: float) -> Verdict | None:
        """Raise AnalysisError on a breach; return the last verdict (None when not watched)."""
        ctx = self.ctx
        provider = ctx.provider
        settings = ctx.request.analysis
        samples: list[TrafficCounters] = [provider.traffic(ctx.new)]
        verdict: Verdict | None = None
        deadline = ctx.clock.monotonic() + seconds
        unhealthy_before = 0
        with ctx.progress.waiting(
            f"{self.label}: watching {ctx.new} for {seconds:.0f} s"
        ) as update:
            while True:
                ctx.checkpoint()
                health = provider.health(ctx.new)
                samples.append(provider.traffic(ctx.new))
                now = samples[-1].at
                unhealthy = max(health.desired - health.healthy, 0)
                verdict = judge(
                    window_start(samples, now, settings.window),
                    samples[-1],
                    settings,
                    # A target counts as failed when it fails two looks in a row: one missed
                    # check is a blip the load balancer itself forgives (HAProxy `fall 2`).
                    unhealthy=min(unhealthy, unhealthy_before),
                    alarms=provider.alarms(ctx.new),
                )
                unhealthy_before = unhealthy
                update(_verdict_line(verdict))
                if not verdict.ok:
                    self._keep(verdict)
                    raise AnalysisError(
                        f"{ctx.new} rolled back during {self.label}: {verdict.reason}"
                    )
                remaining = deadline - ctx.clock.monotonic()
                if remaining <= 0 or ctx.request.dry_run:
                    break
                ctx.clock.sleep(min(settings.poll_for(provider.target), remaining))
        self._keep(verdict)
        return verdict

    def _keep(self, verdict: Verdict) -> None:
        self.ctx.verdicts.append({"during": self.label, **verdict.to_dict()})
        self.ctx.journal.record("verdict", during=self.label, **verdict.to_dict())


def _verdict_line(verdict: Verdict) -> str:
    rate = "n/a" if verdict.error_rate is None else f"{verdict.error_rate:.1%}"
    return f"{verdict.requests} req, 5xx {rate}"


class Shift:
    """Move traffic to the new colour step by step, watching it after each partial step."""

    name = "shift"

    def run(self, ctx: Context) -> None:
        """Set each step's weights; pause for approval before the last one when asked."""
        # A first deployment has no old colour to share traffic with: it goes all at once.
        strategy = ctx.request.strategy if ctx.old is not None else Strategy()
        steps = shift_steps(strategy, ctx.new)
        for index, weights in enumerate(steps, start=1):
            final = index == len(steps)
            if final and ctx.request.approve:
                self._await_approval(ctx)
            ctx.journal.record("shift", weights=weights.as_dict(), step=index, of=len(steps))
            ctx.provider.set_weights(weights)
            ctx.journal.record("shifted", weights=weights.as_dict(), step=index, of=len(steps))
            ctx.progress.info(f"traffic: {describe_weights(weights)}")
            if not final and ctx.request.strategy.interval > 0:
                Watch(ctx, f"step {index}/{len(steps)}").for_seconds(ctx.request.strategy.interval)

    def _await_approval(self, ctx: Context) -> None:
        ctx.journal.record("awaiting-approval", timeout=ctx.request.approve_timeout)
        ctx.progress.info(
            "paused before the final shift: run `bluegreen promote` or `bluegreen rollback`"
        )
        with ctx.progress.waiting("waiting for approval") as update:

            def approved() -> bool | None:
                ctx.checkpoint()
                update("run `bluegreen promote` to continue")
                return True if SIGNAL_PROMOTE in ctx.journal.signals() else None

            if (
                poll(approved, timeout=ctx.request.approve_timeout, clock=ctx.clock, longest=0.5)
                is None
            ):
                raise DeployError(
                    f"no approval within {ctx.request.approve_timeout:.0f} s: rolled back"
                )
        ctx.journal.record("promoted")
        ctx.progress.info("promoted")

    def undo(self, ctx: Context) -> None:
        """Put all traffic back on the old colour (it is still running and healthy)."""
        if ctx.old is None:
            return
        weights = Weights.all_on(ctx.old)
        ctx.journal.record("restore", weights=weights.as_dict())
        ctx.provider.set_weights(weights)
        ctx.journal.record("restored", weights=weights.as_dict())
        ctx.progress.info(f"traffic restored: {describe_weights(weights)}")


class Bake:
    """Keep the old colour warm while the new one takes all traffic; watch the new one."""

    name = "bake"

    def run(self, ctx: Context) -> None:
        """Watch for the bake time (rollback in this window is instant)."""
        if ctx.request.bake <= 0 or ctx.old is None:
            return
        ctx.journal.record("bake", seconds=ctx.request.bake)
        Watch(ctx, "bake").for_seconds(ctx.request.bake)
        ctx.journal.record("baked")

    def undo(self, ctx: Context) -> None:
        """Nothing: Shift.undo moves the traffic back."""


class Drain:
    """Record the new live colour, wait for the old one to finish its requests, stop it."""

    name = "drain"

    def run(self, ctx: Context) -> None:
        """Never fails the deployment: traffic is already on the healthy new colour."""
        ctx.journal.record("live", color=ctx.new)
        ctx.provider.record_live(ctx.new)
        old = ctx.old
        if old is None:
            return
        ctx.journal.record("drain", color=old)
        with ctx.progress.waiting(f"draining {old}") as update:

            def drained() -> bool | None:
                in_flight = ctx.provider.in_flight(old)
                update(f"{in_flight} request(s) in flight")
                return True if in_flight == 0 else None

            done = poll(drained, timeout=ctx.request.drain_timeout, clock=ctx.clock)
        if done is None:
            note = (
                f"{old} still had requests in flight after {ctx.request.drain_timeout:.0f} s; "
                f"it was left running: stop it with `bluegreen rollback` or the next deploy"
            )
            ctx.notes.append(note)
            ctx.journal.record("drain-timeout", color=old)
            ctx.progress.info(note)
            return
        ctx.journal.record("stop", color=old)
        ctx.progress.info(f"stopping {old}")
        ctx.provider.stop(old)
        ctx.journal.record("stopped", color=old)

    def undo(self, ctx: Context) -> None:
        """Never called: Drain is the last step and does not fail."""


def steps_for(request: DeployRequest) -> list[Step]:
    """The steps of a deployment, in order."""
    steps: list[Step] = []
    if request.migrate and request.release.migrate_command:
        steps.append(Migrate())
    steps += [StartIdle(), WaitHealthy(), Smoke(), Shift(), Bake(), Drain()]
    return steps


# ---------------------------------------------------------------------------- runner


@dataclass
class Outcome:
    """What a deployment did, as saved in the history."""

    record: dict[str, Any]
    error: BluegreenError | None = None


class Deployment:
    """Lock, preflight, steps with undo, history: one run of the procedure."""

    def __init__(
        self,
        provider: Provider,
        request: DeployRequest,
        progress: Progress,
        *,
        clock: Clock | None = None,
        deployment_id: str | None = None,
        steps: Sequence[Step] | None = None,
        readiness: Callable[[str], str | None] | None = None,
    ) -> None:
        self.provider = provider
        self.request = request
        self.progress = progress
        self.clock = clock or SystemClock()
        self.id = deployment_id or new_deployment_id(self.clock.time())
        self.steps = list(steps) if steps is not None else steps_for(request)
        self.readiness = readiness or live_readiness_problem

    def run(self) -> Outcome:
        """Run the deployment; raise its error after traffic was restored (and recorded)."""
        store = self.provider.state
        now = self.clock.time()
        lock = LockInfo(
            self.id, whoami(), self.request.operation, now, now + self.request.lock_lease
        )
        store.acquire_lock(lock)
        try:
            return self._locked(lock)
        finally:
            store.release_lock(self.id)

    def _locked(self, lock: LockInfo) -> Outcome:
        snapshot = self.provider.snapshot()
        problems = live_state_problems(snapshot)
        if problems:
            raise DeployError(
                "refusing to deploy: " + "; ".join(problems),
                hint="run `bluegreen status`; `bluegreen rollback` restores the last live colour",
            )
        old = snapshot.live
        new = idle_color(snapshot)
        journal = Journal(self.provider.state, self.id, self.clock)
        ctx = Context(
            provider=self.provider,
            request=self.request,
            journal=journal,
            progress=self.progress,
            clock=self.clock,
            lock=lock,
            new=new,
            old=old,
            old_release=snapshot.colors[old].release if old else None,
            readiness=self.readiness,
        )
        started = self.clock.monotonic()
        journal.record(
            "begin",
            operation=self.request.operation,
            who=lock.owner,
            target=self.provider.target,
            old=old,
            new=new,
            old_release=ctx.old_release.to_dict() if ctx.old_release else None,
            new_release=self.request.release.to_dict(),
            strategy=self.request.strategy.name,
            weights=snapshot.weights.as_dict(),
            reason=self.request.reason,
        )
        done: list[Step] = []
        error: BluegreenError | None = None
        try:
            for step in self.steps:
                done.append(step)
                step.run(ctx)
        except BluegreenError as exc:
            error = exc
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a cancelled CI job (see cli.main)
            error = DeployError("interrupted by the operator; traffic restored")
        except Exception as exc:  # an unexpected bug must still put traffic back
            error = DeployError(f"unexpected error: {exc!r}")
        if error is not None:
            self._undo(ctx, done, error)
        record = self._record(ctx, snapshot, started, error)
        journal.record("end", outcome=record["outcome"], reason=record["reason"])
        self.provider.state.save_record(record)
        if error is not None:
            if not isinstance(error, DeployError):
                # a lock or platform error mid-way: traffic is restored, say so with exit 1
                raise DeployError(f"{error.message} (traffic restored)", hint=error.hint) from error
            raise error
        return Outcome(record)

    def _undo(self, ctx: Context, done: list[Step], error: BluegreenError) -> None:
        ctx.journal.record("failed", reason=error.message)
        self.progress.info(f"failed: {error.message}")
        for step in reversed(done):
            try:
                step.undo(ctx)
            except Exception as exc:  # keep undoing the rest; the record says what is left
                ctx.notes.append(f"undo of {step.name} failed: {exc}")
                ctx.journal.record("undo-failed", step=step.name, error=str(exc))

    def _record(
        self, ctx: Context, before: Snapshot, started: float, error: BluegreenError | None
    ) -> dict[str, Any]:
        outcome = "succeeded" if error is None else "rolled_back"
        if error is not None and ctx.old is None:
            outcome = "failed"
        return history_record(
            deployment_id=self.id,
            operation=self.request.operation,
            target=self.provider.target,
            who=ctx.lock.owner,
            started_at=ctx.journal.events[0].at if ctx.journal.events else ctx.lock.acquired_at,
            finished_at=self.clock.time(),
            duration_s=self.clock.monotonic() - started,
            old=(ctx.old, ctx.old_release),
            new=(ctx.new, self.request.release),
            strategy=self.request.strategy.name,
            weights_before=before.weights.as_dict(),
            outcome=outcome,
            reason=None if error is None else error.message,
            verdicts=ctx.verdicts,
            notes=ctx.notes,
            request_reason=self.request.reason,
        )


def check_lock_free(provider: Provider) -> LockInfo | None:
    """The holder of a lock left by a dead process (to recover), or None when free.

    Raises LockError when a live deployment holds it.
    """
    holder = provider.state.lock_holder()
    if holder is None:
        return None
    if provider.state.holder_alive(holder):
        raise LockError(
            f"deployment {holder.deployment_id} ({holder.operation} by {holder.owner}) holds the "
            "lock",
            hint="wait for it to finish; `bluegreen status` shows its progress",
        )
    return holder
