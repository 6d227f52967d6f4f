"""`rollback`: back to the previous release, whatever state the platform is in."""

from __future__ import annotations

from collections.abc import Sequence

from bluegreen import journal
from bluegreen.clock import Clock, SystemClock, poll
from bluegreen.deployment import Deployment
from bluegreen.errors import ConfigError, DeployError
from bluegreen.events import SignalAbort
from bluegreen.lifecycle import operation_lifecycle, refusal_recorded
from bluegreen.model import Color, Release, Snapshot, other
from bluegreen.operations.restoring import restore, safe_color
from bluegreen.plan import describe_weights, unsplit_color
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord, Side
from bluegreen.recovery import recover, settle_on
from bluegreen.request import RollbackRequest
from bluegreen.state import LockInfo


def previous_release(provider: Provider) -> Release | None:
    """The release that was live before the current one, from the history."""
    live = provider.snapshot().live
    for record in provider.state.history(limit=200):
        if record.succeeded and record.new.color == live and record.old.release is not None:
            return record.old.release
    return None


def release_in_history(records: Sequence[DeploymentRecord], version: str) -> Release | None:
    """The newest release of `version` a record of the history ran (newest records first)."""
    for record in records:
        for side in (record.new, record.old):
            if side.release is not None and side.release.version == version:
                return side.release
    return None


def _release_to(provider: Provider, snapshot: Snapshot, live: Color, version: str) -> Release:
    """`rollback --to VERSION`: that release, from the history; ConfigError when it cannot be."""
    current = snapshot.colors[live].release
    if current is not None and current.version == version:
        raise ConfigError(
            f"{version} is already live on {live}: nothing to roll back",
            hint="`bluegreen history` lists the releases you can go back to",
        )
    records = provider.state.history(limit=500)
    release = release_in_history(records, version)
    if release is None:
        known = sorted({s.release.version for r in records for s in (r.new, r.old) if s.release})
        raise ConfigError(
            f"release {version} is not in the history (known: {', '.join(known) or 'none'})",
            hint="pick one of those, or deploy the release with `bluegreen deploy`",
        )
    return release


def rollback(
    provider: Provider,
    request: RollbackRequest,
    progress: Progress,
    *,
    deployment_id: str | None = None,
    clock: Clock | None = None,
) -> DeploymentRecord | None:
    """Put traffic back on the previous release; the history record of what happened.

    - A deployment running now (shifting, baking, awaiting approval) is told to roll back and
      this waits for it: it owns the lock and the old colour is still warm. Its record is
      returned (None if it ended without one).
    - A deployment whose controller died is recovered (traffic back on its old colour).
    - Otherwise: instantly to the idle colour if it still runs the previous release, else the
      previous release is started again on the idle colour and traffic switches to it.
    """
    # Refused before a lifecycle (no colour healthy and no release to start again, a running
    # deployment that does not stop): recorded all the same.
    with refusal_recorded(provider, "rollback", clock=clock, request_reason=request.reason):
        return _rollback(provider, request, progress, deployment_id=deployment_id, clock=clock)


def _rollback(
    provider: Provider,
    request: RollbackRequest,
    progress: Progress,
    *,
    deployment_id: str | None,
    clock: Clock | None,
) -> DeploymentRecord | None:
    holder = provider.state.lock_holder()
    if holder is not None and holder.handed_back and provider.state.holder_alive(holder):
        # Paused for approval with no process waiting: undo it here, with our credentials.
        return recover(
            provider,
            holder,
            progress,
            clock=clock,
            reason=request.reason or "rolled back during the approval pause",
        )
    if holder is not None and provider.state.holder_alive(holder):
        return _abort_running(provider, holder, progress, request.wait_timeout)
    healed: tuple[str, ...] = ()
    stuck = False
    if holder is None:
        healed, stuck = _heal(provider, progress)
    if holder is not None or stuck:
        # The last live colour, healthy again (its release started again where needed, see
        # operations.restoring), with a record saying what it took.
        return restore(
            provider, request, progress, operation="rollback", clock=clock, healed=healed
        ).record
    snapshot = provider.snapshot()
    live = snapshot.live
    if live is None and snapshot.weights.live is None:
        return _unsplit(
            provider, snapshot, request, progress, deployment_id=deployment_id, clock=clock
        )
    if live is None:
        raise ConfigError("nothing to roll back: no colour is live", hint="run `bluegreen status`")
    if request.to_version is not None:
        target = _release_to(provider, snapshot, live, request.to_version)
        deploy = request.deploy_of(target, snapshot.colors[live].health.desired)
        return Deployment(
            provider, deploy, progress, deployment_id=deployment_id, clock=clock
        ).run()
    idle = snapshot.colors[other(live)]
    release = idle.release if idle.release is not None and idle.health.ready else None
    release = release or previous_release(provider)
    if release is None:
        raise ConfigError(
            f"nothing to roll back to: {live} runs the first release in the history",
            hint="deploy the release you want with `bluegreen deploy`",
        )
    deploy = request.deploy_of(release, snapshot.colors[live].health.desired)
    return Deployment(provider, deploy, progress, deployment_id=deployment_id, clock=clock).run()


