"""Benchmarks: each `bench_*.py` module has a `main()` that prints its figures."""

from __future__ import annotations

import os


def load_average(load: tuple[float, float, float] | None = None) -> str:
    """The 1, 5 and 15 minute load averages, now or as read earlier, as every bench prints them."""
    return "{:.1f} {:.1f} {:.1f}".format(*(load if load is not None else os.getloadavg()))
