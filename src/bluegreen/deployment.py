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
from bluegreen.lifecycle import Run, operation_lifecycle, restored_error
from bluegreen.plan import idle_color, live_state_problems
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.request import DeployRequest
from bluegreen.shifting import Bake, Drain, Shift
from bluegreen.steps import (
    Context,
    Migrate,
    Smoke,
    StartIdle,
    Step,
    WaitHealthy,
    live_readiness_problem,
    run_smoke,
)


def steps_for(request: DeployRequest) -> list[Step]:
    """The steps of a deployment, in order."""
    steps: list[Step] = []
    if request.migrate and request.release.migrate_command:
        steps.append(Migrate())
    steps += [StartIdle(), WaitHealthy(), Smoke(), Shift(), Bake(), Drain()]
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
        smoke: Callable[[str, str], tuple[int, str]] | None = None,
    ) -> None:
        self.provider = provider
        self.request = request
        self.progress = progress
        self.clock = clock or SystemClock()
        self.deployment_id = deployment_id
        self.steps = list(steps) if steps is not None else steps_for(request)
        self.readiness = readiness or live_readiness_problem
        self.smoke = smoke or run_smoke

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
            run.reason = error.message
            raise restored_error(error)

    def _undo(self, ctx: Context, done: list[Step], error: BluegreenError) -> None:
        ctx.journal.record(events.Failed(reason=error.message))
        self.progress.info(f"failed: {error.message}")
        for step in reversed(done):
            try:
                step.undo(ctx)
            except Exception as exc:  # keep undoing the rest; the record says what is left
                ctx.run.notes.append(f"undo of {step.name} failed: {exc}")
                ctx.journal.record(events.UndoFailed(step=step.name, error=str(exc)))
