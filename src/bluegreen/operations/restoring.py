"""One healthy live colour again, from whatever state the journal and the platform are in.

Shared by `up`, `up --watch` and `rollback`: heal the platform (start what died, HAProxy with
all traffic on the last live colour), recover an interrupted deployment, start the last live
release when no colour is healthy, and move the traffic only once that was checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bluegreen import journal
from bluegreen.clock import Clock
from bluegreen.errors import DeployError
from bluegreen.lifecycle import operation_lifecycle
from bluegreen.model import Color, Release, other
from bluegreen.plan import describe_weights, last_live
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord, Side
from bluegreen.recovery import recover, restore_live
from bluegreen.request import RollbackRequest


@dataclass(frozen=True)
class Restored:
    """What a restoration did: one line per action (empty when all was well)."""

    actions: tuple[str, ...]
    record: DeploymentRecord | None = None  # the interrupted deployment it closed, if any


def _unsaid(line: str) -> None:
    """A heal line nobody prints as it happens (it is in the actions returned)."""
    del line


def safe_color(provider: Provider) -> tuple[Color, Release] | None:
    """Where traffic is safe: the old colour of an interrupted deployment (its journal), else
    the colour and release that were last live (the history)."""
    live = last_live(provider.state.history(limit=200))
    holder = provider.state.lock_holder()
    if holder is not None:
        begin = journal.read(provider.state, holder.deployment_id).begin
        if begin is not None and begin.old is not None and begin.old_release is not None:
            return begin.old, begin.old_release
    return live


def restore(
    provider: Provider,
    request: RollbackRequest,
    progress: Progress,
    *,
    operation: str,
    clock: Clock | None = None,
    healed: Sequence[str] = (),
    report: Callable[[str], None] | None = None,
) -> Restored:
    """Heal, recover a dead holder's deployment, and put all traffic on a healthy colour.

    A live holder's lock is not touched (its controller heals its own platform). Raises
    DeployError when the colour it starts does not become healthy (traffic then stays put).
    `healed`: what the caller already restarted; then the live colour is waited for and the
    restoration recorded even when it turned healthy meanwhile. `report`: given each line of
    this heal as soon as it is done (`up --watch` prints it then; without it, the lines are
    only in the returned actions, which `up` and `reconcile` print at the end).
    """
    holder = provider.state.lock_holder()
    if holder is not None and provider.state.holder_alive(holder):
        return Restored(())
    safe = safe_color(provider)
    actions = [*healed, *provider.heal(safe[0] if safe else None, report=report or _unsaid)]
    if holder is not None:
        record = recover(
            provider,
            holder,
            progress,
            clock=clock,
            fallback=safe[1] if safe else None,
            tasks=request.tasks,
            health_timeout=request.health_timeout,
        )
        actions.append(f"recovered interrupted {holder.operation} {holder.deployment_id}")
        return Restored(tuple(actions), record)
    snapshot = provider.snapshot()
    if not healed and snapshot.live is not None and snapshot.colors[snapshot.live].health.ready:
        recorded = snapshot.extra.get("recorded_live")
        if recorded is not None and recorded != snapshot.live:  # AWS: SSM vs the listener
            provider.record_live(snapshot.live)
            actions.append(
                f"recorded {snapshot.live} as the live colour (it said {recorded}; the load "
                f"balancer sends all traffic to {snapshot.live})"
            )
        return Restored(tuple(actions))
    if safe is None:
        raise DeployError(
            f"traffic is {describe_weights(snapshot.weights)} and no colour is healthy enough "
            "to take it all; the history names no live release to start again",
            hint="check the tasks' logs (`bluegreen status`); `bluegreen deploy` a release",
        )
    color, release = safe
    if snapshot.live is None:
        progress.info(f"no colour has all the traffic; the last live one was {color}")
    with operation_lifecycle(provider, operation, lease=request.lock_lease, clock=clock) as run:
        run.old = Side(other(color), snapshot.colors[other(color)].release)
        run.new = Side(color, release)
        run.weights_before = snapshot.weights
        run.request_reason = request.reason
        actions += restore_live(
            provider,
            color,
            release,
            progress,
            tasks=request.tasks,
            health_timeout=request.health_timeout,
            clock=clock,
        )
        run.reason = "no healthy live colour: " + "; ".join(actions)
    return Restored(tuple(actions), run.record)
