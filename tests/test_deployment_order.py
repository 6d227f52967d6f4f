"""A deployment that succeeds, on the in-memory platform: its calls, journal and record in order
(intent before each change; linear, first-deploy and bake orders; a migration skipped).

Real HAProxy, gunicorn and PostgreSQL run in tests/local and tests/e2e; here the decisions
and their order are checked exhaustively and fast.
"""

from pathlib import Path

from bluegreen.model import Release
from bluegreen.plan import Strategy
from bluegreen.records import DeploymentRecord, Outcome, Side
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider
from tests.support.memory_deploy import run


def test_successful_deploy_moves_traffic_then_stops_the_old_colour(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    record = run(platform, clock)
    assert platform.calls == [
        ("migrate", "2.0.0"),
        ("start", "green"),
        ("weights", {"blue": 0, "green": 100}),
        ("record_live", "green"),
        ("stop", "blue"),
    ]
    assert record.outcome is Outcome.SUCCEEDED
    assert record.old == Side("blue", Release("1.0.0"))
    assert platform.state.records == [record]
    assert platform.state.lock is None
    assert platform.violations == []


def test_intent_is_journaled_before_each_change(platform: MemoryProvider, clock: FakeClock) -> None:
    record = run(platform, clock)
    steps = [e.step for e in platform.state.events(record.id)]
    assert steps == [
        "begin",
        "guard-skipped",  # the releases have no revision files and no check command is set
        "migrate",
        "migrated",
        "live-checked",
        "start",
        "healthy",
        "shift",
        "shifted",
        "live",
        "drain",
        "stop",
        "stopped",
        "end",
    ]


def test_a_stop_that_leaves_tasks_exiting_is_journaled_as_stopping_not_stopped(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    platform.exiting_on_stop = 2
    record = run(platform, clock)
    entries = platform.state.events(record.id)
    assert [e.step for e in entries][-4:] == ["drain", "stop", "stopping", "end"]
    stopping = next(e for e in entries if e.step == "stopping")
    assert stopping.data == {"color": "blue", "exiting": 2}


def test_linear_sets_every_planned_weight_in_order(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    run(platform, clock, strategy=Strategy("linear", step_percent=25, interval=5))
    assert [c[1]["green"] for c in platform.calls if c[0] == "weights"] == [25, 50, 75, 100]
    assert platform.violations == []


def test_first_deploy_goes_all_at_once_to_blue(clock: FakeClock) -> None:
    empty = MemoryProvider(clock=clock)
    record = run(empty, clock, strategy=Strategy("canary", 10, interval=30))
    assert [c for c in empty.calls if c[0] == "weights"] == [("weights", {"blue": 100, "green": 0})]
    assert record.new.color == "blue"


def test_bake_keeps_the_old_colour_running_until_it_ends(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    seen_running_during_bake: list[bool] = []
    clock.on_sleep.append(
        lambda _now: seen_running_during_bake.append(platform.colors["blue"].desired > 0)
    )
    run(platform, clock, bake=20)
    assert seen_running_during_bake
    assert all(seen_running_during_bake)
    assert platform.colors["blue"].desired == 0


def test_migration_is_skipped_when_the_live_code_already_has_every_revision(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    versions = tmp_path / "app" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_first.py").write_text(
        "revision = '0001'\ndown_revision = None\nbluegreen_change = 'expand'\n"
    )
    workdir = str(tmp_path / "app")
    platform.colors["blue"].release = Release("1.0.0", workdir=workdir)
    record = run(platform, clock, release=Release("2.0.0", migrate_command=("m",), workdir=workdir))
    assert ("migrate", "2.0.0") not in platform.calls
    assert "migrate-skipped" in [e.step for e in platform.state.events(record.id)]


def test_the_history_record_round_trips_through_its_json_form(
    platform: MemoryProvider, clock: FakeClock
) -> None:
    record = run(platform, clock, strategy=Strategy("canary", 10, interval=5))
    data = record.to_dict()
    assert data["from"]["version"] == "1.0.0"
    assert data["to"] == {
        "color": "green",
        "version": "2.0.0",
        "release": Release("2.0.0", migrate_command=("migrate",)).to_dict(),
    }
    assert DeploymentRecord.from_dict(data) == record
