"""What each command does, above the procedure and below the CLI: deploy, rollback, promote, status.

These orchestrate: they read the lock and the history, recover an interrupted deployment,
choose the release a rollback returns to and signal a running deployment. The CLI only parses
flags, calls one of these and prints.
"""

from __future__ import annotations

from typing import Any

from bluegreen.deployment import Deployment, DeployRequest, Outcome, check_lock_free
from bluegreen.errors import ConfigError, DeployError
from bluegreen.journal import (
    SIGNAL_ABORT,
    SIGNAL_PROMOTE,
    Clock,
    Progress,
    SystemClock,
    last_step,
    poll,
)
from bluegreen.model import Release, Snapshot, other
from bluegreen.plan import Strategy, describe_weights, unsplit_color
from bluegreen.provider import Provider
from bluegreen.records import history_record
from bluegreen.recovery import recover, settle_on
from bluegreen.state import Event, LockInfo, new_deployment_id, whoami


def deploy(
    provider: Provider,
    request: DeployRequest,
    progress: Progress,
    *,
    deployment_id: str | None = None,
    clock: Clock | None = None,
) -> Outcome:
    """Recover an interrupted deployment if there is one, then run this one."""
    holder = check_lock_free(provider)
    if holder is not None:
        recover(provider, holder, progress)
    return Deployment(provider, request, progress, deployment_id=deployment_id, clock=clock).run()


def previous_release(provider: Provider) -> Release | None:
    """The release that was live before the current one, from the history."""
    snapshot = provider.snapshot()
    live = snapshot.live
    for record in provider.state.history(limit=200):
        if record.get("outcome") != "succeeded":
            continue
        if record["to"]["color"] == live and record["from"].get("release"):
            return Release.from_dict(record["from"]["release"])
    return None


def rollback(
    provider: Provider,
    template: DeployRequest,
    progress: Progress,
    *,
    deployment_id: str | None = None,
    wait_timeout: float = 600.0,
) -> dict[str, Any]:
    """Put traffic back on the previous release and return the history record of what happened.

    - A deployment running now (shifting, baking, awaiting approval) is told to roll back and
      this waits for it: it owns the lock and the old colour is still warm.
    - A deployment whose controller died is recovered (traffic back on its old colour).
    - Otherwise: instantly to the idle colour if it still runs the previous release, else the
      previous release is started again on the idle colour and traffic switches to it.
    """
    holder = provider.state.lock_holder()
    if holder is not None and provider.state.holder_alive(holder):
        return _abort_running(provider, holder, progress, wait_timeout)
    if holder is not None:
        return recover(provider, holder, progress)
    snapshot = provider.snapshot()
    live = snapshot.live
    if live is None and snapshot.weights.live is None:
        return _unsplit(provider, snapshot, template, progress, deployment_id)
    if live is None:
        raise ConfigError("nothing to roll back: no colour is live", hint="run `bluegreen status`")
    idle = snapshot.colors[other(live)]
    release = idle.release if idle.release is not None and idle.health.ready else None
    release = release or previous_release(provider)
    if release is None:
        raise ConfigError(
            f"nothing to roll back to: {live} runs the first release in the history",
            hint="deploy the release you want with `bluegreen deploy`",
        )
    request = DeployRequest(
        release=release,
        tasks=snapshot.colors[live].health.desired or template.tasks,
        strategy=Strategy(),
        health_timeout=template.health_timeout,
        drain_timeout=template.drain_timeout,
        analysis=template.analysis,
        lock_lease=template.lock_lease,
        operation="rollback",
        migrate=False,  # an older release must not run migrations: the schema only expanded
        reason=template.reason,
    )
    return Deployment(provider, request, progress, deployment_id=deployment_id).run().record


def _unsplit(
    provider: Provider,
    snapshot: Snapshot,
    template: DeployRequest,
    progress: Progress,
    deployment_id: str | None,
) -> dict[str, Any]:
    """Traffic split with no deployment running: all of it back on one healthy colour."""
    history = provider.state.history(limit=1)
    last_old = history[0]["from"]["color"] if history else None
    color = unsplit_color(snapshot, last_old)
    if color is None:
        raise DeployError(
            f"traffic is split {describe_weights(snapshot.weights)} and no colour is healthy "
            "enough to take it all",
            hint="check the tasks' logs; `bluegreen deploy` a release that starts",
        )
    clock = SystemClock()
    started = clock.time()
    lock = LockInfo(
        deployment_id or new_deployment_id(started),
        whoami(),
        "rollback",
        started,
        started + template.lock_lease,
    )
    provider.state.acquire_lock(lock)
    try:
        progress.info(f"traffic is split; moving all of it to {color}")
        settle_on(provider, snapshot, color, progress)
        stale = other(color)
        record = history_record(
            deployment_id=lock.deployment_id,
            operation="rollback",
            target=provider.target,
            who=lock.owner,
            started_at=started,
            finished_at=clock.time(),
            duration_s=clock.time() - started,
            old=(stale, snapshot.colors[stale].release),
            new=(color, snapshot.colors[color].release),
            strategy="all-at-once",
            weights_before=snapshot.weights.as_dict(),
            outcome="succeeded",
            reason=f"traffic was split with no deployment running: all of it moved to {color}",
            request_reason=template.reason,
        )
        provider.state.save_record(record)
        return record
    finally:
        provider.state.release_lock(lock.deployment_id)


