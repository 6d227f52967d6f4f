"""Benchmarks: each `bench_*.py` module has a `main()` that prints its figures."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping


def load_average(load: tuple[float, float, float] | None = None) -> str:
    """The 1, 5 and 15 minute load averages, now or as read earlier, as every bench prints them."""
    return "{:.1f} {:.1f} {:.1f}".format(*(load if load is not None else os.getloadavg()))


def step_shares(
    events: Iterable[Mapping[str, object]], started: float, ended: float
) -> dict[str, float]:
    """Seconds from each journal event to the next (the first from the command's start),
    summed per step name: where an operation's wall clock went."""
    shares: dict[str, float] = defaultdict(float)
    before = started
    for event in events:
        at = float(str(event["at"]))
        shares[f"-> {event['step']}"] += at - before
        before = at
    shares["after the last event"] = ended - before
    return dict(shares)
