"""The steps that move traffic: shift (watched), bake (watched) and drain.

A watched step judges the new colour with the pure `analysis` on readings of the provider;
a breach raises AnalysisError and the runner puts traffic back on the old colour.
"""

from __future__ import annotations

from dataclasses import asdict

from bluegreen import events
from bluegreen.analysis import Verdict, judge, window_start
from bluegreen.clock import poll
from bluegreen.errors import AnalysisError, DeployError
from bluegreen.events import Kind
from bluegreen.model import TrafficCounters, Weights
from bluegreen.plan import Strategy, describe_weights, shift_steps
from bluegreen.steps import Context


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
                if remaining <= 0:
                    break
                ctx.clock.sleep(min(settings.poll_for(provider.target), remaining))
        self._keep(verdict)
        return verdict

    def _keep(self, verdict: Verdict) -> None:
        event = events.Verdict(during=self.label, **asdict(verdict))
        self.ctx.run.verdicts.append(event)
        self.ctx.journal.record(event)


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
            ctx.journal.record(events.Shift(weights=weights, step=index, of=len(steps)))
            ctx.set_weights(weights)
            ctx.journal.record(events.Shifted(weights=weights, step=index, of=len(steps)))
            ctx.progress.info(f"traffic: {describe_weights(weights)}")
            if not final and ctx.request.strategy.interval > 0:
                Watch(ctx, f"step {index}/{len(steps)}").for_seconds(ctx.request.strategy.interval)

    def _await_approval(self, ctx: Context) -> None:
        ctx.journal.record(events.AwaitingApproval(timeout=ctx.request.approve_timeout))
        ctx.progress.info(
            "paused before the final shift: run `bluegreen promote` or `bluegreen rollback`"
        )
        with ctx.progress.waiting("waiting for approval") as update:

            def approved() -> bool | None:
                ctx.checkpoint()
                update("run `bluegreen promote` to continue")
                return True if Kind.SIGNAL_PROMOTE in ctx.journal.signals() else None

            if (
                poll(approved, timeout=ctx.request.approve_timeout, clock=ctx.clock, longest=0.5)
                is None
            ):
                raise DeployError(
                    f"no approval within {ctx.request.approve_timeout:.0f} s: rolled back"
                )
        ctx.journal.record(events.Promoted())
        ctx.progress.info("promoted")

    def undo(self, ctx: Context) -> None:
        """Put all traffic back on the old colour (it is still running and healthy)."""
        if ctx.old is None:
            return
        weights = Weights.all_on(ctx.old)
        ctx.journal.record(events.Restore(weights=weights))
        ctx.set_weights(weights)
        ctx.journal.record(events.Restored(weights=weights))
        ctx.progress.info(f"traffic restored: {describe_weights(weights)}")


class Bake:
    """Keep the old colour warm while the new one takes all traffic; watch the new one."""

    name = "bake"

    def run(self, ctx: Context) -> None:
        """Watch for the bake time (rollback in this window is instant)."""
        if ctx.request.bake <= 0 or ctx.old is None:
            return
        ctx.journal.record(events.Bake(seconds=ctx.request.bake))
        Watch(ctx, "bake").for_seconds(ctx.request.bake)
        ctx.journal.record(events.Baked())

    def undo(self, ctx: Context) -> None:
        """Nothing: Shift.undo moves the traffic back."""


class Drain:
    """Record the new live colour, wait for the old one to finish its requests, stop it."""

    name = "drain"

    def run(self, ctx: Context) -> None:
        """Never fails the deployment: traffic is already on the healthy new colour."""
        ctx.journal.record(events.Live(color=ctx.new))
        ctx.provider.record_live(ctx.new)
        old = ctx.old
        if old is None:
            return
        ctx.journal.record(events.Drain(color=old))
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
            ctx.run.notes.append(note)
            ctx.journal.record(events.DrainTimeout(color=old))
            ctx.progress.info(note)
            return
        ctx.journal.record(events.Stop(color=old))
        ctx.progress.info(f"stopping {old}")
        ctx.stop(old)
        ctx.journal.record(events.Stopped(color=old))

    def undo(self, ctx: Context) -> None:
        """Never called: Drain is the last step and does not fail."""
