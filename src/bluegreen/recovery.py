"""Recovery of a deployment whose controller died (SIGKILL, a lost CI runner).

The journal says which colours it moved between; recovery puts traffic back on the old colour
when that one is still healthy (a rollback that needs nothing from the new colour), or keeps the
new colour when the old one is gone, then stops the other, closes the history and frees the lock.
"""

from __future__ import annotations

from typing import Any

from bluegreen.journal import Progress, SystemClock, last_step
from bluegreen.model import Color, Release, Snapshot, Weights, other, parse_color
from bluegreen.plan import describe_weights
from bluegreen.provider import Provider
from bluegreen.records import history_record
from bluegreen.state import Event, LockInfo


def settle_on(provider: Provider, snapshot: Snapshot, keep: Color, progress: Progress) -> None:
    """All traffic on `keep` (which is healthy), recorded as live; the other colour stopped."""
    weights = Weights.all_on(keep)
    if snapshot.weights != weights:
        provider.set_weights(weights)
    progress.info(f"traffic: {describe_weights(weights)}")
    provider.record_live(keep)
    stale = other(keep)
    if snapshot.colors[stale].health.running or snapshot.colors[stale].health.desired:
        progress.info(f"stopping {stale}")
        provider.stop(stale)


def recover(provider: Provider, holder: LockInfo, progress: Progress) -> dict[str, Any]:
    """Bring the platform back to one healthy live colour and close the interrupted deployment."""
    clock = SystemClock()
    events: list[Event] = list(provider.state.events(holder.deployment_id))
    begin = last_step(events, "begin") or {}
    old = parse_color(begin["old"]) if begin.get("old") else None
    new = parse_color(begin["new"]) if begin.get("new") else None
    snapshot = provider.snapshot()
    keep: Color | None = None
    if old is not None and snapshot.colors[old].health.ready:
        keep = old
    elif new is not None and snapshot.colors[new].health.ready:
        keep = new
    progress.info(
        f"recovering interrupted {holder.operation} {holder.deployment_id} "
        f"(last step: {events[-1].step if events else 'none'})"
    )
    if keep is not None:
        settle_on(provider, snapshot, keep, progress)
    now = clock.time()
    old_release, new_release = begin.get("old_release"), begin.get("new_release")
    last = events[-1].step if events else "begin"
    record = history_record(
        deployment_id=holder.deployment_id,
        operation=holder.operation,
        target=provider.target,
        who=holder.owner,
        started_at=holder.acquired_at,
        finished_at=now,
        duration_s=now - holder.acquired_at,
        old=(old, Release.from_dict(old_release) if old_release else None),
        new=(new, Release.from_dict(new_release) if new_release else None),
        strategy=begin.get("strategy"),
        weights_before=begin.get("weights"),
        outcome="interrupted",
        reason=f"controller stopped during step '{last}'; "
        f"recovered to {keep or 'no healthy colour'}",
        request_reason=begin.get("reason"),
    )
    provider.state.save_record(record)
    provider.state.break_lock(holder.deployment_id)
    return record
