"""The series the report draws are exactly what the journal and the probe file recorded."""

from __future__ import annotations

from bluegreen.report import series
from bluegreen.report.data import Marker, ProbeSeries, Summary, VerdictRow, WeightPoint
from tests.report.conftest import (
    APPROVAL,
    APPROVAL_ID,
    BREACH,
    CANARY_FAIL,
    CANARY_FAIL_ID,
    CANARY_OK,
    CANARY_OK_ID,
    ROLLBACK_REASON,
    V1,
    V2,
    Row,
    journal,
    probe_file,
    record,
)


def test_canary_weights_step_from_begin_weights_through_each_shift_to_the_end() -> None:
    assert series.weight_timeline(journal(CANARY_OK_ID, CANARY_OK)) == (
        WeightPoint(0.0, 100, 0),
        WeightPoint(2.3, 90, 10),
        WeightPoint(7.4, 0, 100),
        WeightPoint(13.45, 0, 100),
    )


def test_canary_markers_cover_every_step_with_its_duration_until_the_next() -> None:
    assert series.step_markers(journal(CANARY_OK_ID, CANARY_OK)) == (
        Marker(0.1, "start", "start green", "2 task(s) of 2.0.0 as green", 1.5),
        Marker(1.6, "healthy", "healthy", "2 task(s) healthy after 1.5 s", 0.1),
        Marker(1.7, "smoke", "smoke", "true against http://127.0.0.1:18002", 0.55),
        Marker(2.25, "shift", "shift 1/2", "green to 10% (blue 90% / green 10%)", 5.1),
        Marker(7.35, "shift", "shift 2/2", "green to 100% (blue 0% / green 100%)", 0.1),
        Marker(7.45, "bake", "bake", "old colour kept warm for 5.0 s", 5.1),
        Marker(12.55, "drain", "drain blue", "waiting for requests in flight to finish", 0.45),
        Marker(13.0, "stop", "stop blue", "stopping the tasks of blue", 0.45),
        Marker(13.45, "end", "end", "succeeded", None),
    )


def test_canary_verdicts_are_the_recorded_ones_at_their_times() -> None:
    assert series.verdict_rows(journal(CANARY_OK_ID, CANARY_OK)) == (
        VerdictRow(7.3, "step 1/2", True, 40, 0, 0.0, 12.5, None, outcome="ok"),
        VerdictRow(12.45, "bake", True, 400, 0, 0.0, 12.5, None, outcome="ok"),
    )


def test_rolled_back_canary_returns_weights_to_blue_when_restored() -> None:
    assert series.weight_timeline(journal(CANARY_FAIL_ID, CANARY_FAIL)) == (
        WeightPoint(0.0, 100, 0),
        WeightPoint(2.2, 90, 10),
        WeightPoint(4.35, 100, 0),
        WeightPoint(5.1, 100, 0),
    )


def test_rolled_back_canary_has_a_rollback_marker_with_the_reason() -> None:
    assert series.step_markers(journal(CANARY_FAIL_ID, CANARY_FAIL)) == (
        Marker(0.5, "start", "start green", "2 task(s) of 2.0.0 as green", 1.5),
        Marker(2.0, "healthy", "healthy", "2 task(s) healthy after 1.5 s", 0.1),
        Marker(2.1, "shift", "shift 1/2", "green to 10% (blue 90% / green 10%)", 2.15),
        Marker(4.25, "rollback", "rollback", ROLLBACK_REASON, 0.15),
        Marker(4.4, "stop", "stop green", "stopping the tasks of green", 0.7),
        Marker(5.1, "end", "end", f"rolled_back: {ROLLBACK_REASON}", None),
    )
    assert series.verdict_rows(journal(CANARY_FAIL_ID, CANARY_FAIL)) == (
        VerdictRow(4.2, "step 1/2", False, 50, 5, 0.1, 12.5, BREACH, outcome="failed"),
    )


def test_migration_approval_promote_and_drain_timeout_are_markers() -> None:
    events = journal(APPROVAL_ID, APPROVAL)
    assert series.step_markers(events) == (
        Marker(0.5, "migrate", "migrate", "database migration for 2.0.0", 1.625),
        Marker(2.125, "start", "start green", "1 task(s) of 2.0.0 as green", 1.0),
        Marker(3.125, "healthy", "healthy", "1 task(s) healthy after 1.0 s", 0.125),
        Marker(
            3.25, "approval", "approval", "paused for `bluegreen promote` (timeout 60.0 s)", 10.0
        ),
        Marker(13.25, "promote", "promote", "approved: final shift", 0.25),
        Marker(13.5, "shift", "shift 1/1", "green to 100% (blue 0% / green 100%)", 0.5),
        Marker(14.0, "drain", "drain blue", "waiting for requests in flight to finish", 60.0),
        Marker(
            74.0, "drain-timeout", "drain timeout", "blue left running with requests in flight", 0.5
        ),
        Marker(74.5, "end", "end", "succeeded", None),
    )
    assert series.weight_timeline(events) == (
        WeightPoint(0.0, 100, 0),
        WeightPoint(13.75, 0, 100),
        WeightPoint(74.5, 0, 100),
    )


