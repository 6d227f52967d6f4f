"""The one deployment procedure, written once and run by every provider.

A deployment is a list of small steps (`steps`, `shifting`), each with `run()` and `undo()`.
The runner checks the live state inside the operation's lifecycle (lock, journal, one history
record), runs the steps in order and, when one fails, undoes the ones that ran in reverse
order: traffic goes back to the old colour first (it needs nothing from the new one), then
what the deployment started is stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bluegreen import events
from bluegreen.clock import Clock, SystemClock
from bluegreen.errors import BluegreenError, DeployError
from bluegreen.hooks import Hook, run_hook_at, run_point
from bluegreen.lifecycle import ApprovalPending, Run, operation_lifecycle, restored_error
from bluegreen.model import Color, Weights
from bluegreen.plan import describe_weights, idle_color, live_state_problems
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.readiness import live_readiness_problem
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.request import DeployRequest
from bluegreen.scaling import HoldScaleIn, ResumeScaling
from bluegreen.shifting import Bake, Drain, Shift
from bluegreen.steps import (
    Context,
    HookRunner,
    Migrate,
    Smoke,
    SmokeRunner,
    StartIdle,
    Step,
    WaitHealthy,
    run_smoke,
)


def steps_for(request: DeployRequest) -> list[Step]:
    """The steps of a deployment, in order (hooks only run when configured)."""
    deploying = request.operation == "deploy"
    steps: list[Step] = [Hook("pre_deploy")] if deploying else []
    steps.append(HoldScaleIn())  # first change: autoscaling scale-in held until the end
    if request.migrate and request.release.migrate_command:
        steps.append(Migrate())
    steps += [StartIdle(), WaitHealthy(), Smoke()]
    steps += [Hook("pre_shift"), Shift(), Hook("post_shift")] if deploying else [Shift()]
    steps += [Bake(), Drain(), ResumeScaling()]
    steps.append(Hook("post_deploy" if deploying else "on_rollback"))
    return steps


class Deployment:
    """Preflight, then steps with undo, inside one operation lifecycle."""

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
        smoke: SmokeRunner | None = None,
        hook: HookRunner | None = None,
        judge: bool = True,
    ) -> None:
        self.provider = provider
        self.request = request
        self.progress = progress
        self.clock = clock or SystemClock()
        self.deployment_id = deployment_id
        self.steps = list(steps) if steps is not None else steps_for(request)
        self.readiness = readiness or live_readiness_problem
        self.smoke = smoke or run_smoke
        self.hook = hook or run_hook_at
        self.judge = judge

    def run(self) -> DeploymentRecord:
        """Run the deployment and return its history record.

        On failure the error is raised after traffic was restored and the record written.
        """
        with operation_lifecycle(
            self.provider,
            self.request.operation,
            lease=self.request.lock_lease,
            clock=self.clock,
            deployment_id=self.deployment_id,
        ) as run:
            self._locked(run)
        assert run.record is not None  # noqa: S101 - the lifecycle always writes it
        return run.record

    def _locked(self, run: Run) -> None:
        snapshot = self.provider.snapshot()
        old = snapshot.live
        new = idle_color(snapshot)
        old_release = snapshot.colors[old].release if old else None
        run.old = Side(old, old_release)
        run.new = Side(new, self.request.release)
        run.strategy = self.request.strategy.name
        run.weights_before = snapshot.weights
        run.request_reason = self.request.reason
        problems = live_state_problems(snapshot)
        if problems:
            run.outcome = Outcome.REFUSED
            raise DeployError(
                "refusing to deploy: " + "; ".join(problems),
                hint="run `bluegreen status`; `bluegreen rollback` restores the last live colour",
            )
        ctx = Context(
            provider=self.provider,
            request=self.request,
            run=run,
            progress=self.progress,
            clock=self.clock,
            new=new,
            old=old,
            old_release=old_release,
            readiness=self.readiness,
            smoke=self.smoke,
            hook=self.hook,
            judge=self.judge,
        )
        run.journal.record(
            events.Begin(
                operation=self.request.operation,
                who=run.lock.owner,
                target=self.provider.target,
                old=old,
                new=new,
                old_release=old_release,
                new_release=self.request.release,
                strategy=self.request.strategy.name,
                weights=snapshot.weights,
                reason=self.request.reason,
            )
        )
        run.outcome_on_error = Outcome.ROLLED_BACK if old is not None else Outcome.FAILED
        execute(ctx, self.steps)


def execute(ctx: Context, steps: Sequence[Step]) -> None:
    """Run `steps` in order; when one fails, undo those that ran, in reverse, and raise.

    A pause handed back (ApprovalPending) is not a failure: nothing is undone. After an undo
    the platform is read back: "traffic restored" is said only when it shows all traffic on
    the old colour with healthy targets.
    """
    done: list[Step] = []
    error: BluegreenError | None = None
    interrupted = False
    try:
        for step in steps:
            done.append(step)
            step.run(ctx)
    except ApprovalPending:
        raise
    except BluegreenError as exc:
        error = exc
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a cancelled CI job (see cli.main)
        error = DeployError("interrupted by the operator")
        interrupted = True
    except Exception as exc:  # an unexpected bug must still put traffic back
        error = DeployError(f"unexpected error: {exc!r}")
    if error is None:
        return
    _undo(ctx, done, error)
    problem = unrestored(ctx.provider, ctx.old)
    if problem is not None:
        ctx.run.outcome = Outcome.FAILED
        ctx.run.reason = f"{error.message} (traffic NOT restored: {problem})"
        raise DeployError(
            ctx.run.reason, hint="`bluegreen up` restarts what died and restores traffic"
        ) from error
    if interrupted:  # said only now: the platform showed traffic back on `old`
        error = DeployError("interrupted by the operator; traffic restored")
    ctx.run.reason = error.message
    raise restored_error(error)


def _undo(ctx: Context, done: list[Step], error: BluegreenError) -> None:
    ctx.journal.record(events.Failed(reason=error.message))
    ctx.progress.info(f"failed: {error.message}")
    try:  # a platform part that died (HAProxy, PostgreSQL) first, traffic on the old colour
        healed = ctx.provider.heal(ctx.old, report=ctx.progress.info)
    except BluegreenError as exc:
        healed = ()
        ctx.run.notes.append(f"restarting the platform failed: {exc.message}")
    ctx.run.notes.extend(healed)
    for step in reversed(done):
        try:
            step.undo(ctx)
        except Exception as exc:  # keep undoing the rest; the record says what is left
            ctx.run.notes.append(f"undo of {step.name} failed: {exc}")
            ctx.journal.record(events.UndoFailed(step=step.name, error=str(exc)))
    if any(isinstance(step, StartIdle) for step in done):  # something changed and went back
        try:
            run_point(ctx, "on_rollback")
        except Exception as exc:  # a hook never stops the error from being reported
            ctx.run.notes.append(f"on_rollback hook could not run: {exc}")


def unrestored(provider: Provider, old: Color | None) -> str | None:
    """Why traffic is not back on `old` after an undo, read from the platform (None: it is,
    or there was no old colour to go back to)."""
    if old is None:
        return None
    try:
        snapshot = provider.snapshot()
    except BluegreenError as exc:
        return exc.message
    healthy = snapshot.colors[old].health.healthy
    if snapshot.weights != Weights.all_on(old) or healthy == 0:
        return f"weights {describe_weights(snapshot.weights)}, {old} has {healthy} healthy targets"
    return None