def _abort_running(
    provider: Provider, holder: LockInfo, progress: Progress, wait_timeout: float
) -> dict[str, Any]:
    clock = SystemClock()
    signal(provider, holder, SIGNAL_ABORT)
    progress.info(f"asked deployment {holder.deployment_id} to roll back")
    with progress.waiting(f"waiting for {holder.deployment_id} to restore traffic") as update:

        def released() -> bool | None:
            current = provider.state.lock_holder()
            update(_last_step(provider, holder.deployment_id))
            return (
                True if current is None or current.deployment_id != holder.deployment_id else None
            )

        if poll(released, timeout=wait_timeout, clock=clock, longest=0.25) is None:
            raise DeployError(
                f"deployment {holder.deployment_id} did not finish within {wait_timeout:.0f} s",
                hint="check `bluegreen status`",
            )
    record = provider.state.load_record(holder.deployment_id)
    return dict(record) if record else {"id": holder.deployment_id, "outcome": "unknown"}


def _last_step(provider: Provider, deployment_id: str) -> str:
    events = provider.state.events(deployment_id)
    return events[-1].step if events else "starting"


def signal(provider: Provider, holder: LockInfo, step: str) -> None:
    """Append a signal to a running deployment's journal (it polls for signals)."""
    provider.state.append_event(Event(holder.deployment_id, 0, SystemClock().time(), step, {}))


def promote(provider: Provider, *, wait: float = 0.0) -> str:
    """Let a deployment that awaits approval make its final shift; its id.

    With `wait`, first wait up to that many seconds for a deployment to reach the pause
    (a CI job may start before the deployment gets there).
    """
    if wait > 0:
        poll(lambda: _awaiting(provider), timeout=wait, clock=SystemClock(), longest=2.0)
    holder = provider.state.lock_holder()
    if holder is None or not provider.state.holder_alive(holder):
        raise ConfigError(
            "no deployment is running, so there is nothing to promote",
            hint="start one with `bluegreen deploy --approve`",
        )
    events = list(provider.state.events(holder.deployment_id))
    if not any(e.step == "awaiting-approval" for e in events):
        raise ConfigError(
            f"deployment {holder.deployment_id} is not waiting for approval "
            f"(it is at step '{events[-1].step if events else 'begin'}')",
            hint="promote once `bluegreen status` shows awaiting_approval",
        )
    signal(provider, holder, SIGNAL_PROMOTE)
    return holder.deployment_id


def _awaiting(provider: Provider) -> bool | None:
    holder = provider.state.lock_holder()
    if holder is None or not provider.state.holder_alive(holder):
        return None
    steps = [e.step for e in provider.state.events(holder.deployment_id)]
    return True if "awaiting-approval" in steps else None


def status(provider: Provider) -> dict[str, Any]:
    """The platform now, the deployment in progress (or interrupted), and the last outcome."""
    snapshot = provider.snapshot()
    result: dict[str, Any] = {
        "target": snapshot.target,
        "url": snapshot.url,
        "live": snapshot.live,
        "weights": snapshot.weights.as_dict(),
        "colors": {color: state.to_dict() for color, state in snapshot.colors.items()},
        "deployment": None,
        **dict(snapshot.extra),
    }
    holder = provider.state.lock_holder()
    if holder is not None:
        result["deployment"] = _deployment_summary(provider, holder)
    history = provider.state.history(limit=1)
    if history:
        last = history[0]
        result["last_deployment"] = {
            key: last.get(key) for key in ("id", "operation", "outcome", "reason", "finished_at")
        }
    return result


def _deployment_summary(provider: Provider, holder: LockInfo) -> dict[str, Any]:
    """The deployment that holds the lock: running, awaiting approval, or interrupted."""
    events = list(provider.state.events(holder.deployment_id))
    steps = [e for e in events if not e.step.startswith("signal:")]
    begin = last_step(events, "begin") or {}
    summary = {
        "id": holder.deployment_id,
        "operation": holder.operation,
        "who": holder.owner,
        "state": "running",
        "step": steps[-1].step if steps else None,
        "old": begin.get("old"),
        "new": begin.get("new"),
        "version": (begin.get("new_release") or {}).get("version"),
    }
    if not provider.state.holder_alive(holder):
        summary["state"] = "interrupted"
        summary["hint"] = "run `bluegreen rollback` to restore the previous colour, or deploy again"
    elif summary["step"] == "awaiting-approval":
        summary["state"] = "awaiting_approval"
    return summary
