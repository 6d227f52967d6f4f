"""Read-mostly operations: `status`, `history`, and `promote` (a signal to a paused deployment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bluegreen import events, journal
from bluegreen.approval import finish_paused
from bluegreen.clock import Clock, SystemClock, poll
from bluegreen.config import AnalysisSettings
from bluegreen.errors import ConfigError
from bluegreen.events import SignalPromote
from bluegreen.plan import describe_weights
from bluegreen.progress import Progress, SilentProgress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord
from bluegreen.scaling import held, left_held
from bluegreen.state import LockInfo


def promote(
    provider: Provider,
    *,
    wait: float = 0.0,
    progress: Progress | None = None,
    analysis: AnalysisSettings | None = None,
    lease: float = 300.0,
    clock: Clock | None = None,
) -> str:
    """Let a deployment that awaits approval make its final shift; its id.

    With `wait`, first wait up to that many seconds for a deployment to reach the pause
    (a CI job may start before the deployment gets there). A pause handed back
    (`deploy --approve --detach`) is finished here, in this process (see `approval`); past its
    deadline it is rolled back and DeployError says so.
    """
    if wait > 0:
        poll(lambda: _awaiting(provider), timeout=wait, clock=SystemClock(), longest=2.0)
    holder = provider.state.lock_holder()
    if holder is not None and holder.handed_back:
        record = finish_paused(
            provider,
            holder,
            progress or SilentProgress(),
            analysis=analysis or AnalysisSettings(),
            lease=lease,
            clock=clock,
        )
        return record.id
    if holder is None or not provider.state.holder_alive(holder):
        raise ConfigError(
            "no deployment is running, so there is nothing to promote",
            hint="start one with `bluegreen deploy --approve`",
        )
    view = journal.read(provider.state, holder.deployment_id)
    if not view.awaiting_approval:
        step = view.last_kind.value if view.last_kind else "begin"
        raise ConfigError(
            f"deployment {holder.deployment_id} is not waiting for approval "
            f"(it is at step '{step}')",
            hint="promote once `bluegreen status` shows awaiting_approval",
        )
    journal.send_signal(provider.state, holder.deployment_id, SignalPromote())
    return holder.deployment_id


def _awaiting(provider: Provider) -> bool | None:
    holder = provider.state.lock_holder()
    if holder is None or not provider.state.holder_alive(holder):
        return None
    return True if journal.read(provider.state, holder.deployment_id).awaiting_approval else None


def history(provider: Provider, *, limit: int = 20) -> Sequence[DeploymentRecord]:
    """Past deployments, rollbacks and recoveries, newest first."""
    return provider.state.history(limit=limit)


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
    recorded = snapshot.extra.get("recorded_live")
    if recorded is not None and recorded != snapshot.live:
        result["disagreement"] = (
            f"the load balancer sends {describe_weights(snapshot.weights)} but the recorded live "
            f"colour is {recorded}; `bluegreen reconcile` settles them"
        )
    holder = provider.state.lock_holder()
    if holder is not None:
        result["deployment"] = _deployment_summary(provider, holder)
    # The operation that ended last (history is ordered by start: a deploy refused while
    # another ran started later but ended first).
    last = max(provider.state.history(limit=20), key=lambda r: r.finished_at, default=None)
    left = sorted(left_held(provider.state))
    if left and holder is None:
        result["scale_in_held"] = {
            "colors": left,
            "by": last.id if last is not None else None,
            "hint": "its resume failed: the next deploy or rollback puts it back",
        }
    if last is not None:
        result["last_deployment"] = {
            "id": last.id,
            "operation": last.operation,
            "outcome": last.outcome.value,
            "reason": last.reason,
            "finished_at": last.finished_at,
            "evidence": [evidence_row(v) for v in last.verdicts],
        }
    return result


def evidence_row(verdict: events.Verdict) -> dict[str, Any]:
    """One step's verdict as `status` shows it: the new colour's figures, the baseline, why."""
    return {
        "during": verdict.during,
        "verdict": verdict.outcome,
        "requests": verdict.requests,
        "errors": verdict.errors,
        "error_rate": verdict.error_rate,
        "baseline_requests": verdict.baseline_requests,
        "baseline_errors": verdict.baseline_errors,
        "baseline_error_rate": verdict.baseline_error_rate,
        "covered_s": verdict.covered,
        "reason": verdict.reason,
    }


def _deployment_summary(provider: Provider, holder: LockInfo) -> dict[str, Any]:
    """The deployment that holds the lock: running, awaiting approval, or interrupted."""
    view = journal.read(provider.state, holder.deployment_id)
    begin = view.begin
    summary: dict[str, Any] = {
        "id": holder.deployment_id,
        "operation": holder.operation,
        "who": holder.owner,
        "state": "running",
        "step": view.last_kind.value if view.last_kind else None,
        "old": begin.old if begin else None,
        "new": begin.new if begin else None,
        "version": begin.new_release.version if begin and begin.new_release else None,
    }
    holding = held(view)
    if holding:  # until the deployment ends, or its recovery puts it back
        summary["scale_in_held"] = [s.color for s in holding]
    pause = view.handed_back_pause
    if pause is not None:
        summary["approval_deadline"] = pause.deadline
    if not provider.state.holder_alive(holder):
        summary["state"] = "interrupted"
        summary["hint"] = "run `bluegreen rollback` to restore the previous colour, or deploy again"
        if pause is not None:
            summary["state"] = "approval_expired"
            summary["hint"] = (
                "not approved in time: the next deploy, rollback or promote rolls it back"
            )
    elif view.awaiting_approval:
        summary["state"] = "awaiting_approval"
    summary["evidence"] = [evidence_row(v) for _at, v in view.verdicts]
    return summary
