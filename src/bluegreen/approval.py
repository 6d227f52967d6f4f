"""Finishing a deployment whose approval pause was handed back (`deploy --approve --detach`).

The deploying process journals the pause, keeps the lock (no process, alive until the approval
deadline) and exits, so no deployment depends on one job's credentials outliving its pauses.
`promote` in another process (fresh credentials) takes the lock over and runs what is left:
the final shift, the bake and the drain, then autoscaling resumed as it was (`scaling`),
undone like any deployment when one fails.
`rollback` puts traffic back on the old colour. Past the deadline, whichever command runs next
(`deploy`, `rollback`, `promote`) rolls it back (`recovery.recover`).
"""

from __future__ import annotations

import time

from bluegreen import events, journal
from bluegreen.clock import Clock, SystemClock
from bluegreen.config import AnalysisSettings
from bluegreen.deployment import execute
from bluegreen.errors import ConfigError, DeployError
from bluegreen.hooks import run_hook_at
from bluegreen.lifecycle import operation_lifecycle
from bluegreen.model import Weights
from bluegreen.plan import describe_weights
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.readiness import live_readiness_problem
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.recovery import recover
from bluegreen.request import DeployRequest
from bluegreen.scaling import ResumeScaling, ScaleInHeldBefore
from bluegreen.shifting import Bake, Drain, Shift
from bluegreen.state import LockInfo
from bluegreen.steps import Context, StartIdle, Step, run_smoke


def utc(seconds: float) -> str:
    """`2026-12-01 11:00:00 UTC`."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


class Started:
    """The new colour the paused deployment started: nothing to run; undo stops it."""

    name = "start"

    def run(self, ctx: Context) -> None:
        """Already done by the deploying process."""

    def undo(self, ctx: Context) -> None:
        """Stop the new colour, as the deploying process would have."""
        StartIdle().undo(ctx)


class FinalShift:
    """The approved final shift: all traffic on the new colour."""

    name = "shift"

    def __init__(self, step: int) -> None:
        self.step = step

    def run(self, ctx: Context) -> None:
        """Journal the approval, then move all traffic to the new colour."""
        ctx.journal.record(events.Promoted())
        weights = Weights.all_on(ctx.new)
        ctx.journal.record(events.Shift(weights=weights, step=self.step, of=self.step))
        ctx.set_weights(weights)
        ctx.journal.record(events.Shifted(weights=weights, step=self.step, of=self.step))
        ctx.progress.info(f"promoted; traffic: {describe_weights(weights)}")

    def undo(self, ctx: Context) -> None:
        """All traffic back on the old colour."""
        Shift().undo(ctx)


def finish_paused(
    provider: Provider,
    holder: LockInfo,
    progress: Progress,
    *,
    analysis: AnalysisSettings,
    lease: float,
    clock: Clock | None = None,
) -> DeploymentRecord:
    """Promote a deployment whose approval pause was handed back; its history record.

    Past its deadline it is rolled back instead, and DeployError says so (exit 1).
    """
    clock = clock or SystemClock()
    view = journal.read(provider.state, holder.deployment_id)
    pause = view.handed_back_pause
    begin = view.begin
    if pause is None or begin is None or begin.new is None:
        raise ConfigError(
            f"deployment {holder.deployment_id} is not paused for approval",
            hint="`bluegreen status` shows where it stands",
        )
    if not provider.state.holder_alive(holder):
        record = recover(provider, holder, progress, clock=clock)
        deadline = utc(pause.deadline) if pause.deadline is not None else "its deadline"
        raise DeployError(
            f"deployment {holder.deployment_id} was not approved before {deadline}: "
            f"rolled back ({record.reason})",
            hint="deploy the release again when it can be approved in time",
        )
    if begin.new_release is None:
        raise ConfigError(f"deployment {holder.deployment_id}'s journal names no new release")
    shifted = view.all_of(events.Shifted)
    started = view.first(events.Start)
    request = DeployRequest(
        release=begin.new_release,
        tasks=started.tasks if started and started.tasks else 1,
        bake=pause.bake,
        drain_timeout=pause.drain_timeout,
        analysis=analysis,
        lock_lease=lease,
        reason=begin.reason,
    )
    with operation_lifecycle(
        provider, holder.operation, lease=lease, clock=clock, adopt=holder
    ) as run:
        run.old = Side(begin.old, begin.old_release)
        run.new = Side(begin.new, begin.new_release)
        run.strategy = begin.strategy
        run.weights_before = begin.weights
        run.request_reason = begin.reason
        run.outcome_on_error = Outcome.ROLLED_BACK if begin.old is not None else Outcome.FAILED
        ctx = Context(
            provider=provider,
            request=request,
            run=run,
            progress=progress,
            clock=clock,
            new=begin.new,
            old=begin.old,
            old_release=begin.old_release,
            readiness=live_readiness_problem,
            smoke=run_smoke,
            hook=run_hook_at,
        )
        step = (shifted[-1].of if shifted else 1) or 1
        steps: list[Step] = [ScaleInHeldBefore(), Started(), FinalShift(step), Bake(), Drain()]
        execute(ctx, [*steps, ResumeScaling()])
    assert run.record is not None  # noqa: S101 - the lifecycle always writes it
    return run.record
