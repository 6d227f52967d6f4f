"""Recovery of a deployment whose controller died (SIGKILL, a lost CI runner).

The journal says which colours it moved between; recovery puts traffic back on the old colour
when that one is still healthy (a rollback that needs nothing from the new colour), or keeps the
new colour when the old one is gone, then stops the other, closes the history and frees the lock.
"""

from __future__ import annotations

from typing import Any

from bluegreen.journal import Progress, SystemClock, last_step
from bluegreen.model import Color, Release, Weights, other, parse_color
from bluegreen.plan import describe_weights
from bluegreen.provider import Provider
from bluegreen.state import Event, LockInfo


def interrupted_summary(provider: Provider, holder: LockInfo) -> dict[str, Any]:
    """What `status` shows of a deployment whose lock holder is gone."""
    events = list(provider.state.events(holder.deployment_id))
    begin = last_step(events, "begin") or {}
    return {
        "id": holder.deployment_id,
        "operation": holder.operation,
        "who": holder.owner,
        "state": "interrupted",
        "step": events[-1].step if events else None,
        "old": begin.get("old"),
        "new": begin.get("new"),
        "hint": "run `bluegreen rollback` to restore the previous colour, or deploy again",
    }


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
        weights = Weights.all_on(keep)
        if snapshot.weights != weights:
            provider.set_weights(weights)
        progress.info(f"traffic: {describe_weights(weights)}")
        provider.record_live(keep)
        stop = other(keep)
        if snapshot.colors[stop].health.running or snapshot.colors[stop].health.desired:
            progress.info(f"stopping {stop}")
            provider.stop(stop)
    outcome = "interrupted"
    record: dict[str, Any] = {
        "id": holder.deployment_id,
        "operation": holder.operation,
        "target": provider.target,
        "who": holder.owner,
        "started_at": holder.acquired_at,
        "finished_at": clock.time(),
        "duration_s": round(clock.time() - holder.acquired_at, 3),
        "from": _side(old, begin.get("old_release")),
        "to": _side(new, begin.get("new_release")),
        "strategy": begin.get("strategy"),
        "weights_before": begin.get("weights"),
        "outcome": outcome,
        "reason": f"controller stopped during step '{events[-1].step if events else 'begin'}'; "
        f"recovered to {keep or 'no healthy colour'}",
        "verdicts": [],
        "notes": [],
        "request_reason": begin.get("reason"),
    }
    provider.state.save_record(record)
    provider.state.break_lock(holder.deployment_id)
    return record


def _side(color: str | None, release: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "color": color,
        "version": Release.from_dict(release).version if release else None,
        "release": release,
    }
