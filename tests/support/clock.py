"""One fake clock for every test: time moves only when the code under test sleeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FakeClock:
    """`bluegreen.clock.Clock` whose sleep advances time at once and is remembered.

    `on_sleep` hooks run after each sleep with the new time (to change the world mid-wait).
    """

    now: float = 1_800_000_000.0
    slept: list[float] = field(default_factory=list)
    on_sleep: list[Callable[[float], None]] = field(default_factory=list)

    def time(self) -> float:
        """The current fake time."""
        return self.now

    def monotonic(self) -> float:
        """The same fake time (only differences matter)."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance instead of sleeping, remember how long, run the hooks."""
        self.slept.append(seconds)
        self.now += seconds
        for hook in self.on_sleep:
            hook(self.now)
