"""Recovery of a deployment whose controller died (SIGKILL, a lost CI runner).

The journal says which colours it moved between; recovery puts traffic back on the old colour
when that one is still healthy (a rollback that needs nothing from the new colour), or keeps the
new colour when the old one is gone, then stops the other, closes the history and frees the lock.
"""

from __future__ import annotations

from bluegreen import journal
from bluegreen.clock import Clock, SystemClock
from bluegreen.lifecycle import operation_lifecycle
from bluegreen.model import Color, Snapshot, Weights, other
from bluegreen.plan import describe_weights
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.state import LockInfo


def settle_on(
    provider: Provider,
    snapshot: Snapshot,
    keep: Color,
    progress: Progress,
    clock: Clock | None = None,
) -> None:
    """All traffic on `keep` (which is healthy), recorded as live; the other colour stopped
    once the load balancer's drain delay has passed (the whole delay: when traffic left it
    before is not known here)."""
    weights = Weights.all_on(keep)
    if snapshot.weights != weights:
        provider.set_weights(weights)
    progress.info(f"traffic: {describe_weights(weights)}")
    provider.record_live(keep)
    stale = other(keep)
    if snapshot.colors[stale].health.running or snapshot.colors[stale].health.desired:
        delay = provider.drain_delay(stale)
        if delay > 0:
            progress.info(f"waiting {delay:.0f} s for requests routed to {stale} to finish")
            (clock or SystemClock()).sleep(delay)
        progress.info(f"stopping {stale}")
        provider.stop(stale)


def recover(
    provider: Provider,
    holder: LockInfo,
    progress: Progress,
    *,
    clock: Clock | None = None,
    reason: str | None = None,
) -> DeploymentRecord:
    """Bring the platform back to one healthy live colour and close the interrupted deployment.

    A deployment that handed its approval pause back is rolled back the same way: by an
    operator (`reason` says so) or because its approval deadline passed.
    """
    view = journal.read(provider.state, holder.deployment_id)
    pause = view.handed_back_pause
    begin = view.begin
    old = begin.old if begin else None
    new = begin.new if begin else None
    snapshot = provider.snapshot()
    keep: Color | None = None
    if old is not None and snapshot.colors[old].health.ready:
        keep = old
    elif new is not None and snapshot.colors[new].health.ready:
        keep = new
    last = view.last_kind.value if view.last_kind else None
    progress.info(
        f"recovering interrupted {holder.operation} {holder.deployment_id} "
        f"(last step: {last or 'none'})"
    )
    with operation_lifecycle(
        provider, holder.operation, lease=0.0, clock=clock, adopt=holder
    ) as run:
        run.old = Side(old, begin.old_release if begin else None)
        run.new = Side(new, begin.new_release if begin else None)
        run.strategy = begin.strategy if begin else None
        run.weights_before = begin.weights if begin else None
        run.request_reason = begin.reason if begin else None
        run.outcome = Outcome.INTERRUPTED
        run.reason = (
            f"controller stopped during step '{last or 'begin'}'; "
            f"recovered to {keep or 'no healthy colour'}"
        )
        if pause is not None:
            run.outcome = Outcome.ROLLED_BACK
            run.reason = reason or (
                f"no approval within {pause.timeout:.0f} s (the pause was handed back); "
                f"rolled back to {keep or 'no healthy colour'}"
            )
        if keep is not None:
            settle_on(provider, snapshot, keep, progress, clock)
    assert run.record is not None  # noqa: S101 - the lifecycle always writes it
    return run.record
