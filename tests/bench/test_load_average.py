"""The load-average line every bench prints beside its figures."""

from __future__ import annotations

from bench import load_average


def test_load_average_prints_the_three_averages_with_one_decimal() -> None:
    assert load_average((1.04, 2.0, 15.56)) == "1.0 2.0 15.6"


def test_load_average_without_a_reading_reads_the_machine_now() -> None:
    fields = load_average().split()
    assert len(fields) == 3
    assert all(float(field) >= 0 for field in fields)
