"""Recovery of a deployment whose controller died (SIGKILL, a lost CI runner).

The journal says which colours it moved between; recovery puts traffic back on the old colour
when that one is still healthy (a rollback that needs nothing from the new colour), or keeps the
new colour when the old one is gone, then stops the other, puts autoscaling back as it was before
the deployment held its scale-in, closes the history and frees the lock.
"""

from __future__ import annotations

from bluegreen import journal
from bluegreen.clock import Clock, SystemClock, poll
from bluegreen.errors import DeployError
from bluegreen.lifecycle import operation_lifecycle
from bluegreen.model import Color, Health, Release, Snapshot, Weights, other
from bluegreen.plan import describe_weights
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.scaling import resume_or_note
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


def restore_live(
    provider: Provider,
    keep: Color,
    release: Release,
    progress: Progress,
    *,
    tasks: int,
    health_timeout: float,
    clock: Clock | None = None,
) -> list[str]:
    """`keep` runs `release`, healthy, with all the traffic; what it did, one line each.

    `keep` and `release` are the last live ones (journal or history). Its tasks are started
    again when none runs (after `down`, a crash); the traffic moves only once they
    are healthy, and the result is read back before anything says it was restored.
    """
    clock = clock or SystemClock()
    done: list[str] = []
    health = provider.health(keep)
    if health.running < health.desired:
        # Tasks died after the caller healed the platform (a crash between `up --watch`'s
        # heal and its look at the colours): restart them in place, as a heal does, rather
        # than wait for a dead task or replace the colour (which empties it for a moment).
        done += provider.heal(keep, report=progress.info)
        health = provider.health(keep)
    if health.running == 0:
        count = health.desired or tasks
        progress.info(f"starting {release.version} on {keep} ({count} tasks): none runs")
        provider.start(keep, release, count)
        done.append(f"started the last live release {release.version} on {keep}")
    with progress.waiting(f"waiting for {keep}'s targets to pass the health check") as update:

        def ready() -> Health | None:
            now = provider.health(keep)
            update(f"{now.healthy}/{now.desired} healthy")
            return now if now.ready else None

        if poll(ready, timeout=health_timeout, clock=clock, longest=0.5) is None:
            now = provider.health(keep)
            raise DeployError(
                f"{keep} ({release.version}) has {now.healthy} of {now.desired} targets healthy "
                f"after {health_timeout:.0f} s; traffic was not moved"
                + ("".join(f"\n  {p}" for p in now.problems)),
                hint="check the tasks' logs (`bluegreen status`); then `bluegreen rollback`",
            )
    provider.set_weights(Weights.all_on(keep))
    snapshot = provider.snapshot()
    settle_on(provider, snapshot, keep, progress, clock)
    after = provider.snapshot()
    if after.weights != Weights.all_on(keep) or after.colors[keep].health.healthy == 0:
        raise DeployError(
            f"traffic is not restored: {keep} shows {describe_weights(after.weights)} with "
            f"{after.colors[keep].health.healthy} healthy targets after moving it all there",
            hint="run `bluegreen status`; then `bluegreen up`",
        )
    done.append(f"all traffic on {keep} ({release.version}), checked: healthy, weights 100%")
    return done


def recover(
    provider: Provider,
    holder: LockInfo,
    progress: Progress,
    *,
    clock: Clock | None = None,
    fallback: Release | None = None,
    tasks: int = 1,
    health_timeout: float = 60.0,
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
    provider.heal(old or new, report=progress.info)
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
        # The record's `to` side is where the traffic ended, as for every other operation.
        old_side = Side(old, begin.old_release if begin else None)
        new_side = Side(new, begin.new_release if begin else None)
        run.old, run.new = (new_side, old_side) if keep == old else (old_side, new_side)
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
        elif (release := (begin.old_release if begin else None) or fallback) is not None:
            start_on = old or new or "blue"
            run.old, run.new = Side(other(start_on)), Side(start_on, release)
            for line in restore_live(
                provider,
                start_on,
                release,
                progress,
                tasks=tasks,
                health_timeout=health_timeout,
                clock=clock,
            ):
                progress.info(line)
            run.reason = (
                f"controller stopped during step '{last or 'begin'}'; no colour was healthy: "
                f"{release.version} started again on {start_on}"
            )
        # Autoscaling as it was before the deployment held its scale-in (journaled then).
        note = resume_or_note(provider, run.journal, progress)
        if note is not None:
            run.notes.append(note)
    assert run.record is not None  # noqa: S101 - the lifecycle always writes it
    return run.record
