"""A short seeded chaos run: each fault once, then documented commands must restore the invariants.

One platform (the reference app, one task per colour, PostgreSQL) under reads and writes; each
case runs one operation with one fault (bench.chaos), then climbs the recovery ladder and
checks: traffic only to healthy targets, the lock free, `status` agreeing with HAProxy, one
history record per deployment, the live release kept, no message claiming what did not
happen. The cases that were dead ends before issue 15's controller fixes now pass too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from bench.chaos import Chaos, FaultRun, Scenario
from bench.load import verify

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chaos() -> Iterator[Chaos]:
    """One platform, up, under load, for every case of the module (in order)."""
    run = Chaos(seed=15, tasks=1, log=False, settle_s=4.0)
    try:
        run.start()
        yield run
    finally:
        run.close()
        # BLUEGREEN_CHAOS_REPORT=path keeps what every case saw (for the figures).
        if report := os.environ.get("BLUEGREEN_CHAOS_REPORT"):
            Path(report).write_text(json.dumps([asdict(r) for r in run.runs], indent=1))


def inject(chaos: Chaos, scenario: Scenario) -> FaultRun:
    """Run the scenario as the next operation of the module's chaos run."""
    run = chaos.operation(len(chaos.runs), scenario)
    chaos.runs.append(run)
    return run


def explain(run: FaultRun) -> str:
    """Everything the harness saw, for the failure message."""
    return (
        f"{run.operation} with {run.injected} during {run.phase}; operation {run.op_result}; "
        f"commands: {run.commands}; still violated: {run.violations}; detours: {run.detours}; "
        f"false claims: {run.false_claims}"
    )


def assert_recovered_cleanly(run: FaultRun) -> None:
    """Recovered, on a release the operation could leave, and no message lied."""
    assert run.recovered, explain(run)
    assert run.detours == [], explain(run)
    assert run.false_claims == [], explain(run)


def test_a_task_of_the_new_colour_killed_mid_canary_is_rolled_back_keeping_every_invariant(
    chaos: Chaos,
) -> None:
    assert_recovered_cleanly(inject(chaos, Scenario("canary", "task", 1, victim="new")))


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(
            Scenario("deploy", "controller", 0, ladder="short"),
            id="controller-killed-while-tasks-start",
        ),
        pytest.param(
            Scenario("canary", "haproxy", 1, ladder="short"),
            id="haproxy-killed-mid-canary",
        ),
        pytest.param(
            Scenario("deploy", "postgres", 0, ladder="short"),
            id="postgres-killed-while-tasks-start",
        ),
    ],
)
def test_faults_that_need_controller_fixes_are_recovered_by_up_or_rollback(
    chaos: Chaos, scenario: Scenario
) -> None:
    assert_recovered_cleanly(inject(chaos, scenario))


def test_every_acknowledged_write_is_kept_through_the_faults(chaos: Chaos) -> None:
    assert chaos.load is not None
    acknowledged = dict(chaos.load.acknowledged)
    assert len(acknowledged) > 10  # the load wrote through the faults so far
    assert verify(chaos.rig.url, acknowledged) == []


def test_a_crashed_task_of_the_live_colour_is_restored_by_up_or_rollback(chaos: Chaos) -> None:
    # Last: today this is a dead end, which leaves the platform unable to serve.
    assert_recovered_cleanly(
        inject(chaos, Scenario("deploy", "task", 3, victim="new", ladder="short"))
    )