def _heal(provider: Provider, progress: Progress) -> tuple[tuple[str, ...], bool]:
    """Start what died; what it restarted, and whether the platform is stuck: no healthy live
    colour and none to take all traffic, or a live colour whose restarted tasks are not all
    healthy yet (a rollback then waits for them rather than racing their health checks)."""
    safe = safe_color(provider)
    healed = tuple(provider.heal(safe[0] if safe else None, report=progress.info))
    snapshot = provider.snapshot()
    if snapshot.live is not None:
        health = snapshot.colors[snapshot.live].health
        return healed, health.healthy == 0 or (bool(healed) and not health.ready)
    return healed, unsplit_color(snapshot, _last_old_color(provider)) is None


def _last_old_color(provider: Provider) -> Color | None:
    """The old colour of the newest operation that had one (a refusal names no colour)."""
    return next((r.old.color for r in provider.state.history(limit=50) if r.old.color), None)


def _unsplit(
    provider: Provider,
    snapshot: Snapshot,
    request: RollbackRequest,
    progress: Progress,
    *,
    deployment_id: str | None,
    clock: Clock | None,
) -> DeploymentRecord:
    """Traffic split with no deployment running: all of it back on one healthy colour."""
    color = unsplit_color(snapshot, _last_old_color(provider))
    if color is None:
        raise DeployError(
            f"traffic is split {describe_weights(snapshot.weights)} and no colour is healthy "
            "enough to take it all",
            hint="check the tasks' logs; `bluegreen deploy` a release that starts",
        )
    with operation_lifecycle(
        provider, "rollback", lease=request.lock_lease, clock=clock, deployment_id=deployment_id
    ) as run:
        stale = other(color)
        run.old = Side(stale, snapshot.colors[stale].release)
        run.new = Side(color, snapshot.colors[color].release)
        run.strategy = "all-at-once"
        run.weights_before = snapshot.weights
        run.request_reason = request.reason
        progress.info(f"traffic is split; moving all of it to {color}")
        settle_on(provider, snapshot, color, progress, clock)
        run.reason = f"traffic was split with no deployment running: all of it moved to {color}"
    assert run.record is not None  # noqa: S101 - the lifecycle always writes it
    return run.record


def _abort_running(
    provider: Provider, holder: LockInfo, progress: Progress, wait_timeout: float
) -> DeploymentRecord | None:
    clock = SystemClock()
    journal.send_signal(provider.state, holder.deployment_id, SignalAbort())
    progress.info(f"asked deployment {holder.deployment_id} to roll back")
    with progress.waiting(f"waiting for {holder.deployment_id} to restore traffic") as update:

        def released() -> bool | None:
            current = provider.state.lock_holder()
            last = journal.read(provider.state, holder.deployment_id).last_kind
            update(last.value if last else "starting")
            return (
                True if current is None or current.deployment_id != holder.deployment_id else None
            )

        if poll(released, timeout=wait_timeout, clock=clock, longest=0.25) is None:
            raise DeployError(
                f"deployment {holder.deployment_id} did not finish within {wait_timeout:.0f} s",
                hint="check `bluegreen status`",
            )
    return provider.state.load_record(holder.deployment_id)
