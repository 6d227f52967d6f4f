"""Time as the controller sees it, and the one polling helper every wait uses.

One abstraction for the whole controller: the procedure, the providers and the state stores
take a `Clock`, so a test drives all of them with one fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    """Wall-clock time for records, monotonic time for deadlines, and sleeping."""

    def time(self) -> float:
        """Wall-clock seconds, as recorded in journals."""
        ...

    def monotonic(self) -> float:
        """Seconds for deadlines."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """time.time()."""
        return time.time()

    def monotonic(self) -> float:
        """time.monotonic()."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """time.sleep()."""
        time.sleep(seconds)


def poll(
    check: Callable[[], T | None],
    *,
    timeout: float,
    clock: Clock,
    first: float = 0.05,
    longest: float = 1.0,
) -> T | None:
    """Call `check` until it returns something other than None or `timeout` passes.

    Starts fast and backs off (x1.5 up to `longest`), so quick things are seen quickly and
    slow ones (AWS) are not asked too often. Returns None on timeout.
    """
    deadline = clock.monotonic() + timeout
    interval = first
    while True:
        result = check()
        if result is not None:
            return result
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return None
        clock.sleep(min(interval, remaining))
        interval = min(interval * 1.5, longest)
