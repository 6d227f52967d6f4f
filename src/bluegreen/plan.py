"""Pure deployment decisions: which colour is idle, which weights each step sets, what is wrong.

No I/O here: the procedure asks these functions and the provider executes the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bluegreen.config import DeploySettings, StrategyName
from bluegreen.model import Color, Release, Snapshot, Weights, other
from bluegreen.records import DeploymentRecord, Outcome


@dataclass(frozen=True)
class Strategy:
    """How traffic moves to the new colour, and how long each step holds."""

    name: StrategyName = "all-at-once"
    canary_percent: int = 10
    step_percent: int = 25
    interval: float = 0.0

    @classmethod
    def from_settings(cls, deploy: DeploySettings) -> Strategy:
        """The strategy the deploy settings describe."""
        return cls(deploy.strategy, deploy.canary_percent, deploy.step_percent, deploy.interval)


def idle_color(snapshot: Snapshot) -> Color:
    """The colour to deploy to: the one not live (blue on an empty platform)."""
    live = snapshot.live
    return "blue" if live is None else other(live)


def shift_steps(strategy: Strategy, to: Color) -> list[Weights]:
    """Weights to set one after the other to move all traffic to `to`; the last is 100%."""
    if strategy.name == "canary":
        percents = [strategy.canary_percent, 100]
    elif strategy.name == "linear":
        percents = [*range(strategy.step_percent, 100, strategy.step_percent), 100]
    else:
        percents = [100]
    return [Weights.split(to, p) for p in percents]


def live_state_problems(snapshot: Snapshot) -> list[str]:
    """Why the platform is not in a state a deployment may start from (empty when it is).

    A deployment starts from exactly one live colour whose targets are all healthy, or from an
    empty platform (the first deployment).
    """
    weights = snapshot.weights
    live = weights.live
    running = [c for c, s in snapshot.colors.items() if s.health.running > 0]
    if live is None:
        return [
            f"traffic is split {weights.blue}/{weights.green} (blue/green): a deployment is "
            "in progress or was interrupted"
        ]
    state = snapshot.colors[live]
    if state.release is None:
        return [] if not running else [f"{live} takes all traffic but runs no release"]
    health = state.health
    if health.healthy < health.desired or health.desired == 0:
        return [f"live colour {live} has {health.healthy} of {health.desired} targets healthy"]
    return []


def describe_weights(weights: Weights) -> str:
    """`blue 90% / green 10%`: how weights are shown to people."""
    return f"blue {weights.blue}% / green {weights.green}%"


def unsplit_color(snapshot: Snapshot, last_old: Color | None) -> Color | None:
    """Where all traffic goes when it is split and no deployment runs (an undo that failed).

    The colour that was live before the last deployment when its targets are all healthy,
    else the only healthy colour; None when that does not decide it.
    """
    healthy = [c for c, state in snapshot.colors.items() if state.health.ready]
    if last_old in healthy:
        return last_old
    return healthy[0] if len(healthy) == 1 else None


def drain_wait(delay: float, *, left_at: float | None, served: bool, now: float) -> float:
    """Seconds still to wait before stopping a colour whose weight is 0.

    The load balancer lets requests already routed to it finish for `delay` seconds after the
    weight left (AWS: the deregistration delay). A colour that never served (started at weight
    0 and never given any) has nothing in flight; when the moment the weight left is unknown
    (a recovery), the whole delay is waited.
    """
    if not served:
        return 0.0
    if left_at is None:
        return delay
    return max(0.0, left_at + delay - now)


def last_live(records: Sequence[DeploymentRecord]) -> tuple[Color, Release] | None:
    """The colour and release that last had all the traffic, from the history (newest first).

    A succeeded operation left its new side live, and so did a recovery (its `to` side is where
    it left the traffic); one that rolled back, failed after a switch or was refused left (or
    kept) its old side. Records without a release on that side (the first deployment that
    failed) say nothing and are skipped.
    """
    ended_on_new = (Outcome.SUCCEEDED, Outcome.INTERRUPTED)
    for record in records:
        side = record.new if record.outcome in ended_on_new else record.old
        if side.color is not None and side.release is not None:
            return side.color, side.release
    return None
