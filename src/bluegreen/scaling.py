"""Autoscaling held still during a deployment: both colours' dynamic scale-in is suspended
before anything changes, and put back as it was on every way out.

Why: a target-tracking policy scales in a colour whose metric looks idle, which is exactly the
new colour at 10% of the traffic during a canary, or the old colour kept warm during the bake:
the capacity the deployment counts on. Scale-out stays as it was (a busy afternoon still gets
its tasks), and so do scheduled actions.

What was there before is journaled first (`ScaleInHeld.previous`), so every ending puts it
back from the journal: success (`ResumeScaling`, after the drain), failure (the undo of
`HoldScaleIn`, which runs last), a pause handed back (`promote` finishes with the same steps,
`rollback` and an expired deadline go through recovery), a controller that died (recovery), and
a resume that itself failed (the next deployment puts back what that one recorded, never the
suspension it finds).
"""

from __future__ import annotations

from bluegreen import events, journal
from bluegreen.errors import BluegreenError
from bluegreen.journal import Journal
from bluegreen.model import Scaling
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.state import StateStore
from bluegreen.steps import Context
from bluegreen.view import DeploymentView


def held(view: DeploymentView) -> tuple[Scaling, ...] | None:
    """What a deployment must still put back: the states before its hold (None: nothing held,
    or already resumed)."""
    holds = view.all_of(events.ScaleInHeld)
    if len(holds) <= len(view.all_of(events.ScalingResumed)):
        return None
    return holds[-1].previous


def left_held(store: StateStore) -> dict[str, Scaling]:
    """The states the last operation held and never put back (its resume failed), by colour."""
    last = store.history(limit=1)
    if not last:
        return {}
    return {s.color: s for s in held(journal.read(store, last[0].id)) or ()}


def describe(states: tuple[Scaling, ...]) -> str:
    """`blue, green`."""
    return ", ".join(s.color for s in states)


def resume(provider: Provider, log: Journal, progress: Progress) -> None:
    """Put back what this deployment's journal says it held (nothing when it held nothing).

    The write is idempotent, so a resume that ran but was not journaled runs again harmlessly.
    """
    previous = held(log.view())
    if previous is None:
        return
    provider.set_scaling(previous)
    log.record(events.ScalingResumed(previous=previous))
    progress.info(f"autoscaling of {describe(previous)} back as it was before the deployment")


def resume_or_note(provider: Provider, log: Journal, progress: Progress) -> str | None:
    """`resume`, never raising: what is left held, as a note for the record (None when done)."""
    try:
        resume(provider, log, progress)
    except BluegreenError as exc:
        note = (
            f"autoscaling scale-in is still suspended ({exc.message}); the next deploy or "
            "rollback puts it back, or resume it in the console"
        )
        log.record(events.UndoFailed(step=ResumeScaling.name, error=exc.message))
        progress.info(note)
        return note
    return None


class HoldScaleIn:
    """Suspend both colours' dynamic scale-in for the deployment; undo puts it back."""

    name = "hold-scale-in"

    def run(self, ctx: Context) -> None:
        """Journal the states before, then suspend scale-in (nothing where nothing scales)."""
        found = ctx.provider.scaling()
        if not found:
            return
        left = left_held(ctx.provider.state)
        previous = tuple(left.get(s.color, s) for s in found)
        holding = tuple(s.holding_scale_in() for s in previous)
        ctx.journal.record(events.ScaleInHeld(previous=previous))
        if holding != found:
            ctx.provider.set_scaling(holding)
        ctx.progress.info(f"scale-in of {describe(holding)} suspended for the deployment")

    def undo(self, ctx: Context) -> None:
        """Put the states back (the runner records an undo that fails)."""
        resume(ctx.provider, ctx.journal, ctx.progress)


class ResumeScaling:
    """After the drain: autoscaling back as it was. A failure here is a note, not a rollback:
    the new colour is live and the old one stopped."""

    name = "resume-scaling"

    def run(self, ctx: Context) -> None:
        """Resume; a failure is noted in the record and left to the next operation."""
        note = resume_or_note(ctx.provider, ctx.journal, ctx.progress)
        if note is not None:
            ctx.run.notes.append(note)

    def undo(self, ctx: Context) -> None:
        """Nothing: it is the last step."""


class ScaleInHeldBefore:
    """A deployment finished by another process (`promote`): the hold is already in place;
    undo puts it back as the deploying process would have."""

    name = HoldScaleIn.name

    def run(self, ctx: Context) -> None:
        """Already done by the deploying process."""

    def undo(self, ctx: Context) -> None:
        """Put the states back."""
        HoldScaleIn().undo(ctx)
