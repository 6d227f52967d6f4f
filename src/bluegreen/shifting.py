"""The steps that move traffic: shift (watched), bake (watched) and drain.

A watched step lasts until its verdict is final (`watch.Watch`, docs/verdict.md); a failed or
inconclusive step raises AnalysisError and the runner puts traffic back on the old colour.
"""

from __future__ import annotations

from bluegreen import events
from bluegreen.clock import poll
from bluegreen.lifecycle import ApprovalPending
from bluegreen.model import Weights
from bluegreen.pause import await_approval
from bluegreen.plan import Strategy, describe_weights, shift_steps
from bluegreen.steps import Context
from bluegreen.watch import Watch


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
                if ctx.request.detach:
                    hand_back(ctx)  # raises ApprovalPending: another process finishes
                await_approval(ctx, "before the final shift")
            ctx.journal.record(events.Shift(weights=weights, step=index, of=len(steps)))
            ctx.set_weights(weights)
            ctx.journal.record(events.Shifted(weights=weights, step=index, of=len(steps)))
            ctx.progress.info(f"traffic: {describe_weights(weights)}")
            if not final and ctx.request.strategy.interval > 0:
                share = weights.of(ctx.new) / 100
                Watch(ctx, f"step {index}/{len(steps)}", share).judge(ctx.request.strategy.interval)

    def undo(self, ctx: Context) -> None:
        """Put all traffic back on the old colour (it is still running and healthy)."""
        if ctx.old is None:
            return
        weights = Weights.all_on(ctx.old)
        ctx.journal.record(events.Restore(weights=weights))
        ctx.set_weights(weights)
        ctx.journal.record(events.Restored(weights=weights))
        ctx.progress.info(f"traffic restored: {describe_weights(weights)}")


def hand_back(ctx: Context) -> None:
    """Pause for approval in the journal and the lock, not in this process: raise
    ApprovalPending, which keeps the lock (no process, alive until the deadline) and undoes
    nothing; `promote` or `rollback` in another process, with its own credentials, finishes."""
    request = ctx.request
    deadline = ctx.clock.time() + request.approve_timeout
    ctx.journal.record(
        events.AwaitingApproval(
            timeout=request.approve_timeout,
            detached=True,
            deadline=deadline,
            bake=request.bake,
            drain_timeout=request.drain_timeout,
        )
    )
    ctx.progress.info(
        "paused before the final shift and handed back: run `bluegreen promote` or "
        f"`bluegreen rollback` within {request.approve_timeout:.0f} s"
    )
    raise ApprovalPending(ctx.run.id, deadline)


class Bake:
    """Keep the old colour warm while the new one takes all traffic; watch the new one."""

    name = "bake"

    def run(self, ctx: Context) -> None:
        """Watch for the bake time (rollback in this window is instant)."""
        if ctx.request.bake <= 0 or ctx.old is None:
            return
        ctx.journal.record(events.Bake(seconds=ctx.request.bake))
        Watch(ctx, "bake", 1.0).judge(ctx.request.bake)
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
        ctx.stop(old)

    def undo(self, ctx: Context) -> None:
        """Never called: Drain is the last step and does not fail."""
