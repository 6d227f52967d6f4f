"""The lead-time bench's printed figures: medians, ratio, per-step medians and the goal."""

from __future__ import annotations

from bench.bench_leadtime import Figures, report


def _figures(a: list[float], b: list[float], goal: float) -> Figures:
    figures = Figures(
        "(b) with a migration", goal, load_start=(0.5, 0.4, 0.3), load_end=(1.3, 0.5, 0.3)
    )
    figures.walls["A ours"].extend(a)
    figures.walls["B before"].extend(b)
    for step, seconds in (("-> begin", 0.4), ("-> migrated", 1.0)):
        figures.steps["A ours"][step].extend([seconds, seconds + 0.2, seconds + 0.1])
    figures.steps["B before"]["-> begin"].extend([0.9, 0.9, 1.0])
    return figures


def test_report_prints_medians_ratio_steps_load_and_the_goal_met() -> None:
    lines: list[str] = []
    report(_figures([4.0, 3.0, 3.5], [7.0, 6.0, 8.0], 5.0), say=lines.append)
    assert lines == [
        "\n=== (b) with a migration",
        "deploy wall clock, A ours: median 3.50 s over 3 runs",
        "deploy wall clock, B before: median 7.00 s over 3 runs",
        "ratio A/B: 0.50 (lower is faster)",
        "per step, A ours (median s): -> begin 0.50, -> migrated 1.10",
        "per step, B before (median s): -> begin 0.90",
        "load average: 0.5 0.4 0.3 at the start, 1.3 0.5 0.3 at the end",
        "goal, (b) with a migration: median of A at most 5 s: met (median 3.50 s over 3 runs, "
        "load average 0.5 0.4 0.3 at the start, 1.3 0.5 0.3 at the end)",
    ]


def test_the_goal_is_not_met_when_the_median_is_above_it_even_if_one_run_is_below() -> None:
    figures = _figures([2.9, 3.2, 3.1], [6.0, 6.0, 6.0], 3.0)
    assert figures.goal_line().startswith(
        "goal, (b) with a migration: median of A at most 3 s: NOT met (median 3.10 s"
    )
