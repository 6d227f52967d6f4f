"""Wait for an operator's `bluegreen promote`: before the final shift with `--approve`, and
when an inconclusive step is set to pause (`analysis.on_inconclusive = "pause"`).

Each pause records `AwaitingApproval` and needs a promote signal of its own: a `promote` sent
for an earlier pause never approves a later one.
"""

from __future__ import annotations

from bluegreen import events
from bluegreen.clock import poll
from bluegreen.errors import DeployError
from bluegreen.steps import Context


def await_approval(ctx: Context, why: str) -> None:
    """Record the pause, wait for its promote signal, record the promotion.

    Raises DeployError (the runner rolls back) when nobody promotes within the timeout.
    """
    ctx.journal.record(events.AwaitingApproval(timeout=ctx.request.approve_timeout))
    ctx.progress.info(f"paused {why}: run `bluegreen promote` or `bluegreen rollback`")
    with ctx.progress.waiting("waiting for approval") as update:

        def approved() -> bool | None:
            ctx.checkpoint()
            update("run `bluegreen promote` to continue")
            view = ctx.journal.view()
            return (
                True if view.promote_signals >= len(view.all_of(events.AwaitingApproval)) else None
            )

        if (
            poll(approved, timeout=ctx.request.approve_timeout, clock=ctx.clock, longest=0.5)
            is None
        ):
            raise DeployError(
                f"no approval within {ctx.request.approve_timeout:.0f} s: rolled back"
            )
    ctx.journal.record(events.Promoted())
    ctx.progress.info("promoted")
