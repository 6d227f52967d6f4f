"""The lock's lease is renewed through every long wait (issue 13 item 9): a 20-minute
migration on moto (the ECS double keeps the task RUNNING) and a slow smoke test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bluegreen.aws.provider import AwsProvider
from bluegreen.deployment import Deployment
from bluegreen.model import Release
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from bluegreen.steps import run_smoke
from tests.support.aws_recorder import RequestRecorder
from tests.support.clock import FakeClock
from tests.support.ecs_agent_double import EcsAgentDouble

from .e2e_support import world

FIRST = Release(version="2.0.0", image="registry.example/app:2.0.0", migrate_command=("migrate",))
LEASE = 300.0


def _ready(_url: str) -> str | None:
    return None


def test_the_lease_stays_alive_through_a_migration_four_times_longer(
    make_provider: Callable[..., AwsProvider],
    agent: EcsAgentDouble,
    recorder: RequestRecorder,
    stack: dict[str, Any],
    clock: FakeClock,
) -> None:
    agent.slow_migrations(clock, until=clock.time() + 4 * LEASE)
    observer = make_provider().state  # another operator's view of the lock, at every wait
    seen: list[tuple[float, bool]] = []

    def look(now: float) -> None:
        holder = observer.lock_holder()
        if holder is not None:
            seen.append((now, observer.holder_alive(holder)))

    clock.on_sleep.append(look)
    request = DeployRequest(release=FIRST, tasks=2, health_timeout=30.0, lock_lease=LEASE)
    # The live colour's readiness after the migration is another test's subject: it passes here.
    Deployment(make_provider(), request, SilentProgress(), clock=clock, readiness=_ready).run()
    assert world(stack)["live"] == "green"
    started = seen[0][0]
    assert any(now - started > 2 * LEASE for now, _ in seen)  # the wait outlived the lease
    assert all(alive for _, alive in seen)
    assert len(recorder.named("dynamodb:UpdateItem")) >= 3  # renewals


def test_a_slow_smoke_test_renews_the_lease_while_it_runs() -> None:
    beats: list[int] = []
    code, output = run_smoke(
        "sleep 0.5; echo done", "http://127.0.0.1:9", heartbeat=lambda: beats.append(1), beat=0.05
    )
    assert (code, output.strip()) == (0, "done")
    assert len(beats) >= 3
