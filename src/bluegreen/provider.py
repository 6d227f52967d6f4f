"""The provider protocol: what the deployment procedure asks of a platform.

A provider only executes. It never decides which colour is idle, what the weights should be or
whether a release is good: the procedure decides (with the pure functions in `plan` and
`analysis`) and calls these methods. `LocalProvider` (PostgreSQL, HAProxy, gunicorn on this
machine) and `AwsProvider` (ECS, ELBv2, CloudWatch, DynamoDB, SSM) implement it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bluegreen.evidence.step import StepReading
from bluegreen.model import Color, Health, Release, Scaling, Snapshot, TrafficCounters, Weights
from bluegreen.state import StateStore


class Provider(Protocol):
    """One platform that runs two colours behind one weighted load balancer."""

    @property
    def target(self) -> str:
        """`local` or `aws`: shown in status and recorded in history."""
        ...

    @property
    def state(self) -> StateStore:
        """Where the lock, the deployment journal and the history live."""
        ...

    def snapshot(self) -> Snapshot:
        """Live weights and, per colour, release, tasks, health and requests in flight."""
        ...

    def migrate(
        self, release: Release, color: Color, *, heartbeat: Callable[[], None] | None = None
    ) -> None:
        """Run the release's one-off migration as `color` would run it (the colour the
        procedure is about to start it on); raise DeployError when it fails. `heartbeat` is
        called between polls of a long wait (the procedure renews its lock's lease there)."""
        ...

    def start(self, color: Color, release: Release, tasks: int) -> None:
        """Begin starting `tasks` tasks of `release` as `color` (returns without waiting)."""
        ...

    def health(self, color: Color) -> Health:
        """Desired, running and healthy tasks of `color`, with fatal problems (crashes)."""
        ...

    def set_weights(self, weights: Weights) -> None:
        """One atomic change of the load balancer's weights."""
        ...

    def in_flight(self, color: Color) -> int:
        """Requests `color` is serving right now (0 once drained)."""
        ...

    def traffic(self, color: Color) -> TrafficCounters:
        """Cumulative requests, 5xx and latency of `color`, read from the load balancer
        (the watch reads only its p99, for `analysis.max_p99_ms`)."""
        ...

    def step_traffic(
        self, new: Color, old: Color | None, since: float, new_share: float
    ) -> StepReading:
        """One look at both colours' traffic for the step that began at `since` (epoch s):
        live cumulative counters (a `CounterReading`), or every per-minute datapoint of the step
        published so far (a `MinuteBatch`; `new_share` is the new colour's listener weight,
        0..1, used to share out the load balancer's own 5xx). Evidence is the watch's to judge."""
        ...

    def alarms(self, color: Color) -> Sequence[str]:
        """Names of the alarms of `color` that are firing now (empty where there are none)."""
        ...

    def route_test_listener(self, color: Color) -> str:
        """Point the test listener at `color` and return its URL: a way to reach `color` alone,
        without the weighted production listener (readiness checks and smoke tests)."""
        ...

    def test_listener_problem(self) -> str | None:
        """Why `route_test_listener` could not reach an idle colour (None when it can): checked
        before anything starts when a smoke test is asked for."""
        ...

    def drain_delay(self, color: Color) -> float:
        """Seconds the load balancer keeps serving requests already routed to `color` after its
        weight went to 0 (AWS: the target group's deregistration delay). The procedure waits
        it out before `stop`; providers keep no timing state of their own."""
        ...

    def stop(self, color: Color) -> int:
        """Stop every task of `color` at once (the procedure has drained it first): it serves
        nothing and no task counts as the colour's afterwards. How many of its tasks were still
        exiting when this returned (0: every one exited): a drained task finishes its exit in
        the background (AWS: ECS stops it after the desired count went to 0; locally: SIGTERM
        sent, reaped by the next command that starts or stops tasks)."""
        ...

    def scaling(self) -> tuple[Scaling, ...]:
        """Which autoscaling activities of each colour are suspended now, for the colours that
        autoscale (empty where nothing does: the local platform)."""
        ...

    def set_scaling(self, states: Sequence[Scaling]) -> None:
        """Suspend or resume each colour's autoscaling activities as `states` say (AWS:
        RegisterScalableTarget with SuspendedState only; capacities untouched)."""
        ...

    def record_live(self, color: Color) -> None:
        """Remember the live colour where infrastructure code reads it (AWS: SSM parameter)."""
        ...

    def heal(self, keep: Color | None, *, report: Callable[[str], None]) -> Sequence[str]:
        """Restart what of the platform itself died (load balancer, database, crashed tasks
        of a recorded release), a restarted load balancer sending traffic only to `keep`;
        one line per thing restarted (empty when all ran, and on AWS, where ECS replaces
        stopped tasks and the load balancer is a managed service), each also given to
        `report` as soon as it is done (a heal can wait seconds for a load balancer's checks;
        the person watching sees each restart when it happens)."""
        ...