def test_a_deployment_still_running_ends_at_its_last_event_with_an_open_last_step() -> None:
    running = journal(CANARY_OK_ID, CANARY_OK[:7])
    assert series.step_markers(running)[-1] == Marker(
        2.25, "shift", "shift 1/2", "green to 10% (blue 90% / green 10%)", None
    )
    assert series.weight_timeline(running)[-1] == WeightPoint(2.3, 90, 10)
    assert series.summary(CANARY_OK_ID, running, None, None).outcome == "in progress"


def test_a_warm_rollback_shows_the_reuse_of_the_old_colour() -> None:
    rows: list[Row] = [
        (
            500.0,
            "begin",
            {
                "operation": "rollback",
                "who": "ci@runner",
                "target": "local",
                "old": "green",
                "new": "blue",
                "old_release": V2,
                "new_release": V1,
                "strategy": "all-at-once",
                "weights": {"blue": 0, "green": 100},
            },
        ),
        (500.25, "reuse", {"color": "blue", "version": "1.0.0"}),
        (500.5, "shift", {"weights": {"blue": 100, "green": 0}, "step": 1, "of": 1}),
        (500.75, "shifted", {"weights": {"blue": 100, "green": 0}, "step": 1, "of": 1}),
        (501.0, "end", {"outcome": "succeeded", "reason": None}),
    ]
    events = journal("r", rows)
    assert [(m.kind, m.detail, m.duration_s) for m in series.step_markers(events)] == [
        ("reuse", "blue still runs 1.0.0 warm", 0.25),
        ("shift", "blue to 100% (blue 100% / green 0%)", 0.5),
        ("end", "succeeded", None),
    ]
    assert series.weight_timeline(events) == (
        WeightPoint(0.0, 0, 100),
        WeightPoint(0.75, 100, 0),
        WeightPoint(1.0, 100, 0),
    )


def test_probe_buckets_are_placed_on_the_deployment_axis_per_version() -> None:
    assert series.probe_series(probe_file(CANARY_OK_ID, 999.2), 1000.0) == ProbeSeries(
        t=(-0.8, 0.2, 1.2, 2.2),
        versions=("1.0.0", "2.0.0"),
        rps={"1.0.0": (50, 45, 0, 0), "2.0.0": (0, 5, 49, 0)},
        failed=(0, 0, 1, 2),
        p50_ms=(2.0, 2.5, 3.0, None),
        p99_ms=(4.0, 6.0, 9.5, None),
    )


def test_summary_takes_the_history_record_the_journal_and_the_probe() -> None:
    events = journal(CANARY_OK_ID, CANARY_OK)
    head = series.summary(
        CANARY_OK_ID,
        events,
        record(CANARY_OK_ID, CANARY_OK, duration_s=13.512, notes=["kept warm"]),
        probe_file(CANARY_OK_ID, 999.2),
    )
    assert head == Summary(
        deployment_id=CANARY_OK_ID,
        operation="deploy",
        target="local",
        who="ci@runner",
        strategy="canary",
        old_color="blue",
        old_version="1.0.0",
        new_color="green",
        new_version="2.0.0",
        outcome="succeeded",
        reason=None,
        started_at=1000.0,
        duration_s=13.512,
        time_to_healthy_s=1.5,
        shift_s=5.15,
        requests=152,
        failed=3,
        by_version={"1.0.0": 95, "2.0.0": 54},
        p50_ms=2.5,
        p99_ms=9.5,
        cutover_first_new_ms=3.2,
        cutover_last_old_ms=41.7,
        notes=("kept warm",),
    )


def test_summary_without_record_or_probe_comes_from_the_journal_alone() -> None:
    head = series.summary(CANARY_FAIL_ID, journal(CANARY_FAIL_ID, CANARY_FAIL), None, None)
    assert (head.old_version, head.new_version, head.old_color, head.new_color) == (
        "1.0.0",
        "2.0.0",
        "blue",
        "green",
    )
    assert (head.outcome, head.reason, head.duration_s) == ("rolled_back", ROLLBACK_REASON, 5.1)
    assert (head.requests, head.failed, head.cutover_first_new_ms) == (None, None, None)
    assert head.shift_s is None  # traffic never all moved: it was rolled back during step 1


def test_each_version_takes_the_colour_it_ran_as() -> None:
    data = series.build(
        CANARY_OK_ID,
        journal(CANARY_OK_ID, CANARY_OK),
        record(CANARY_OK_ID, CANARY_OK),
        probe_file(CANARY_OK_ID, 999.2),
    )
    assert dict(data.colors) == {"1.0.0": "blue", "2.0.0": "green"}
    assert data.probe is not None
    assert data.timeline.begin_at == 1000.0
    assert data.timeline.end_t == 13.45
